import { describe, expect, it } from 'vitest';
import { parseRecap, ufwVariantOf } from '../bench/ansible-run.js';
import { recapProblem } from '../bench/recap.js';

const HOSTS = ['lb-01', 'web-01', 'web-02'];

/** A PLAY RECAP as ansible-playbook 2.14 prints it, after some task output that looks like a recap line. */
function output(counts: Record<string, [changed: number, unreachable: number, failed: number]>): string {
  const lines = Object.entries(counts).map(
    ([host, [changed, unreachable, failed]]) => `${host.padEnd(27)}: ok=40   changed=${changed}    unreachable=${unreachable}    failed=${failed}    skipped=3    rescued=0    ignored=0   `,
  );
  return ['TASK [x] ***', 'web-01 : ok=1 changed=9 unreachable=9 failed=9', '', 'PLAY RECAP ***', ...lines, ''].join('\n');
}

describe('the bench reads ansible-playbook PLAY RECAP', () => {
  it('reads each host counts from the recap only', () => {
    const recap = parseRecap(output({ 'lb-01': [0, 0, 0], 'web-01': [3, 0, 0], 'web-02': [0, 1, 2] }));
    expect(Object.fromEntries(recap)).toEqual({
      'lb-01': { changed: 0, unreachable: 0, failed: 0 },
      'web-01': { changed: 3, unreachable: 0, failed: 0 },
      'web-02': { changed: 0, unreachable: 1, failed: 2 },
    });
  });

  it('accepts a no-op that changed nothing and a converge that changed every host', () => {
    expect(recapProblem(parseRecap(output({ 'lb-01': [0, 0, 0], 'web-01': [0, 0, 0], 'web-02': [0, 0, 0] })), HOSTS, 'none')).toBeUndefined();
    expect(recapProblem(parseRecap(output({ 'lb-01': [5, 0, 0], 'web-01': [9, 0, 0], 'web-02': [8, 0, 0] })), HOSTS, 'every')).toBeUndefined();
  });

  it('fails a run with a failed or unreachable host', () => {
    expect(recapProblem(parseRecap(output({ 'lb-01': [5, 0, 0], 'web-01': [1, 0, 1], 'web-02': [0, 1, 0] })), HOSTS, 'every')).toBe('failed or unreachable: web-01, web-02');
  });

  it('fails a no-op that changed something, a converge that left a host unchanged, and a recap without a host', () => {
    expect(recapProblem(parseRecap(output({ 'lb-01': [0, 0, 0], 'web-01': [2, 0, 0], 'web-02': [0, 0, 0] })), HOSTS, 'none')).toBe('a no-op changed 2 things on web-01');
    expect(recapProblem(parseRecap(output({ 'lb-01': [5, 0, 0], 'web-01': [0, 0, 0], 'web-02': [3, 0, 0] })), HOSTS, 'every')).toBe('nothing changed (or was found to change) on web-01');
    expect(recapProblem(parseRecap(output({ 'lb-01': [0, 0, 0], 'web-01': [0, 0, 0] })), HOSTS, 'none')).toBe('no recap for web-02');
  });

  it('requires a check after a drift to find changes on the drifted host and on no other', () => {
    const only = { only: ['web-01'] };
    expect(recapProblem(parseRecap(output({ 'lb-01': [0, 0, 0], 'web-01': [1, 0, 0], 'web-02': [0, 0, 0] })), HOSTS, only)).toBeUndefined();
    expect(recapProblem(parseRecap(output({ 'lb-01': [0, 0, 0], 'web-01': [0, 0, 0], 'web-02': [1, 0, 0] })), HOSTS, only)).toBe('no change found on web-01, which drifted');
    expect(recapProblem(parseRecap(output({ 'lb-01': [2, 0, 0], 'web-01': [1, 0, 0], 'web-02': [1, 0, 0] })), HOSTS, only)).toBe('changes found on lb-01, web-02, which did not drift');
  });
});

describe('BENCH_ANSIBLE_UFW', () => {
  it('names the playbook firewall variant, module unless set', () => {
    expect(ufwVariantOf(undefined)).toBe('module');
    expect(ufwVariantOf('')).toBe('module');
    expect(ufwVariantOf('files')).toBe('files');
    expect(() => ufwVariantOf('templates')).toThrow('BENCH_ANSIBLE_UFW: unknown variant templates (known: module, files)');
  });
});
