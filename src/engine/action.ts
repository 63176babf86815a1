/**
 * The generic entry for resource types' named actions (`provision NAME
 * INVENTORY HOST`): finds the type offering the action, lets it pick its hosts,
 * and runs it with connections opened and closed here. It knows no action.
 */
import { Interrupted, UserError } from '../errors.js';
import type { Inventory } from '../inventory/index.js';
import type { Shell } from '../shell/quote.js';
import { resourceTypes } from '../resources/index.js';
import { ArgError, type ActionOutcome, type ActionSession, type ResourceAction } from '../resources/types.js';
import type { ConnectOptions, ConnectTarget, Connection } from '../transport/types.js';
import { targetOf } from './host-run.js';
import { openUnlessInterrupted } from './open-unless-interrupted.js';

/** How to run an action. */
export interface ActionOptions {
  /** The operator's --force, passed to the action. */
  force: boolean;
  /** Connection settings. */
  connect: ConnectOptions;
  /** Opens a connection (the transport). */
  openConnection: (target: ConnectTarget, options: ConnectOptions) => Promise<Connection>;
  /** Progress lines for the operator. */
  say: (line: string) => void;
  /** Once aborted, no other host is reached: what a reached host runs finishes (or is undone). */
  signal?: AbortSignal;
}

/** Every named action the resource types offer, by name (`provision NAME INVENTORY HOST`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an action is only handed the hosts it picked itself
export function listActions(): Array<{ name: string; action: ResourceAction<any> }> {
  return Object.values(resourceTypes).flatMap((type) => Object.entries(type.actions ?? {}).map(([name, action]) => ({ name, action })));
}

/** The action of that name some resource type offers, or undefined. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as listActions
export function findAction(name: string): ResourceAction<any> | undefined {
  return listActions().find((a) => a.name === name)?.action;
}

/**
 * Runs the named action from the host `hostName`: what the inventory does not allow fails as a
 * UserError before any host is contacted; every connection the action opened is closed at the end.
 * Returns the inventory edits the action asks for (the caller applies them).
 */
export async function runAction(name: string, inventory: Inventory, hostName: string, options: ActionOptions): Promise<ActionOutcome> {
  const action = findAction(name);
  if (!action) throw new UserError(`no resource type offers the action '${name}'`);
  const named = inventory.hosts.find((h) => h.name === hostName);
  if (!named) throw new UserError(`${name}: no host '${hostName}' in ${inventory.file}`);
  let hosts: unknown;
  try {
    hosts = action.hosts(named, inventory);
  } catch (err) {
    if (err instanceof ArgError) throw new UserError(`${name}: ${err.message}`);
    throw err;
  }
  const connections: Connection[] = [];
  const reach = async (host: string): Promise<ActionSession> => {
    const found = inventory.hosts.find((h) => h.name === host);
    if (!found) throw new Error(`no host '${host}' in ${inventory.file}`);
    const connection = await openUnlessInterrupted(options.openConnection, targetOf(found), options.connect, options.signal);
    if (!connection) throw new Interrupted(`${name}: interrupted before ${host} was reached`);
    connections.push(connection);
    return { run: (script) => runOn(connection, host, script) };
  };
  try {
    return await action.run(hosts, { reach, force: options.force, interrupted: () => options.signal?.aborted === true, say: options.say });
  } finally {
    await Promise.all(connections.map((c) => c.close()));
  }
}

async function runOn(connection: Connection, host: string, script: Shell): Promise<string> {
  const r = await connection.runScript(script);
  if (r.code !== 0) throw new Error(`${host}: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`);
  return r.stdout;
}
