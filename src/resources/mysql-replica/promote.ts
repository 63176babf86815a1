/**
 * The promote action of `mysql_replica` (`provision promote INVENTORY HOST`):
 * makes a replica the writer. Which host replicates from which comes from the
 * mysql role's variables (mysql_role, mysql_primary), and the action returns
 * their new values for the inventory.
 */
import { Interrupted, messageOf } from '../../errors.js';
import { ArgError, type ActionContext, type ActionHost, type ActionOutcome, type ActionSession, type ResourceAction } from '../types.js';
import { catchUpScript, freezePrimaryScript, parseGtid, promoteReplicaScript, thawPrimaryScript } from './promote-scripts.js';

/** Seconds the replica gets to apply what the primary wrote. */
const CATCH_UP_SECONDS = 60;

/** The replica to promote and its primary. */
export interface PromotionPair {
  replica: ActionHost;
  primary: ActionHost;
}

/** Pure: the named host must be a replica whose primary is a host of the inventory. */
export function promotionPair(named: ActionHost, inventory: { file: string; hosts: readonly ActionHost[] }): PromotionPair {
  if (named.vars.mysql_role !== 'replica') throw new ArgError(undefined, `${named.name} is not a replica (mysql_role is ${JSON.stringify(named.vars.mysql_role ?? null)})`);
  const primary = inventory.hosts.find((h) => h.name === named.vars.mysql_primary);
  if (!primary) throw new ArgError(undefined, `${named.name}'s mysql_primary ${JSON.stringify(named.vars.mysql_primary ?? null)} is not a host of ${inventory.file}`);
  return { replica: named, primary };
}

/**
 * Makes the replica the writer: freezes the primary (read_only) when it can be
 * reached, waits until the replica has applied everything the primary wrote,
 * then stops replication on the replica and lets it accept writes. If the
 * promotion fails, or the operator interrupts it before the replica is
 * promoted, after the freeze, the primary is let write again.
 */
export async function promoteReplica({ replica, primary }: PromotionPair, context: ActionContext, catchUpSeconds = CATCH_UP_SECONDS): Promise<ActionOutcome> {
  const replicaSession = await context.reach(replica.name);
  let primarySession: ActionSession | undefined;
  try {
    primarySession = await context.reach(primary.name);
  } catch (err) {
    // An interrupt is not unreachability: --force never promotes past a Ctrl-C.
    if (err instanceof Interrupted) throw err;
    if (!context.force) throw new Error(`the primary ${primary.name} cannot be reached (${messageOf(err)}): promoting now may lose its last writes; run again with --force to promote anyway`);
    context.say(`${primary.name}: unreachable (${messageOf(err)}); promoting anyway (--force)`);
  }
  // Interrupted before the replica is promoted (the last step that can be undone): nothing is.
  if (context.interrupted()) throw new Interrupted('promote: interrupted; nothing was promoted, nothing changed');
  let gtid: string | undefined;
  if (primarySession) {
    gtid = parseGtid(await primarySession.run(freezePrimaryScript()));
    context.say(`${primary.name}: read-only now; its last transaction is ${gtid || '(none)'}`);
  }
  try {
    // Before each step on the replica: the catch-up changes nothing, the promotion cannot be undone.
    const stopIfInterrupted = (): void => {
      if (context.interrupted()) throw new Interrupted(`promote: interrupted; nothing was promoted${primarySession ? `, ${primary.name} accepts writes again` : ''}`);
    };
    stopIfInterrupted();
    if (gtid !== undefined) await replicaSession.run(catchUpScript(gtid, catchUpSeconds));
    stopIfInterrupted();
    await replicaSession.run(promoteReplicaScript());
  } catch (err) {
    if (primarySession) await primarySession.run(thawPrimaryScript());
    throw err;
  }
  context.say(`${replica.name}: replication stopped, accepting writes: it is the primary now`);
  return {
    edits: [
      { host: replica.name, vars: { mysql_role: 'primary', mysql_primary: null } },
      { host: primary.name, vars: { mysql_role: 'replica', mysql_primary: replica.name } },
    ],
    next: `the old primary becomes a replica of ${replica.name}`,
  };
}

/** `provision promote`. */
export const promote: ResourceAction<PromotionPair> = {
  summary: 'make a MySQL replica the primary',
  help: `Makes HOST, a MySQL/MariaDB replica (mysql_role: replica), the primary: the
old primary is made read-only, the replica waits until it has applied every
write, then stops replicating and accepts writes. The inventory file is then
edited (HOST becomes mysql_role: primary, the old primary a replica of it);
run provision apply afterwards to bring both hosts' configuration in line.`,
  forceHelp: 'promote even if the old primary cannot be reached',
  secondInterrupt: 'a second Ctrl-C while the old primary is read-only leaves it so: make it writable again with SET GLOBAL super_read_only = OFF, read_only = OFF (MySQL) or SET GLOBAL read_only = OFF (MariaDB)',
  hosts: promotionPair,
  run: (pair, context) => promoteReplica(pair, context),
};
