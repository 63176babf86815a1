import type { Shell } from '../shell/quote.js';
import { UserError, messageOf } from '../errors.js';
import type { Inventory, InventoryHost } from '../inventory/index.js';
import type { ConnectOptions, ConnectTarget, Connection } from '../transport/types.js';
import { targetOf } from './host-run.js';
import { freezePrimaryScript, parseGtid, promoteReplicaScript, thawPrimaryScript } from './promote-scripts.js';

/** How to promote. */
export interface PromoteOptions {
  /** Promote even when the primary cannot be reached (its last writes may be lost). */
  force: boolean;
  /** Seconds to wait for the replica to catch up. */
  catchUpSeconds: number;
  /** Connection settings. */
  connect: ConnectOptions;
  /** Opens a connection (the SSH transport). */
  openConnection: (target: ConnectTarget, options: ConnectOptions) => Promise<Connection>;
  /** Progress lines for the user. */
  say: (line: string) => void;
}

/** The replica to promote and its primary, as the inventory declares them. */
export function promotionPair(inventory: Inventory, hostName: string): { replica: InventoryHost; primary: InventoryHost } {
  const replica = inventory.hosts.find((h) => h.name === hostName);
  if (!replica) throw new UserError(`promote: no host '${hostName}' in ${inventory.file}`);
  if (replica.vars.mysql_role !== 'replica') throw new UserError(`promote: ${hostName} is not a replica (mysql_role is ${JSON.stringify(replica.vars.mysql_role ?? null)})`);
  const primary = inventory.hosts.find((h) => h.name === replica.vars.mysql_primary);
  if (!primary) throw new UserError(`promote: ${hostName}'s mysql_primary ${JSON.stringify(replica.vars.mysql_primary ?? null)} is not a host of ${inventory.file}`);
  return { replica, primary };
}

/**
 * Makes the replica the writer: freezes the primary (read_only) when it can be
 * reached, waits until the replica has applied everything the primary wrote,
 * then stops replication on the replica and lets it accept writes. If the
 * promotion fails after the freeze, the primary is let write again.
 */
export async function promoteReplica(replica: InventoryHost, primary: InventoryHost, options: PromoteOptions): Promise<void> {
  const open = (host: InventoryHost) => options.openConnection(targetOf(host), options.connect);
  const replicaConnection = await open(replica);
  let primaryConnection: Connection | undefined;
  try {
    try {
      primaryConnection = await open(primary);
    } catch (err) {
      if (!options.force) throw new Error(`the primary ${primary.name} cannot be reached (${messageOf(err)}): promoting now may lose its last writes; run again with --force to promote anyway`);
      options.say(`${primary.name}: unreachable (${messageOf(err)}); promoting anyway (--force)`);
    }
    let gtid: string | undefined;
    if (primaryConnection) {
      gtid = parseGtid(await run(primaryConnection, primary.name, freezePrimaryScript()));
      options.say(`${primary.name}: read-only now; its last transaction is ${gtid || '(none)'}`);
    }
    try {
      await run(replicaConnection, replica.name, promoteReplicaScript(gtid, options.catchUpSeconds));
    } catch (err) {
      if (primaryConnection) await run(primaryConnection, primary.name, thawPrimaryScript());
      throw err;
    }
    options.say(`${replica.name}: replication stopped, accepting writes: it is the primary now`);
  } finally {
    await replicaConnection.close();
    await primaryConnection?.close();
  }
}

async function run(connection: Connection, host: string, script: Shell): Promise<string> {
  const r = await connection.runScript(script);
  if (r.code !== 0) throw new Error(`${host}: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`);
  return r.stdout;
}
