import { describe, expect, it } from 'vitest';
import type { Shell } from '../../shell/quote.js';
import { Interrupted } from '../../errors.js';
import { ArgError, type ActionContext } from '../types.js';
import { promoteReplica, promotionPair } from './promote.js';
import { catchUpScript, freezePrimaryScript, promoteReplicaScript, thawPrimaryScript } from './promote-scripts.js';

const replica = { name: 'web-02', vars: { mysql_role: 'replica', mysql_primary: 'web-01' } };
const primary = { name: 'web-01', vars: { mysql_role: 'primary' } };
const inventory = { file: 'site.yaml', hosts: [primary, replica] };

describe('promote: which hosts', () => {
  it('pairs a replica with its primary', () => {
    expect(promotionPair(replica, inventory)).toEqual({ replica, primary });
  });

  it('refuses a host that is no replica, naming its mysql_role', () => {
    expect(() => promotionPair(primary, inventory)).toThrow(new ArgError(undefined, 'web-01 is not a replica (mysql_role is "primary")'));
  });

  it('refuses a primary that is not a host of the inventory', () => {
    const lost = { name: 'web-03', vars: { mysql_role: 'replica', mysql_primary: 'db-09' } };
    expect(() => promotionPair(lost, inventory)).toThrow("web-03's mysql_primary \"db-09\" is not a host of site.yaml");
  });
});

/** A context whose hosts answer scripts by what they contain; `unreachable` hosts throw on reach. */
function fakeContext(options: { force?: boolean; unreachable?: string[]; failOn?: string; interruptDuring?: string } = {}) {
  const ran: string[] = [];
  const said: string[] = [];
  let interrupted = false;
  const context: ActionContext = {
    force: options.force ?? false,
    interrupted: () => interrupted,
    say: (line) => said.push(line),
    reach: async (host) => {
      if (options.unreachable?.includes(host)) throw new Error('connect ETIMEDOUT');
      return {
        run: async (script: Shell) => {
          const kinds: Record<string, string> = {
            [freezePrimaryScript()]: 'freeze',
            [catchUpScript('0-1-42', 5)]: 'catch up',
            [promoteReplicaScript()]: 'promote',
            [thawPrimaryScript()]: 'thaw',
          };
          const kind = kinds[script] ?? 'unknown';
          ran.push(`${host}:${kind}`);
          if (options.interruptDuring === kind) interrupted = true;
          if (options.failOn === kind) throw new Error(`${host}: provision: it failed`);
          return kind === 'freeze' ? 'gtid=0-1-42\n' : 'promoted\n';
        },
      };
    },
  };
  return { context, ran, said };
}

describe('promote: the run', () => {
  it('freezes the primary, promotes the replica, and returns the role variables swapped', async () => {
    const { context, ran, said } = fakeContext();
    const outcome = await promoteReplica({ replica, primary }, context, 5);
    expect(ran).toEqual(['web-01:freeze', 'web-02:catch up', 'web-02:promote']);
    expect(said).toEqual(['web-01: read-only now; its last transaction is 0-1-42', 'web-02: replication stopped, accepting writes: it is the primary now']);
    expect(outcome).toEqual({
      edits: [
        { host: 'web-02', vars: { mysql_role: 'primary', mysql_primary: null } },
        { host: 'web-01', vars: { mysql_role: 'replica', mysql_primary: 'web-02' } },
      ],
      next: 'the old primary becomes a replica of web-02',
    });
  });

  it('refuses when the primary cannot be reached, unless forced', async () => {
    const refused = fakeContext({ unreachable: ['web-01'] });
    await expect(promoteReplica({ replica, primary }, refused.context, 5)).rejects.toThrow('the primary web-01 cannot be reached (connect ETIMEDOUT): promoting now may lose its last writes; run again with --force to promote anyway');
    expect(refused.ran).toEqual([]);
    const forced = fakeContext({ unreachable: ['web-01'], force: true });
    await promoteReplica({ replica, primary }, forced.context, 5);
    expect(forced.ran).toEqual(['web-02:promote']);
    expect(forced.said[0]).toBe('web-01: unreachable (connect ETIMEDOUT); promoting anyway (--force)');
  });

  it.each([
    ['the catch-up', 'catch up', ['web-01:freeze', 'web-02:catch up', 'web-01:thaw']],
    ['the promotion', 'promote', ['web-01:freeze', 'web-02:catch up', 'web-02:promote', 'web-01:thaw']],
  ])('lets the primary write again when %s fails after the freeze', async (_, failOn, steps) => {
    const { context, ran } = fakeContext({ failOn });
    await expect(promoteReplica({ replica, primary }, context, 5)).rejects.toThrow('web-02: provision: it failed');
    expect(ran).toEqual(steps);
  });

  it.each([
    ['the freeze', 'freeze', ['web-01:freeze', 'web-01:thaw']],
    ['the catch-up', 'catch up', ['web-01:freeze', 'web-02:catch up', 'web-01:thaw']],
  ])('Ctrl-C during %s: the primary writes again, the replica is not promoted, no inventory edit', async (_, interruptDuring, steps) => {
    const { context, ran } = fakeContext({ interruptDuring });
    await expect(promoteReplica({ replica, primary }, context, 5)).rejects.toThrow(new Interrupted('promote: interrupted; nothing was promoted, web-01 accepts writes again'));
    expect(ran).toEqual(steps);
  });

  it('Ctrl-C while the primary is reached: nothing runs at all', async () => {
    const { context, ran } = fakeContext();
    const reach = context.reach;
    let interrupted = false;
    const interruptedContext: ActionContext = { ...context, interrupted: () => interrupted, reach: async (host) => ((interrupted = host === 'web-01' || interrupted), reach(host)) };
    await expect(promoteReplica({ replica, primary }, interruptedContext, 5)).rejects.toThrow(new Interrupted('promote: interrupted; nothing was promoted, nothing changed'));
    expect(ran).toEqual([]);
  });
});
