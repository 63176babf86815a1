/**
 * Rolling deploys: hosts that do not roll are applied first, all at once; then
 * each rolling set batch by batch. A host of a batch whose changes interrupt
 * what it serves is taken out of every load balancer that routes to it, changed,
 * health-checked, and put back; the next batch starts when this one is done, and
 * a failed batch stops the rest. The engine only sequences: what a drain, a
 * health check or the traffic-affecting changes are, roles declare.
 *
 * Every host is read as the run starts (its probe call also tries its health
 * checks once): every rolling host before batch 1 starts, however few forks
 * there are, since --forks bounds the hosts at work and a host waiting for its
 * batch holds none. A rolling host that no apply ever completed on and that
 * fails them serves nothing yet (a fresh host): draining it would protect no
 * request, so it is changed at once, beside the hosts that do not roll, then
 * health-checked as usual; its batch is
 * done when it is. So is a host that an earlier run left out of any load
 * balancer routing to it: it is changed, health-checked and put back at
 * once, and a drain of another backend of its load balancers waits for it,
 * so that a host left out in a later batch never keeps the first batch from
 * draining. The others wait, read, for
 * their batch's turn before their first change.
 */
import type { Shell } from '../shell/quote.js';
import { messageOf } from '../errors.js';
import { insert, sh } from '../shell/quote.js';
import type { Balancer, HostPlan } from '../roles/plan.js';
import { BeganOnHost } from './began-on-host.js';
import { batchFailed, rolloutOrder, type RollingSet } from './batches.js';
import { ConnectionPool } from './connection-pool.js';
import { Drainer, NotRunError, type Route } from './drain.js';
import { describeCheck, healthOutcome, healthScript } from './health.js';
import { type ApplyGate, INTERRUPTED_UNCHANGED, NOT_STARTED, runHost, targetOf, type HostRunOptions } from './host-run.js';
import { type Deferred, deferred } from './deferred.js';
import { everApplied, HOST_STATE_DIR } from './host-state.js';
import { ParkableConnection } from './parkable-connection.js';
import { type Fork, mapWithLimit } from './pool.js';
import type { HostResult, HostRollout, RunEvent } from './results.js';
import { affectsTraffic, drainTargets, healthChecks } from './rollout-rules.js';
import { timed } from './timing.js';

/** Options of a whole run. */
export interface RunOptions extends HostRunOptions {
  /** Hosts handled at once (within a batch). */
  forks: number;
  /** Every load balancer of the inventory (drains run there, selected or not). */
  balancers?: Balancer[];
}

/** Where a host stands in its rolling set. */
interface Place {
  set: RollingSet;
  batch: number;
  hosts: ReadonlySet<string>;
  /** Resolves when its batch may change: undefined, or why it may not (the rollout stopped before it). */
  turn: Deferred<string | undefined>;
}

/** A host out of load balancers right now: which, which of them an earlier run left it out of, and what of it began on the host. */
interface Out {
  balancers: Set<string>;
  foundDrained(): readonly string[];
  began: BeganOnHost;
}

/** What a host's probe call says about it serving now: its health checks passed (or it declares none), and the detail when not. */
interface Serving {
  now: boolean;
  detail?: string;
}

/** One run: check mode reads every host at once and says what the rollout would do; apply rolls. */
export async function runRollout(plans: HostPlan[], options: RunOptions): Promise<HostResult[]> {
  const pool = new ConnectionPool(options.openConnection);
  const drainer = new Drainer(options.balancers ?? [], pool, options.connect, options.hostStateDir ?? HOST_STATE_DIR, options.lockPath);
  const run = new Rollout(plans, { ...options, openConnection: pool.open }, pool, drainer);
  try {
    return options.check ? await run.plan() : await run.apply();
  } finally {
    await pool.closeAll();
  }
}

