/**
 * Taking a backend out of the load balancers that route to it, and putting it
 * back, with the commands their roles declare (`balances:`), run on each load
 * balancer over its own connection under its host lock. The backend keeps a
 * note of the load balancers it was taken out of (in provision's state
 * directory on the backend, read with its probe), written before a drain and
 * cleared after the undrain, so a later run knows a host an earlier one left
 * out, whatever stopped that one.
 */
import { messageOf } from '../errors.js';
import type { InventoryHost } from '../inventory/index.js';
import type { Balancer } from '../roles/plan.js';
import type { BalanceDecl } from '../roles/rolling.js';
import { insert, userText, sh, type Shell } from '../shell/quote.js';
import type { ConnectOptions, Connection } from '../transport/types.js';
import { Batch } from './batch.js';
import { readNote } from './host-state.js';
import type { ConnectionPool } from './connection-pool.js';
import { targetOf } from './host-run.js';

/** A load balancer routing to a backend, with its blocks that do. */
export interface Route {
  balancer: InventoryHost;
  decls: BalanceDecl[];
  /** Every backend of those blocks. */
  backends: string[];
}

/** Drains and undrains backends, over the connections of a pool. */
export class Drainer {
  constructor(
    private readonly balancers: readonly Balancer[],
    private readonly pool: ConnectionPool,
    private readonly connect: ConnectOptions,
    /** provision's state directory on the hosts. */
    private readonly hostStateDir: string,
    /** The hosts' lock file (HostRunOptions.lockPath); default Batch's. */
    private readonly lockPath?: string,
  ) {}

  /** Names of every load balancer that routes to a host. */
  balancerNames(): string[] {
    return this.balancers.filter((b) => b.decls.length > 0).map((b) => b.host.name);
  }

  /** The load balancers routing to `backend`. */
  routesTo(backend: string): Route[] {
    return this.balancers.flatMap((b) => {
      const decls = b.decls.filter((d) => d.backends.includes(backend));
      return decls.length > 0 ? [{ balancer: b.host, decls, backends: [...new Set(decls.flatMap((d) => d.backends))] }] : [];
    });
  }

  /** Read-only script printing the backend's note (one load balancer name per line); it starts no process (readNote). */
  readNote(): Shell {
    return readNote(this.#noteFile());
  }

  /** The load balancers a note names. */
  parseNote(output: string): string[] {
    return output.split('\n').map((l) => l.trim()).filter(Boolean);
  }

  /**
   * Takes `backend` out of `route`'s load balancer: noted on the backend first, then the drain commands. Returns
   * what they wrote on stderr while succeeding (a drain that stopped waiting for requests in flight says so there).
   * Throws why it failed.
   */
  async drain(backend: InventoryHost, route: Route): Promise<string[]> {
    const file = this.#noteFile();
    const name = route.balancer.name;
    await this.#onHost(backend, sh`mkdir -p ${this.hostStateDir} && { grep -qxF -- ${name} ${file} 2>/dev/null || printf '%s\\n' ${name} >> ${file}; }`);
    return this.#locked(route.balancer, route.decls.map((d) => this.command(d.drain, backend.name)));
  }

  /** Puts `backend` back into `route`'s load balancer. Throws why it failed. */
  async undrain(backend: InventoryHost, route: Route): Promise<void> {
    await this.#locked(route.balancer, route.decls.map((d) => this.command(d.undrain, backend.name)));
  }

  /** Rewrites the backend's note: the load balancers it is still out of (none: no note). */
  async writeNote(backend: InventoryHost, stillOut: readonly string[]): Promise<void> {
    const file = this.#noteFile();
    await this.#onHost(backend, stillOut.length === 0 ? sh`rm -f ${file}` : sh`printf '%s\\n' ${stillOut} > ${file}`);
  }

  /** A declared drain or undrain command with the backend's name as its last word. */
  command(declared: string, backend: string): Shell {
    // The role's own shell text (like a command resource's cmd, its values quoted when rendered); the backend's name is a value.
    return sh`${insert(userText(declared))} ${backend}`;
  }

  #noteFile(): string {
    return `${this.hostStateDir}/drained`;
  }

  /** A script on a host; throws what went wrong. */
  async #onHost(host: InventoryHost, script: Shell): Promise<void> {
    await this.#withConnection(host, async (connection) => {
      const r = await connection.runScript(script);
      if (r.code !== 0) throw new Error(r.code === null ? `the connection to ${host.name} dropped` : `${host.name}: ${r.stderr.trim() || `exit ${r.code}`}`);
    });
  }

  /**
   * Steps on a host under its provision lock (as an apply does), their stderr kept apart from their output;
   * returns the lines they wrote on stderr, throws the failing step's output and stderr.
   */
  async #locked(host: InventoryHost, steps: Shell[]): Promise<string[]> {
    return this.#withConnection(host, async (connection) => {
      const batch = new Batch(this.lockPath);
      const r = await connection.runScript(batch.applyScript(steps.map((script) => ({ script, stderr: 'apart' as const }))));
      if (r.code === null) throw new Error(`the connection to ${host.name} dropped`);
      const sections = batch.parse(r.stdout);
      const failed = steps.findIndex((_, i) => sections.get(i)?.code !== 0);
      const stderr = r.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
      if (failed < 0) return stderr;
      const section = sections.get(failed);
      const said = [...(section?.output.trim().split('\n') ?? []), ...stderr].filter(Boolean).slice(-5).join('\n');
      throw new Error(`${host.name}: ${said || `exit ${section?.code ?? r.code}`}`);
    });
  }

  async #withConnection<T>(host: InventoryHost, work: (connection: Connection) => Promise<T>): Promise<T> {
    let connection: Connection;
    try {
      connection = await this.pool.open(targetOf(host), this.connect);
    } catch (err) {
      throw new NotRunError(`${host.name} is unreachable: ${messageOf(err)}`);
    }
    try {
      return await work(connection);
    } finally {
      await connection.close();
    }
  }
}

/** A drain or undrain that never ran: the load balancer could not be reached, so nothing changed there. */
export class NotRunError extends Error {}
