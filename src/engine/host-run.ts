import { createHash } from 'node:crypto';
import { messageOf } from '../errors.js';
import { quote } from '../shell/quote.js';
import type { InventoryHost } from '../inventory/index.js';
import type { HostPlan, PlannedResource } from '../roles/plan.js';
import { stateDir } from '../pki/state-dir.js';
import type { Change, ControlContext } from '../resources/types.js';
import { UnreachableError, type ConnectOptions, type ConnectTarget, type Connection } from '../transport/types.js';
import { Batch, splitItems, type PendingHandlers } from './batch.js';
import type { HostResult, ResourceResult, RunEvent } from './results.js';

/** How to run one host. */
export interface HostRunOptions {
  /** Stop after the diff: probes only, nothing changes on the host. */
  check: boolean;
  /** Connection settings shared by all hosts. */
  connect: ConnectOptions;
  /** Opens a connection (the SSH transport; replaceable in unit tests). */
  openConnection: (target: ConnectTarget, options: ConnectOptions) => Promise<Connection>;
  /** Receives live events. */
  onEvent: (event: RunEvent) => void;
  /** Aborted by Ctrl-C: nothing more is started on the host; a running apply finishes its current step, then stops. */
  signal?: AbortSignal;
  /** Directory on the host for provision's own state (handlers still to run); default /var/lib/provision. */
  hostStateDir?: string;
  /** apply --plan: says why the host's changes differ from the saved plan (then nothing is applied), or undefined. */
  verifyChanges?: (host: string, changed: Array<{ resource: string; changes: Change[] }>) => string | undefined;
  /** Control-node paths for resources with a control step (certificates); default: the working directory and the default state directory. */
  control?: { inventoryDir: string; stateDir: string };
  /** Rolling deploys (rollout.ts): more host state to read in the probe call, and a gate before each apply call. */
  gate?: ApplyGate;
}

/** How a rolling deploy takes part in one host's run, without knowing its resources. */
export interface ApplyGate {
  /** Read-only shell text run in the host's first probe call; its output goes to `onRead`. */
  read: string;
  /** Receives what `read` printed. */
  onRead(output: string): void;
  /** Called before each apply call with the labels of what it changes (resources and handlers); a rejection stops the host before that call. */
  beforeApply(labels: string[]): Promise<void>;
}

/** A planned resource with its probed state and the changes it needs. */
interface Assessed {
  planned: PlannedResource;
  current: unknown;
  changes: Change[];
  handler: boolean;
}

/** The SSH target of an inventory host. */
export function targetOf(host: InventoryHost): ConnectTarget {
  const c = host.connection;
  return { name: host.name, address: c.address, port: c.port, user: c.user, become: c.become, privateKeyFile: c.privateKeyFile, knownHostsFile: c.knownHostsFile };
}

/** Brings one host to its plan (or, in check mode, says what that would change): one probe call, then at most one apply call. */
export async function runHost(plan: HostPlan, options: HostRunOptions): Promise<HostResult> {
  const started = Date.now();
  const host = plan.host.name;
  const result: HostResult = { name: host, ok: 0, changed: 0, failed: 0, unreachable: false, results: [], elapsedMs: 0 };
  const finish = (): HostResult => {
    result.elapsedMs = Date.now() - started;
    options.onEvent({ kind: 'host-done', result });
    return result;
  };
  options.onEvent({ kind: 'host-start', host });
  let connection: Connection;
  try {
    connection = await options.openConnection(targetOf(plan.host), { ...options.connect, onNotice: (message) => options.onEvent({ kind: 'notice', host, message }) });
  } catch (err) {
    result.unreachable = true;
    result.error = messageOf(err);
    return finish();
  }
  options.onEvent({ kind: 'host-connected', host });
  try {
    const record = (a: Assessed, status: ResourceResult['status'], error?: string): void => {
      const r: ResourceResult = { host, role: a.planned.role, resource: a.planned.label, status, changes: a.changes, handler: a.handler, error };
      result.results.push(r);
      if (status === 'ok') result.ok++;
      if (status === 'changed') result.changed++;
      if (status === 'failed') {
        result.failed++;
        result.error ??= `${a.planned.label}: ${error}`;
      }
      options.onEvent({ kind: 'resource', result: r });
    };
    await converge(plan, connection, options, record);
  } catch (err) {
    if (err instanceof UnreachableError) result.unreachable = true;
    else result.failed = Math.max(result.failed, 1);
    result.error = messageOf(err);
  } finally {
    result.stats = { ...connection.stats };
    await connection.close();
  }
  return finish();
}