class Rollout {
  readonly #order;
  readonly #places = new Map<string, Place>();
  /** Hosts out of load balancers right now (for the Ctrl-C notice). */
  readonly #out = new Map<string, Out>();
  /** Every rolling host: resolves once it is read (or its run ended without a read). */
  readonly #reads = new Map<string, Deferred<void>>();
  /** Hosts found out of a load balancer routing to them (left so by an earlier run): every load balancer routing to them, and their run's end. */
  readonly #resuming = new Map<string, { balancers: readonly string[]; done: Promise<void> }>();
  /**
   * Per host, the load balancers whose drain ran and failed (refused, say): it may be out of them, but not by this
   * run's doing (another run may have it out while it changes it), so this run never puts it back there; its note
   * keeps naming them, so a later run takes it out again before changing it, and puts it back.
   */
  readonly #drainFailed = new Map<string, Set<string>>();

  constructor(
    private readonly plans: HostPlan[],
    private readonly options: RunOptions,
    private readonly pool: ConnectionPool,
    private readonly drainer: Drainer,
  ) {
    this.#order = rolloutOrder(plans);
    for (const set of this.#order.sets) set.batches.forEach((batch, i) => {
      const hosts = new Set(batch.map((p) => p.host.name));
      const turn = deferred<string | undefined>();
      for (const plan of batch) {
        this.#places.set(plan.host.name, { set, batch: i + 1, hosts, turn });
        this.#reads.set(plan.host.name, deferred<void>());
      }
    });
  }

  /**
   * Check mode: every host read at once (nothing changes), then each rolling host's part described.
   * After Ctrl-C no other host is connected to: those still waiting for a fork are reported as apply reports them.
   */
  async plan(): Promise<HostResult[]> {
    return mapWithLimit(this.plans, this.options.forks, async (plan) => {
      const place = this.#places.get(plan.host.name);
      if (!place) return this.#runFree(plan);
      if (this.options.signal?.aborted) return this.#notAttempted(plan, 'the run was interrupted');
      let found: string[] = [];
      let serving: Serving = { now: true };
      const read = this.#read(plan, (f, s) => ((found = f), (serving = s)));
      const result = await runHost(plan, { ...this.options, gate: { ...read, beforeApply: async () => undefined } });
      const changed = result.results.filter((r) => r.status === 'changed').map((r) => r.resource);
      const rollout = this.#rollout(plan, place, found);
      const routes = this.drainer.routesTo(plan.host.name);
      const atOnce = goesFirst(routes, found, serving);
      if (atOnce) rollout.atOnce = atOnce;
      if (!serving.now && found.length === 0 && affectsTraffic(plan.serve, changed)) {
        rollout.notDrained = notServing(serving);
      } else if (affectsTraffic(plan.serve, changed)) {
        const targets = drainTargets(routes, place.hosts);
        rollout.drained = targets.drain.map((r) => r.balancer.name);
        if (targets.notDrained) rollout.notDrained = targets.notDrained;
      } else if (found.length === 0) {
        rollout.health = [];
      }
      result.rollout = rollout;
      return result;
    });
  }

  /**
   * Apply: free hosts all at once, and every rolling host read meanwhile; then,
   * once every rolling host is read, each set batch by batch (hosts not serving
   * yet, or left out by an earlier run, do not wait for theirs). At most
   * --forks hosts are at work at once, started in the queue's order; a host
   * waiting (for its batch, for the others' reads, for a host going first)
   * holds no fork, so every rolling host is read before batch 1 whatever
   * --forks is. A failed batch (or Ctrl-C) leaves the hosts of the rest not attempted.
   */
  async apply(): Promise<HostResult[]> {
    if (this.#order.sets.length > 0) for (const name of this.drainer.balancerNames()) this.pool.pin(name);
    const onAbort = (): void => this.#sayWhatIsOut();
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = new Map<string, Deferred<HostResult>>(this.plans.map((p) => [p.host.name, deferred<HostResult>()]));
    const free = Promise.all(this.#order.free.map((p) => done.get(p.host.name)!.promise));
    const turns = this.#turns(free, done);
    try {
      // Each host asks for its fork in the queue's order: the free hosts first, then the rolling ones batch by batch.
      const results = await mapWithLimit(this.#queue(), this.options.forks, async (plan, fork) => {
        // A run that throws (a reporter that failed) fails its host alone: the batches and the other hosts go on to their end.
        const run = this.#places.has(plan.host.name) ? this.#roll(plan, fork) : this.#runFree(plan);
        const result = await run.catch((err: unknown) => failedHost(plan.host.name, messageOf(err)));
        done.get(plan.host.name)!.resolve(result);
        return result;
      });
      await turns;
      const byName = new Map(results.map((r) => [r.name, r]));
      return this.plans.map((p) => byName.get(p.host.name)!);
    } finally {
      this.options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The order apply starts hosts in: free hosts first, then the rolling ones, each set's batches in order. */
  #queue(): HostPlan[] {
    return [...this.#order.free, ...this.#order.sets.flatMap((set) => set.batches.flat())];
  }

  /**
   * Gives each batch its turn once the free hosts and the batches before it
   * are done, and batch 1 only once every rolling host is read (a host an
   * earlier run left out goes first, whichever batch it is in); a failed batch
   * (or Ctrl-C) stops the rest.
   */
  async #turns(free: Promise<unknown>, done: Map<string, Deferred<HostResult>>): Promise<void> {
    await Promise.all([free, ...[...this.#reads.values()].map((r) => r.promise)]);
    let stopped: string | undefined;
    for (const set of this.#order.sets) {
      for (const [index, batch] of set.batches.entries()) {
        const turn = this.#places.get(batch[0]!.host.name)!.turn;
        if (this.options.signal?.aborted) stopped ??= 'the run was interrupted';
        if (stopped) {
          turn.resolve(stopped);
          continue;
        }
        this.options.onEvent({ kind: 'batch', set: set.name, batch: index + 1, batches: set.batches.length, hosts: batch.map((p) => p.host.name) });
        turn.resolve(undefined);
        const results = await Promise.all(batch.map((p) => done.get(p.host.name)!.promise));
        const failed = results.filter((r) => r.failed > 0 || r.unreachable).map((r) => r.name);
        if (this.options.signal?.aborted) stopped = 'the run was interrupted';
        else if (batchFailed(batch.length, failed.length, set.maxFailPercentage)) {
          stopped = `the rollout stopped after batch ${index + 1}/${set.batches.length} of ${set.name}, where ${failed.join(', ')} failed`;
        }
      }
    }
  }

  /** A host that does not roll: as without rolling deploys. */
  #runFree(plan: HostPlan): Promise<HostResult> {
    return this.options.signal?.aborted ? Promise.resolve(this.#notStarted(plan)) : runHost(plan, this.options);
  }

  /**
   * One host of a batch: read (with its note of earlier drains and one try of
   * its health checks); a host that serves waits for its batch's turn before
   * its first change; drain before the first change that interrupts serving,
   * change, then, if it was out or changed what it serves, wait for its health
   * checks and put it back. Its live events wait with it, so a host whose
   * batch never comes is reported only as not attempted. It holds its fork
   * only while at work: not while it waits for its turn or for other hosts;
   * its connection stays open meanwhile only while no host at work needs the
   * room (Forks), and is opened again before it goes on.
   */
  async #roll(plan: HostPlan, fork: Fork): Promise<HostResult> {
    const host = plan.host;
    const place = this.#places.get(host.name)!;
    const read = this.#reads.get(host.name)!;
    // Interrupted before its read: not even read (no batch starts before every rolling host is read).
    if (this.options.signal?.aborted) {
      read.resolve();
      return this.#notAttempted(plan, 'the run was interrupted');
    }
    const routes = this.drainer.routesTo(host.name);
    const out = new Set<string>();
    const began = new BeganOnHost();
    let rollout: HostRollout = this.#rollout(plan, place, []);
    this.#out.set(host.name, { balancers: out, foundDrained: () => rollout.foundDrained, began });
    let traffic = false;
    let serving: Serving = { now: true };
    // Not serving yet, or left out of a load balancer by an earlier run: no turn to wait for (see goesFirst).
    let atOnce = false;
    const finished = deferred<void>();
    const held = new Hold(this.options.onEvent);
    // Waits for the batch's turn (at once for a host serving nothing); throws why not when the rollout stopped before it.
    let stoppedBefore: string | undefined;
    let turnCame = false;
    const myTurn = async (): Promise<void> => {
      if (atOnce || turnCame) return;
      const stopped = await timed(this.options.onSpan, host.name, 'wait', () => fork.waitFor(place.turn.promise, line));
      if (stopped !== undefined) throw new Error((stoppedBefore = stopped));
      turnCame = true;
      held.release();
      // Nothing of the host is applied before its turn.
      await this.#reopen(host.name, line, INTERRUPTED_UNCHANGED, 'its turn');
    };
    // Kept open from its read to its health check, but closed while it waits without its fork if another host needs the room.
    const line = new ParkableConnection(this.pool.open, this.options.signal);
    try {
      const result = await runHost(plan, {
        ...this.options,
        openConnection: line.open,
        onEvent: held.onEvent,
        gate: {
          ...this.#read(plan, (found, s) => {
            serving = s;
            rollout = this.#rollout(plan, place, found);
            for (const b of rollout.foundDrained) out.add(b);
            const why = goesFirst(routes, found, s);
            if (why !== undefined) rollout.atOnce = why;
            if (outOfAny(routes, found)) this.#resuming.set(host.name, { balancers: routes.map((r) => r.balancer.name), done: finished.promise });
            atOnce = why !== undefined;
            if (atOnce) held.release();
            read.resolve();
          }),
          beforeApply: async (labels) => {
            await myTurn();
            if (traffic || !affectsTraffic(plan.serve, labels)) return;
            traffic = true;
            if (!serving.now && out.size === 0) {
              // Nothing to drain; its health is still checked once it changed.
              rollout.notDrained = notServing(serving);
              return;
            }
            const targets = drainTargets(routes, place.hosts);
            if (targets.notDrained) rollout.notDrained = targets.notDrained;
            for (const route of targets.drain) await this.#drain(plan, route, out, rollout, fork, line);
          },
        },
        began,
      });
      // Read, or never to be (unreachable, its probe failed): batch 1 and the drains wait for no more from it.
      read.resolve();
      // Its run failed before its turn (its read, say): it is reported as it failed, whatever becomes of the rollout.
      const failedBefore = result.failed > 0 && this.options.signal?.aborted !== true;
      if (stoppedBefore === undefined && !atOnce && !turnCame && !result.unreachable && !failedBefore) {
        // A host with nothing to change still waits for its turn: its batch may be one the rollout never reaches.
        // It has nothing more to do on the host (it changed nothing, was out of nothing): no fork, no connection meanwhile.
        fork.give();
        await line.close();
        stoppedBefore = await place.turn.promise;
      }
      if (stoppedBefore !== undefined) {
        held.drop();
        return this.#notAttempted(plan, stoppedBefore);
      }
      held.release();
      result.rollout = rollout;
      const checks = healthChecks(plan.serve);
      if (!result.unreachable && (out.size > 0 || (traffic && checks.length > 0))) await this.#settle(plan, result, rollout, routes, out, began);
      rollout.leftDrained = [...out].map((balancer) => ({ balancer, undrain: this.#undrainHint(plan, routes, balancer) }));
      return result;
    } finally {
      held.release();
      read.resolve();
      finished.resolve();
      this.#out.delete(host.name);
      await line.close();
    }
  }

  /**
   * The gate's reads of a rolling host: its note of earlier drains, whether an
   * apply ever ended on it with every change made (everApplied: also after a
   * later apply failed or was stopped), and one try of its health checks. It
   * serves unless it never was applied and fails them (a health check that a
   * run changes may not answer before the change, nor one a failed apply broke:
   * an applied host counts as serving, and is drained; a host without checks
   * too). So the checks are tried only on a host never applied: on an applied
   * one (every host of a converged site) their answer would decide nothing, and
   * the try costs the host curl and whatever the checked service does to answer.
   */
  #read(plan: HostPlan, onRead: (found: string[], serving: Serving) => void): Pick<ApplyGate, 'read' | 'onRead'> {
    const checks = healthChecks(plan.serve);
    const applied = everApplied(this.options.hostStateDir ?? HOST_STATE_DIR);
    const tryChecks = sh`if ! ${insert(applied)}; then (\n${insert(healthScript(checks, true))}\n); fi`;
    return {
      read: [{ inline: this.drainer.readNote() }, { inline: sh`if ${insert(applied)}; then echo applied; fi` }, ...(checks.length > 0 ? [{ inline: tryChecks }] : [])],
      onRead: ([note, stamp, health]) => {
        const outcome = stamp?.trim() === 'applied' || health === undefined ? undefined : healthOutcome(checks, health, 0);
        onRead(this.#known(plan, note ?? ''), outcome === undefined || outcome.healthy ? { now: true } : { now: false, detail: outcome.detail });
      },
    };
  }

  async #drain(plan: HostPlan, route: Route, out: Set<string>, rollout: HostRollout, fork: Fork, line: ParkableConnection): Promise<void> {
    const host = plan.host.name;
    const balancer = route.balancer.name;
    if (rollout.drained.includes(balancer)) return;
    // Out already by its note: taken out again all the same (a drain of a backend that is out changes nothing).
    // The note is written before a drain and removed after the undrain, so a run stopped in between leaves it
    // naming a load balancer the host is back in; trusted, the change would interrupt the requests it serves.
    const again = out.has(balancer);
    await fork.waitFor(this.#othersResumed(host, balancer), line);
    // Ctrl-C while it waited, or after its drain from another load balancer: no drain starts after it.
    const interrupted = `interrupted before it was taken out of ${balancer}`;
    if (this.options.signal?.aborted) throw new Error(interrupted);
    await this.#reopen(host, line, interrupted, `the other hosts behind ${balancer}`);
    // Noted as out before the command runs: whatever happens next, a later run puts it back.
    out.add(balancer);
    let said: string[];
    try {
      said = await timed(this.options.onSpan, host, 'drain', () => this.drainer.drain(plan.host, route));
    } catch (err) {
      let why = messageOf(err);
      // A host its note says out may be out indeed: only one this run would have taken out is known to be in rotation.
      if (!again) {
        // Not taken out by this run: it never puts it back there (see #drainFailed).
        out.delete(balancer);
        if (err instanceof NotRunError) {
          // Never ran (the load balancer unreachable): the host is still in rotation, not to be reported out,
          // and its note (written first) must not say otherwise, or a later run would change it in rotation.
          await this.#writeNote(plan, out).catch((noteErr: unknown) => (why += `; its note of drains may still name ${balancer} (${messageOf(noteErr)})`));
        } else {
          this.#drainFailedOn(host).add(balancer);
        }
      }
      this.options.onEvent({ kind: 'rollout', host, step: 'drain', ok: false, message: `could not take it out of ${balancer}: ${why}` });
      throw new Error(`could not take it out of ${balancer}: ${why}`);
    }
    rollout.drained.push(balancer);
    // What the drain wrote on stderr while succeeding (it stopped waiting for requests in flight, say).
    const notice = said.length > 0 ? `; ${balancer} says: ${said.join('; ')}` : '';
    if (notice) (rollout.drainNotices ??= []).push(`${balancer}: ${said.join('; ')}`);
    this.options.onEvent({ kind: 'rollout', host, step: 'drain', ok: true, message: `${again ? `out of ${balancer} (again: an earlier run left it out)` : `out of ${balancer}`}${notice}` });
  }

  #drainFailedOn(host: string): Set<string> {
    let failed = this.#drainFailed.get(host);
    if (!failed) this.#drainFailed.set(host, (failed = new Set()));
    return failed;
  }

  /** Rewrites the host's note: the load balancers it is out of, and those whose drain failed (#drainFailed). */
  #writeNote(plan: HostPlan, out: Set<string>): Promise<void> {
    return this.drainer.writeNote(plan.host, [...new Set([...out, ...(this.#drainFailed.get(plan.host.name) ?? [])])]);
  }

  /**
   * A host back from a wait (for `waited`): its connection, closed meanwhile to make room, opened again (not after
   * Ctrl-C: then it stops, `interrupted` saying where).
   */
  async #reopen(host: string, line: ParkableConnection, interrupted: string, waited: string): Promise<void> {
    if (!line.closed) return;
    const opened = await timed(this.options.onSpan, host, 'connect', () => line.reopen(waited));
    if (!opened) throw new Error(interrupted);
  }

  /**
   * Waits until the other rolling hosts of this run are read and those an earlier run
   * left out of a load balancer that `balancer` is one of their routes are
   * done (healthy and back, or failed): a drain must not find them still out,
   * which would leave fewer backends in rotation than the batches promise, or
   * none. Such hosts wait for each other in inventory order (the first never
   * waits), so two of them never wait for each other.
   */
  async #othersResumed(host: string, balancer: string): Promise<void> {
    await Promise.all([...this.#reads].filter(([name]) => name !== host).map(([, read]) => read.promise));
    const mine = this.#resuming.has(host) ? this.#inventoryIndex(host) : Infinity;
    const before = [...this.#resuming].filter(([name, r]) => name !== host && r.balancers.includes(balancer) && this.#inventoryIndex(name) < mine);
    await Promise.all(before.map(([, r]) => r.done));
  }

  #inventoryIndex(host: string): number {
    return this.plans.findIndex((p) => p.host.name === host);
  }

  /**
   * Health checks, then back into every load balancer when they pass; when they fail the host stays out and fails.
   * A host on which nothing it serves was changed (Ctrl-C during its drains, a drain refused: no step that changes
   * it began on the host) is as it was while it served: it goes back at once into what this run took it out of,
   * health checks or not, and only once (refused, it stays out); not into a load balancer whose drain failed,
   * which this run did not take it out of. Out of a load balancer since an earlier run, it
   * goes back there once healthy: without health checks, once this run applied every change.
   */
  async #settle(plan: HostPlan, result: HostResult, rollout: HostRollout, routes: Route[], out: Set<string>, began: BeganOnHost): Promise<void> {
    const host = plan.host.name;
    const checks = healthChecks(plan.serve);
    const untouched = !affectsTraffic(plan.serve, began.touched());
    if (untouched) {
      const ours = [...out].filter((b) => !rollout.foundDrained.includes(b));
      await this.#putBack(plan, result, routes, out, ours, ' (nothing it serves was changed)');
      if ([...out].every((b) => ours.includes(b))) return this.#note(plan, out, result);
    }
    const rest = untouched ? [...out].filter((b) => rollout.foundDrained.includes(b)) : [...out];
    let health: { healthy: boolean; detail: string };
    if (checks.length === 0) {
      // Nothing to ask: the apply's own success is all there is to go by.
      health = withoutChecks(result, untouched);
    } else {
      try {
        const r = await timed(this.options.onSpan, host, 'health', () => this.#onHost(plan, healthScript(checks)));
        health = healthOutcome(checks, r.stdout, r.code);
      } catch (err) {
        health = { healthy: false, detail: `the health check could not run: ${messageOf(err)}` };
      }
      this.options.onEvent({ kind: 'rollout', host, step: 'health', ok: health.healthy, message: health.detail });
    }
    rollout.healthy = health.healthy;
    rollout.healthDetail = health.detail;
    if (!health.healthy) {
      if (result.failed === 0 && !result.unreachable) {
        result.failed = 1;
        result.error = health.detail;
      }
      if (out.size > 0) await this.#note(plan, out, result);
      return;
    }
    await this.#putBack(plan, result, routes, out, rest);
    await this.#note(plan, out, result);
  }

  /** Puts the host back into these load balancers; one that refuses keeps it out and fails the host. */
  async #putBack(plan: HostPlan, result: HostResult, routes: Route[], out: Set<string>, balancers: string[], why = ''): Promise<void> {
    const host = plan.host.name;
    for (const balancer of balancers) {
      const route = routes.find((r) => r.balancer.name === balancer);
      try {
        if (route) await timed(this.options.onSpan, host, 'drain', () => this.drainer.undrain(plan.host, route));
        out.delete(balancer);
        this.options.onEvent({ kind: 'rollout', host, step: 'undrain', ok: true, message: `back in ${balancer}${why}` });
      } catch (err) {
        this.options.onEvent({ kind: 'rollout', host, step: 'undrain', ok: false, message: `could not put it back into ${balancer}: ${messageOf(err)}` });
        result.failed = Math.max(result.failed, 1);
        result.error ??= `could not put it back into ${balancer}: ${messageOf(err)}`;
      }
    }
  }

  /** Rewrites the host's note of the load balancers it is out of. */
  async #note(plan: HostPlan, out: Set<string>, result: HostResult): Promise<void> {
    try {
      await this.#writeNote(plan, out);
    } catch (err) {
      result.failed = Math.max(result.failed, 1);
      result.error ??= `could not update its note of drains: ${messageOf(err)}`;
    }
  }

  async #onHost(plan: HostPlan, script: Shell) {
    const connection = await this.pool.open(targetOf(plan.host), this.options.connect);
    try {
      return await connection.runScript(script);
    } finally {
      await connection.close();
    }
  }

  /** The load balancers a host's note names that still route to it (others no longer matter). */
  #known(plan: HostPlan, noteOutput: string): string[] {
    const routes = this.drainer.routesTo(plan.host.name).map((r) => r.balancer.name);
    return this.drainer.parseNote(noteOutput).filter((b) => routes.includes(b));
  }

  #rollout(plan: HostPlan, place: Place, foundDrained: string[]): HostRollout {
    return {
      set: place.set.name,
      batch: place.batch,
      batches: place.set.batches.length,
      serial: place.set.serial,
      drained: [],
      foundDrained,
      health: healthChecks(plan.serve).map(describeCheck),
      leftDrained: [],
    };
  }

  /** How to put a host back by hand: the undrain command on its load balancer. */
  #undrainHint(plan: HostPlan, routes: Route[], balancer: string): string {
    const route = routes.find((r) => r.balancer.name === balancer);
    return route ? route.decls.map((d) => this.drainer.command(d.undrain, plan.host.name)).join(' && ') : '';
  }

  #notAttempted(plan: HostPlan, why: string): HostResult {
    const place = this.#places.get(plan.host.name)!;
    const result: HostResult = { name: plan.host.name, ok: 0, changed: 0, unknown: 0, failed: 0, skipped: 0, unreachable: false, results: [], elapsedMs: 0, notAttempted: why, rollout: this.#rollout(plan, place, []) };
    this.options.onEvent({ kind: 'host-done', result });
    return result;
  }

  #notStarted(plan: HostPlan): HostResult {
    const result = failedHost(plan.host.name, NOT_STARTED);
    this.options.onEvent({ kind: 'host-done', result });
    return result;
  }

  /** Ctrl-C: which hosts are out of a load balancer right now, what happens to them, and (a second Ctrl-C quits at once, with no recap) how to put them back by hand. */
  #sayWhatIsOut(): void {
    for (const [host, { balancers, foundDrained, began }] of this.#out) {
      if (balancers.size === 0) continue;
      const plan = this.plans.find((p) => p.host.name === host)!;
      const routes = this.drainer.routesTo(host);
      const byHand = [...balancers].map((balancer) => `on ${balancer}: ${this.#undrainHint(plan, routes, balancer)}`).join('; ');
      const touched = affectsTraffic(plan.serve, began.touched()) ? 'yes' : affectsTraffic(plan.serve, began.inFlight()) ? 'maybe' : 'no';
      const fate = afterInterrupt([...balancers], foundDrained(), touched, healthChecks(plan.serve).length > 0);
      this.options.onEvent({
        kind: 'notice',
        host,
        message: `${fate} (a second Ctrl-C leaves it out; the next provision apply puts it back once healthy, or by hand ${byHand})`,
      });
    }
  }
}

