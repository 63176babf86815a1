import type { Shell } from '../shell/quote.js';
import { messageOf } from '../errors.js';
import type { InventoryHost } from '../inventory/index.js';
import { UnreachableError, type ConnectOptions, type ConnectTarget, type Connection } from '../transport/types.js';
import { targetOf } from './host-run.js';
import { openUnlessInterrupted } from './open-unless-interrupted.js';
import { mapWithLimit } from './pool.js';

/** Outcome of an ad-hoc command on one host. */
export interface ExecOutcome {
  /** Inventory host name. */
  host: string;
  /** Exit code, or null when the host was unreachable or the connection dropped. */
  code: number | null;
  /** Standard output. */
  stdout: string;
  /** Standard error, or why the host could not be reached. */
  stderr: string;
  /** True when the host could not be reached. */
  unreachable: boolean;
  /** True when the run was interrupted before the host was started. */
  notStarted?: true;
}

/**
 * Runs shell text on every host (like `ansible all -a`), hosts in parallel up to `forks`. Once
 * `signal` aborts, no other host is started (nor one whose connection was still opening); commands already running finish.
 */
export async function execOnHosts(
  hosts: InventoryHost[],
  command: Shell,
  options: { forks: number; connect: ConnectOptions; openConnection: (t: ConnectTarget, o: ConnectOptions) => Promise<Connection>; onDone: (outcome: ExecOutcome) => void; signal?: AbortSignal },
): Promise<ExecOutcome[]> {
  return mapWithLimit(hosts, options.forks, async (host) => {
    let outcome: ExecOutcome;
    try {
      const connection = await openUnlessInterrupted(options.openConnection, targetOf(host), options.connect, options.signal);
      if (!connection) {
        outcome = { host: host.name, code: null, stdout: '', stderr: 'interrupted before it started', unreachable: false, notStarted: true };
        options.onDone(outcome);
        return outcome;
      }
      try {
        const r = await connection.runScript(command);
        outcome = { host: host.name, code: r.code, stdout: r.stdout, stderr: r.stderr, unreachable: false };
      } finally {
        await connection.close();
      }
    } catch (err) {
      outcome = { host: host.name, code: null, stdout: '', stderr: messageOf(err), unreachable: err instanceof UnreachableError };
    }
    options.onDone(outcome);
    return outcome;
  });
}