type Recorder = (a: Assessed, status: ResourceResult['status'], error?: string) => void;

/**
 * Probes everything in one call, then applies every change and the notified
 * handlers in one more. When a change has side effects on what follows (a
 * package install creates files and starts services), the resources after it
 * are probed again once it is applied, so a first converge acts on the real state.
 */
async function converge(plan: HostPlan, connection: Connection, options: HostRunOptions, record: Recorder): Promise<void> {
  const handlers = [...plan.handlers.entries()];
  const notified = new Set<string>();
  // Changes needing control-node work (an ACME order) run last: what they rely on (nginx serving the challenge) is in place by then.
  const late: Assessed[] = [];
  let lastHandlers: Assessed[] = [];
  let remaining = plan.resources;
  const stateDir = options.hostStateDir ?? HOST_STATE_DIR;
  for (let round = 0; ; round++) {
    const { assessed, carried } = await probeAll([...remaining, ...handlers.map(([, h]) => h)], remaining.length, connection, stateDir, round === 0 ? options.gate : undefined);
    // Handlers a failed run notified but never ran are still due (Ansible forgets them).
    if (round === 0) for (const [key] of handlers) if (carried.has(handlerId(key))) notified.add(key);
    const stale = round === 0 && !options.check ? options.verifyChanges?.(plan.host.name, assessed.slice(0, remaining.length).filter((a) => a.changes.length > 0).map((a) => ({ resource: a.planned.label, changes: a.changes }))) : undefined;
    if (stale) {
      for (const a of assessed.slice(0, remaining.length)) record(a, a.changes.length > 0 ? 'skipped' : 'ok');
      throw new Error(stale);
    }
    const resources = assessed.slice(0, remaining.length);
    const barrier = options.check ? -1 : resources.findIndex((a) => a.changes.length > 0 && a.planned.type.reprobeAfter);
    const barrierType = resources[barrier]?.planned.type;
    const cut = barrierType !== undefined && resources.slice(barrier + 1).some((a) => a.planned.type !== barrierType);
    // Resources of the barrier's type are applied together (one apt-get call), wherever they are declared.
    const now = cut ? resources.filter((a, i) => i <= barrier || a.planned.type === barrierType) : resources;
    for (const a of now) if (a.changes.length === 0) record(a, 'ok');
    const changed = now.filter((a) => a.changes.length > 0);
    const deferred = options.check ? [] : changed.filter((a) => a.planned.type.prepare);
    late.push(...deferred);
    const pending = changed.filter((a) => !deferred.includes(a));
    for (const a of pending) for (const key of a.planned.notify) notified.add(key);
    lastHandlers = assessed.slice(remaining.length);
    const dueHandlers = cut ? [] : lastHandlers.filter((_, i) => notified.has(handlers[i]![0]));
    const work = [...pending, ...dueHandlers];
    if (options.check) {
      for (const a of work) record(a, 'changed');
      return;
    }
    if (work.length > 0) await passGate(work, late, options, record);
    if (work.length > 0 && !(await applyAll(plan.host.name, work, connection, options, record, { dir: stateDir, ids: [...notified].map(handlerId), clear: !cut }))) {
      for (const a of late) record(a, 'skipped');
      return;
    }
    if (!cut) break;
    remaining = remaining.filter((p) => !now.some((a) => a.planned === p));
  }
  if (late.length > 0) await applyLate(plan, late, lastHandlers, connection, options, record);
}

/**
 * The control-node step of each late change (e.g. an ACME order), then one apply call for the
 * ones that got ready and the handlers they notify. A failed step fails its resource only.
 */