/** What becomes of a host out of load balancers after Ctrl-C (no change that has not begun starts any more), in words; `touched`: whether a change to what it serves began, or maybe will (sent, not begun yet). */
function afterInterrupt(out: readonly string[], foundDrained: readonly string[], touched: 'yes' | 'maybe' | 'no', checks: boolean): string {
  const changed = `out of ${out.join(', ')}: ${checks ? 'it goes back once its health check passes' : 'no health check declared: it goes back if the changes begun on it succeed'}`;
  if (touched === 'yes') return changed;
  const ours = out.filter((b) => !foundDrained.includes(b));
  const found = out.filter((b) => foundDrained.includes(b));
  const unchanged = [
    ...(ours.length > 0 ? [`out of ${ours.join(', ')}: it goes back at once (nothing it serves was changed)`] : []),
    ...(found.length > 0 ? [`out of ${found.join(', ')} since an earlier run: ${checks ? 'it goes back once its health check passes' : 'no health check declared: it stays out unless this run had nothing left to change on it'}`] : []),
  ].join('; ');
  // Its changes are on their way to the host: whether one that changes what it serves begins before the stop reaches it is not known yet.
  return touched === 'maybe' ? `if the change to what it serves sent to it began: ${changed}; if not: ${unchanged}` : unchanged;
}

