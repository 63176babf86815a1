import { describe, expect, it } from 'vitest';
import type { PlannedResource } from '../roles/plan.js';
import { command, type CommandCurrent } from '../resources/command/index.js';
import { file } from '../resources/file/index.js';
import { line } from '../resources/line/index.js';
import type { AnyResourceType } from '../resources/types.js';
import { type Assessed, cutBeforeAffected } from './rounds.js';

const at = { file: 'role.yaml', line: 1, col: 1 };

/** A resource as a probe assessed it: changed (it writes `path`) or in state. */
function assessed(type: AnyResourceType, desired: unknown, current: unknown, changed: boolean): Assessed {
  const planned: PlannedResource = { role: 'r', type, desired, label: type.label(desired as never), notify: [], position: at };
  const changes = changed ? [{ summary: 'changed' }] : [];
  return { planned, current, decision: { changes }, changes, handler: false };
}

/** The file at `path`, to be written. */
const written = (path: string): Assessed =>
  assessed(file, { path, state: 'file', content: 'x\n', attributes: { mode: '0755' } }, { stat: { type: 'absent' } }, true);

/** A command its `unless` guard said is done. */
const done = (guard: { unless: string }): Assessed => {
  const current: CommandCurrent = { created: false, unlessPassed: true };
  return assessed(command, command.validate({ cmd: 'render', ...guard }), current, false);
};

describe('cutBeforeAffected', () => {
  it.each<[string, () => Assessed[], number | 'none']>([
    ['a command whose unless runs a program written before it in the call: cut before it', () => [written('/usr/local/sbin/helper'), done({ unless: '/usr/local/sbin/helper check' }), written('/etc/site')], 1],
    ['a command whose unless names a file written before it: cut before it', () => [written('/etc/a'), written('/etc/source'), done({ unless: 'test -s /etc/source' })], 2],
    ['a line in the file written before it: not cut (its apply decides again)', () => [written('/etc/source'), assessed(line, line.validate({ path: '/etc/source', line: 'x' }), { kind: 'file' }, false)], 'none'],
    ['a guard nothing before it touches: not cut', () => [written('/etc/other'), done({ unless: '/usr/local/sbin/helper check' })], 'none'],
    ['the guard’s program written after it: not cut', () => [done({ unless: '/usr/local/sbin/helper check' }), written('/usr/local/sbin/helper')], 'none'],
  ])('%s', (_, resources, cutAt) => {
    const now = resources();
    const round = cutBeforeAffected({ now, later: [], cut: false });
    const expected = cutAt === 'none' ? now.length : cutAt;
    expect(round.now).toEqual(now.slice(0, expected));
    expect(round.later).toEqual(now.slice(expected).map((a) => a.planned));
    expect(round.cut).toBe(expected < now.length);
  });
});
