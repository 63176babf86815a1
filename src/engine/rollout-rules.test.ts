import { describe, expect, it } from 'vitest';
import type { ServeDecl } from '../roles/rolling.js';
import { affectsTraffic, drainTargets } from './rollout-rules.js';

describe('affectsTraffic', () => {
  const app: ServeDecl = { role: 'app', traffic: ['restart app', 'reload nginx'] };
  const all: ServeDecl = { role: 'web' };
  it.each<[string, ServeDecl[] | undefined, string[], boolean]>([
    ['nothing changes', [app], [], false],
    ['a listed handler runs', [app], ['app release', 'restart app'], true],
    ['only unlisted changes', [app], ['file /etc/motd'], false],
    ['a block without traffic: every change', [app, all], ['file /etc/motd'], true],
    ['no serve block: every change', undefined, ['file /etc/motd'], true],
    ['lists of two roles add up', [app, { role: 'mysql', traffic: ['restart mariadb'] }], ['restart mariadb'], true],
  ])('%s', (_, serve, labels, expected) => {
    expect(affectsTraffic(serve, labels)).toBe(expected);
  });
});

describe('drainTargets', () => {
  const lb1 = { balancer: { name: 'lb-1' }, backends: ['w1', 'w2'] };
  const lb2 = { balancer: { name: 'lb-2' }, backends: ['w1', 'w2', 'w3'] };
  it('drains from each load balancer that keeps a backend outside the batch', () => {
    expect(drainTargets([lb1, lb2], new Set(['w1']))).toEqual({ drain: [lb1, lb2] });
  });
  it('not from one whose every backend is in the batch (serial 100%), and says so', () => {
    expect(drainTargets([lb1, lb2], new Set(['w1', 'w2']))).toEqual({ drain: [lb2], notDrained: 'every host lb-1 routes to is in this batch, so none is taken out' });
  });
});