async function applyLate(plan: HostPlan, late: Assessed[], handlers: Assessed[], connection: Connection, options: HostRunOptions, record: Recorder): Promise<void> {
  const control: ControlContext = {
    runScript: (script) => connection.runScript(script),
    inventoryDir: options.control?.inventoryDir ?? process.cwd(),
    stateDir: options.control?.stateDir ?? stateDir(),
  };
  const ready: Assessed[] = [];
  for (const a of late) {
    options.onEvent({ kind: 'resource-start', host: plan.host.name, resource: a.planned.label });
    try {
      const desired = await a.planned.type.prepare!(a.planned.desired, a.current, control);
      ready.push({ ...a, planned: { ...a.planned, desired } });
    } catch (err) {
      record(a, 'failed', messageOf(err));
    }
  }
  const notified = new Set(ready.flatMap((a) => a.planned.notify));
  const keys = [...plan.handlers.keys()];
  const due = handlers.filter((_, i) => notified.has(keys[i]!));
  const pendingHandlers = { dir: options.hostStateDir ?? HOST_STATE_DIR, ids: [...notified].map(handlerId), clear: true };
  if (ready.length > 0) await passGate([...ready, ...due], [], options, record);
  if (ready.length > 0) await applyAll(plan.host.name, [...ready, ...due], connection, options, record, pendingHandlers);
}

/**
 * Before an apply call: the gate of a rolling deploy (which may drain the host
 * first), then a last look at Ctrl-C. Either one stopping the host marks the call's work and what was left for later as skipped.
 */
async function passGate(work: Assessed[], later: Assessed[], options: HostRunOptions, record: Recorder): Promise<void> {
  const skip = (why: string): never => {
    for (const a of [...work, ...later]) record(a, 'skipped');
    throw new Error(why);
  };
  if (options.signal?.aborted) skip('interrupted before changing anything on the host');
  try {
    await options.gate?.beforeApply(work.map((a) => a.planned.label));
  } catch (err) {
    skip(`not changed: ${messageOf(err)}`);
  }
  if (options.signal?.aborted) skip('interrupted before changing anything on the host');
}

/** Where provision keeps its own state on a host. */
export const HOST_STATE_DIR = '/var/lib/provision';

/** A handler's name on the host: short and free of whatever its declaration holds. */
function handlerId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * Runs the probes of `items` in one remote call and diffs each; items from
 * `firstHandler` on are handlers. The same call reads the handlers an earlier
 * run left due (`carried`).
 */
async function probeAll(items: PlannedResource[], firstHandler: number, connection: Connection, stateDir: string, gate?: ApplyGate): Promise<{ assessed: Assessed[]; carried: Set<string> }> {
  const batch = new Batch();
  const groups = probeGroups(items);
  const separator = `${batch.marker} item`;
  const scripts = groups.map((group) => {
    const type = group[0]!.type;
    return group.length > 1 ? type.probeMany!(group.map((i) => i.desired), separator) : type.probe(group[0]!.desired);
  });
  const readCarried = `cat ${quote(`${stateDir}/pending-handlers`)} 2>/dev/null || true`;
  const response = await connection.runScript(batch.probeScript([...scripts, readCarried, ...(gate ? [gate.read] : [])]));
  if (response.code === null) throw new UnreachableError('connection lost while reading the host state');
  const sections = batch.parse(response.stdout);
  const outputs = new Map<PlannedResource, string>();
  groups.forEach((group, index) => {
    const section = sections.get(index);
    const split = section && section.code === 0 ? (group.length > 1 ? splitItems(section.output, separator, group.length) : [section.output]) : undefined;
    if (!split) {
      const stderr = response.stderr.trim().split('\n').slice(-5).join('\n');
      const why = section && section.code === 0 ? 'its output did not have one part per resource' : `exit ${section?.code ?? response.code}`;
      throw new Error(`reading the state of ${group.map((i) => i.label).join(', ')} failed (${why})${stderr ? `: ${stderr}` : ''}`);
    }
    group.forEach((item, i) => outputs.set(item, split[i]!));
  });
  const assessed = items.map((planned, index): Assessed => {
    const current = planned.type.parse(outputs.get(planned)!, planned.desired);
    return { planned, current, changes: planned.type.diff(planned.desired, current), handler: index >= firstHandler };
  });
  const carried = new Set((sections.get(groups.length)?.output ?? '').split('\n').filter((id) => /^[0-9a-f]{16}$/.test(id)));
  gate?.onRead(sections.get(groups.length + 1)?.output ?? '');
  return { assessed, carried };
}