/** A host that failed with no run of its own to tell: not started, or its run threw. */
function failedHost(name: string, error: string): HostResult {
  return { name, ok: 0, changed: 0, unknown: 0, failed: 1, skipped: 0, unreachable: false, error, results: [], elapsedMs: 0 };
}

/** Without health checks, whether a host out of a load balancer is fit to go back: every change of this run applied. */
function withoutChecks(result: HostResult, untouched: boolean): { healthy: boolean; detail: string } {
  if (result.failed === 0) return { healthy: true, detail: 'no health check declared; its changes were applied' };
  if (untouched) return { healthy: false, detail: 'no health check declared, and this run stopped before changing what it serves: it stays out as an earlier run left it' };
  return { healthy: false, detail: 'no health check declared, and its changes failed' };
}

/** Whether an earlier run left the host out of a load balancer routing to it. */
function outOfAny(routes: readonly Route[], found: readonly string[]): boolean {
  return routes.some((r) => found.includes(r.balancer.name));
}

/**
 * Why a rolling host does not wait for its batch (plan and apply decide it alike); undefined when it waits.
 * A host not serving yet has nothing to protect. A host an earlier run left out of a load balancer,
 * of every one or of one of two, goes first: waiting, it would make that load balancer refuse to take
 * out a host of an earlier batch (its last other backend in rotation). The drains of other hosts through
 * any of its load balancers wait until it is back; but a load balancer that another such host is out of
 * may have both out at once (two hosts each left out of a different one: the first, in inventory order,
 * is taken out of the other's too).
 */
function goesFirst(routes: readonly Route[], found: readonly string[], serving: Serving): string | undefined {
  if (outOfAny(routes, found)) return `out of ${found.join(', ')} since an earlier run`;
  if (!serving.now) return 'not serving yet';
  return undefined;
}

/** Why a rolling host that is not serving yet changes without drain. */
function notServing(serving: Serving): string {
  return `not serving yet (${serving.detail ?? 'its health check fails'}): nothing to drain`;
}

/** A host's live events, held back until it is released (its batch's turn came) or dropped (it never did). */
class Hold {
  #events: RunEvent[] | undefined = [];

  constructor(private readonly emit: (event: RunEvent) => void) {}

  readonly onEvent = (event: RunEvent): void => {
    if (this.#events) this.#events.push(event);
    else this.emit(event);
  };

  release(): void {
    const events = this.#events;
    this.#events = undefined;
    for (const event of events ?? []) this.emit(event);
  }

  drop(): void {
    this.#events = undefined;
  }
}
