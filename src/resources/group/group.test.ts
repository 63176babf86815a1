import { describe, expect, it } from 'vitest';
import { group, type GroupCurrent, type GroupDecision, type GroupDesired } from './index.js';
import type { Effects } from '../shared/lookahead.js';
import { accountToolStubs as accountStubs, ahead, applyLocally, argErrorOf, predicted, probeLocally, summaries } from '../../../test/support/resources.js';

describe('group', () => {
  it.each([
    ['an unknown key, with a suggestion', { name: 'web', gdi: 5 }, 'gdi', /did you mean 'gid'/],
    ['a bad name', { name: 'web ops' }, 'name', /user or group name/],
    ['a bad gid', { name: 'web', gid: 1.5 }, 'gid', /non-negative integer/],
    ['a bad system', { name: 'web', system: 2 }, 'system', /true or false/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(group, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });

  // Probe output → state.
  it.each<[string, string, GroupCurrent]>([
    ['no such group', '', { exists: false }],
    ['a group', 'entry=web:x:1005:alice,bob', { exists: true, gid: '1005' }],
  ])('parses %s', (_, output, expected) => {
    expect(group.parse(output, group.validate({ name: 'web' }))).toEqual(expected);
  });

  // Desired + state → the decision (what apply does, what plan shows), and the command apply runs for it.
  const want = (args: Record<string, unknown>): GroupDesired => group.validate({ name: 'web', ...args });
  it.each<[string, GroupDesired, GroupCurrent, GroupDecision['kind'], string[], string]>([
    ['in state', want({ gid: 1005 }), { exists: true, gid: '1005' }, 'none', [], ':'],
    ['absent, as declared', want({ state: 'absent' }), { exists: false }, 'none', [], ':'],
    ['new', want({ gid: 1005, system: true }), { exists: false }, 'create', ['absent → present (gid 1005, system)'], 'groupadd [--system] [--gid] [1005] [--] [web]'],
    ['new, defaults', want({}), { exists: false }, 'create', ['absent → present'], 'groupadd [--] [web]'],
    ['another gid', want({ gid: 1005 }), { exists: true, gid: '1001' }, 'gid', ['gid 1001 → 1005'], 'groupmod [--gid] [1005] [--] [web]'],
    ['removal', want({ state: 'absent' }), { exists: true, gid: '1001' }, 'delete', ['present → absent'], 'groupdel [--] [web]'],
  ])('%s', (_, desired, current, kind, expected, call) => {
    const decision = group.decide(desired, current);
    expect(decision.kind).toBe(kind);
    expect(summaries(decision.changes)).toEqual(expected);
    const stubs = accountStubs(desired.state === 'absent' ? { group: 'web:x:1001:' } : {});
    expect(applyLocally(group.apply(desired, decision), stubs.env).code).toBe(0);
    expect(stubs.calls().filter((c) => !c.startsWith('getent')).at(-1) ?? ':').toBe(call);
  });

  it('probes with getent and exits 0 for a missing group', () => {
    const stubs = accountStubs();
    expect(probeLocally(group, group.validate({ name: 'web' }), stubs.env)).toEqual({ exists: false });
    expect(stubs.calls()).toEqual(['getent [group] [--] [web]']);
  });
});

describe('group.predict: the group as earlier changes leave it', () => {
  const creates: Effects = { accounts: new Map([['group:mysql', { by: 'package mariadb-server', exists: true, why: 'w' }]]) };
  it.each<[string, Record<string, unknown>, Effects, string]>([
    ['nothing touches it', { name: 'mysql' }, {}, 'unaffected'],
    ['a package creates it', { name: 'mysql' }, creates, 'known: in state (package mariadb-server: w)'],
    ['a package creates it, a gid declared', { name: 'mysql', gid: 500 }, creates, 'unknown: package mariadb-server creates group mysql (w); its gid is compared at apply | if it is there then: gid set to 500 if it differs | if it is not: absent → present (gid 500)'],
  ])('%s', (_, args, effects, expected) => {
    expect(predicted(group, group.validate(args), { exists: false }, ahead(effects))).toBe(expected);
  });
});