/** Probes in sections: all resources of a type with probeMany in one (at the first one's place), every other resource in its own. */
function probeGroups(items: PlannedResource[]): PlannedResource[][] {
  const groups: PlannedResource[][] = [];
  const byType = new Map<string, PlannedResource[]>();
  for (const item of items) {
    const shared = item.type.probeMany ? byType.get(item.type.name) : undefined;
    if (shared) {
      shared.push(item);
      continue;
    }
    const group = [item];
    if (item.type.probeMany) byType.set(item.type.name, group);
    groups.push(group);
  }
  return groups;
}

/**
 * Applies the pending changes in one remote call. Resources of a type with
 * applyMany (packages) are applied together at the first one's place.
 * Handlers come last; the script stops at the first failing step.
 * Returns true when every step succeeded.
 */
async function applyAll(host: string, pending: Assessed[], connection: Connection, options: HostRunOptions, record: Recorder, handlersDue: PendingHandlers): Promise<boolean> {
  const steps: Assessed[][] = [];
  const grouped = new Map<string, Assessed[]>();
  for (const a of pending) {
    const type = a.planned.type;
    if (type.applyMany && !a.handler) {
      const group = grouped.get(type.name);
      if (group) {
        group.push(a);
        continue;
      }
      grouped.set(type.name, [a]);
      steps.push(grouped.get(type.name)!);
    } else {
      steps.push([a]);
    }
  }
  const scripts = steps.map((step) => {
    const type = step[0]!.planned.type;
    if (step.length > 1 || type.applyMany) return type.applyMany!(step.map((a) => ({ desired: a.planned.desired, current: a.current })));
    return type.apply(step[0]!.planned.desired, step[0]!.current);
  });
  const batch = new Batch();
  const done = new Set<number>();
  const failed = new Set<number>();
  const parser = batch.streamParser(
    (index) => {
      for (const a of steps[index]!) options.onEvent({ kind: 'resource-start', host, resource: a.planned.label });
    },
    (index, section) => {
      done.add(index);
      if (section.code !== 0) failed.add(index);
      for (const a of steps[index]!) {
        if (section.code === 0) record(a, 'changed');
        else record(a, 'failed', failureText(section.output, section.code));
      }
    },
  );
  // Ctrl-C: the batch finishes the step it is running and starts no other.
  const stop = (): void => void connection.runScript(batch.stopScript(), { alongside: true }).catch(() => undefined);
  options.signal?.addEventListener('abort', stop, { once: true });
  const response = await connection
    .runScript(batch.applyScript(scripts, handlersDue), { onStdout: (chunk) => parser.push(chunk) })
    .finally(() => options.signal?.removeEventListener('abort', stop));
  const lost = response.code === null;
  // Nothing ran and the script failed: it did not get the host's lock (exit 75) or could not start.
  if (!lost && done.size === 0 && response.code !== 0) {
    for (const step of steps) for (const a of step) record(a, 'skipped');
    throw new Error(response.stderr.trim() || `the apply script failed (exit ${response.code})`);
  }
  steps.forEach((step, index) => {
    if (done.has(index)) return;
    for (const a of step) record(a, lost ? 'failed' : 'skipped', lost ? 'connection lost while applying' : undefined);
  });
  if (lost) throw new UnreachableError('connection lost while applying changes');
  return done.size === steps.length && [...done].every((i) => !failed.has(i));
}

/** The last lines of a failed step's output, which hold the reason. */
function failureText(output: string, code: number): string {
  const tail = output.trim().split('\n').slice(-15).join('\n');
  return tail ? `exit ${code}: ${tail}` : `exit ${code}`;
}
