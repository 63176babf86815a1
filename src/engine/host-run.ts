import { createHash } from 'node:crypto';
import { messageOf } from '../errors.js';
import type { Shell } from '../shell/quote.js';
import type { InventoryHost } from '../inventory/index.js';
import type { HostPlan, PlannedResource } from '../roles/plan.js';
import { controlStateDir as defaultControlStateDir } from '../control/state-dir.js';
import { runsOnControl, type AnyHostResourceType, type Change, type ControlContext } from '../resources/types.js';
import { nodeHttp, readOnly, type Http } from '../transport/http.js';
import { UnreachableError, type ConnectOptions, type ConnectTarget, type Connection, type ExecResult } from '../transport/types.js';
import { BeganOnHost } from './began-on-host.js';
import { type ApplyStep, Batch, type PendingHandlers, type ProbeSection, type SectionResult, splitItems } from './batch.js';
import { deferred } from './deferred.js';
import { forgetSuccess, HOST_STATE_DIR, noteAsAnswered, noteInState, readNote } from './host-state.js';
import { closingNote, endsInState, type NoteChange, readReply, type RunNotes, runNotes } from './run-notes.js';
import { decide, lookAhead } from './look-ahead.js';
import { openUnlessInterrupted } from './open-unless-interrupted.js';
import type { HostResult, ResourceResult, RunEvent } from './results.js';
import { againAfter, type Assessed, cutBeforeAffected, isLate, splitRound, steps } from './rounds.js';
import { now, type OnSpan, timed } from './timing.js';
import { warningOf } from './warnings.js';

/** What one round's probe decided for a resource, as apply --plan checks it. */
export interface Decided {
  /** Resource label. */
  resource: string;
  /** Its changes (empty: in state). */
  changes: Change[];
}

/** Why a host was not connected to: Ctrl-C came first. */
export const NOT_STARTED = 'not started: interrupted';
/** Why a host stopped at Ctrl-C before anything of it changed on the host. */
export const INTERRUPTED_UNCHANGED = 'interrupted before changing anything on the host';

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
  /** File on the host whose flock is its lock (one provision run changes a host at a time); default /run/provision.lock (Batch). Tests of stand-in hosts on one machine give each its own. */
  lockPath?: string;
  /**
   * apply --plan: given what a round's probe decided (before anything of it is applied), says why
   * that differs from the saved plan (then nothing of the round is applied), or undefined.
   */
  verify?: (host: string, round: number, decided: Decided[]) => string | undefined;
  /** Control-node paths for resources with a control step (certificates); default: the working directory and the default state directory. */
  control?: { inventoryDir: string; controlStateDir: string };
  /** Rolling deploys (rollout.ts): more host state to read in the probe call, and a gate before each apply call. */
  gate?: ApplyGate;
  /** HTTP for resources that live behind an API (default: fetch). */
  http?: Http;
  /** Record on the host when this apply ended with every change made (read by `provision status`); the apply command sets it. */
  recordApply?: boolean;
  /** Receives where the run spends its time (timing.ts); unset, nothing is measured. */
  onSpan?: OnSpan;
  /** Receives what of the host's changes began on it, as the apply script's markers arrive (a rolling deploy reads it); default: a record of the run's own. */
  began?: BeganOnHost;
}

/** A host's run as its steps see it: its options, and the record of what began on the host. */
type Run = HostRunOptions & { began: BeganOnHost };

/** How a rolling deploy takes part in one host's run, without knowing its resources. */
export interface ApplyGate {
  /** Read-only shell texts run in the host's first probe call, each in a section of its own (an inline one in the batch's shell); their outputs go to `onRead`. */
  read: ProbeSection[];
  /** Receives what each of `read` printed, in order. */
  onRead(outputs: string[]): void;
  /**
   * Called before each apply call with the labels of what it changes (resources and handlers), and with none before
   * control-node steps that have effects (an order, changes behind an API); a rejection stops the host before them.
   */
  beforeApply(labels: string[]): Promise<void>;
}

/** The SSH target of an inventory host. */
export function targetOf(host: InventoryHost): ConnectTarget {
  // Only what is set (connectionOf leaves the rest out): the transport fills it in from ~/.ssh/config and its defaults.
  return { name: host.name, ...host.connection };
}

/** A handler of the host as one probe found it: its key (what `notify` names) and its assessed state. */
interface ProbedHandler {
  /** What declarations name in `notify`. */
  key: string;
  /** The handler resource, probed and decided. */
  assessed: Assessed;
}

/** A handler in an apply call: run when one of `after` changed something (always, without `after`: it is already due). */
interface HandlerStep extends ProbedHandler {
  /** The steps whose change makes it run. */
  after?: Assessed[];
  /** It already ran this run: the labels of the changes it runs again after. */
  again?: string[];
}

/** Records results: one per resource, and one per handler however often it runs. */
interface Recorder {
  /** Records a resource's (or a handler's) outcome; `again`: a handler's second run this run, after these late changes. */
  (a: Assessed, status: ResourceResult['status'], details?: { error?: string; note?: string; again?: string[] }): void;
}

/** Brings one host to its plan (or, in check mode, says what that would change): one probe call, then at most one apply call per round. */
export async function runHost(plan: HostPlan, options: HostRunOptions): Promise<HostResult> {
  const started = Date.now();
  const host = plan.host.name;
  const result: HostResult = { name: host, ok: 0, changed: 0, unknown: 0, failed: 0, skipped: 0, unreachable: false, results: [], elapsedMs: 0 };
  const finish = (): HostResult => {
    result.elapsedMs = Date.now() - started;
    options.onEvent({ kind: 'host-done', result });
    return result;
  };
  options.onEvent({ kind: 'host-start', host });
  let connection: Connection | undefined;
  try {
    const connect = { ...options.connect, onNotice: (message: string) => options.onEvent({ kind: 'notice', host, message }) };
    // Check mode too: after Ctrl-C no host is connected to (a connection that opens meanwhile is closed).
    connection = await timed(options.onSpan, host, 'connect', () => openUnlessInterrupted(options.openConnection, targetOf(plan.host), connect, options.signal));
  } catch (err) {
    result.unreachable = true;
    result.error = messageOf(err);
    return finish();
  }
  if (!connection) {
    result.failed = 1;
    result.error = NOT_STARTED;
    return finish();
  }
  options.onEvent({ kind: 'host-connected', host });
  try {
    await withRemote(plan, connection, { ...options, began: options.began ?? new BeganOnHost() }, recorder(result, options));
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

/** Counts and emits results; a handler that runs again merges into its one result. */
function recorder(result: HostResult, options: HostRunOptions): Recorder {
  const handlers = new Map<PlannedResource, ResourceResult>();
  const count = (status: ResourceResult['status'], by: number): void => {
    result[status] += by;
  };
  return (a, status, details = {}) => {
    const previous = a.handler ? handlers.get(a.planned) : undefined;
    if (previous) {
      // A handler runs again after a late change (a certificate deployed): still one result.
      count(previous.status, -1);
      previous.status = status === 'failed' || previous.status === 'failed' ? 'failed' : status === 'changed' ? 'changed' : previous.status;
      previous.changes = [...previous.changes, againAfter(details.again ?? [])];
      previous.error ??= details.error;
      count(previous.status, 1);
      if (status === 'failed') {
        result.error ??= `${a.planned.label}: ${details.error}`;
        options.onEvent({ kind: 'resource', result: previous });
      }
      return;
    }
    const r: ResourceResult = {
      host: result.name,
      role: a.planned.role,
      resource: a.planned.label,
      status,
      changes: details.again ? [...a.changes, againAfter(details.again)] : a.changes,
      handler: a.handler,
      ...(details.error !== undefined ? { error: details.error } : {}),
      ...(status === 'unknown' ? { reason: a.unknown } : {}),
      ...(details.note ?? a.because ? { note: details.note ?? a.because } : {}),
    };
    if (a.handler) handlers.set(a.planned, r);
    result.results.push(r);
    count(status, 1);
    if (status === 'failed') result.error ??= `${a.planned.label}: ${details.error}`;
    options.onEvent({ kind: 'resource', result: r });
  };
}

/**
 * Check mode: one probe call (and, when packages will be installed, one
 * read-only study of what they bring), then every resource decided as apply
 * will find it, in apply's order, and the handlers that will run.
 */
async function planHost(plan: HostPlan, connection: Connection, options: HostRunOptions, record: Recorder): Promise<boolean> {
  const hostStateDir = options.hostStateDir ?? HOST_STATE_DIR;
  const { resources, handlers, carried } = await probeAll(plan.resources, plan.handlers, connection, hostStateDir, false, options.gate, spanOf(plan, options));
  const study = async (script: Shell): Promise<string | undefined> => {
    const r = await spanOf(plan, options)('study', () => connection.runScript(script));
    if (r.code === null) throw new UnreachableError('connection lost while studying what packages bring');
    return r.code === 0 ? r.stdout : undefined;
  };
  const { ordered, log, lastRound } = await lookAhead(resources, study);
  warnBefore(plan.host.name, ordered.filter((a) => a.changes.length > 0), options);
  for (const a of ordered) record(a, a.unknown !== undefined ? 'unknown' : a.changes.length > 0 ? 'changed' : 'ok');
  for (const { key, assessed: h } of handlers) {
    const notifiers = ordered.filter((a) => a.planned.notify.includes(key) && a.changes.length > 0);
    const sure = notifiers.filter((a) => a.unknown === undefined);
    const due = carried.has(handlerId(key)) || sure.length > 0;
    if (!due && notifiers.length === 0) continue;
    // Handlers are probed with the last round: they see what the earlier rounds changed.
    decide(h, h, log, lastRound);
    const early = sure.filter((a) => !isLate(a));
    const late = sure.filter(isLate).map((a) => a.planned.label);
    if (!due) h.unknown = `runs if ${notifiers.map((a) => a.planned.label).join(' or ')} changes something`;
    record(h, due ? 'changed' : 'unknown', early.length > 0 && late.length > 0 ? { again: late } : {});
  }
  return true;
}

/** A probe call's resources and handlers decided, the handlers an earlier run left due, and its answer (probeAll). */
interface Probed {
  resources: Assessed[];
  handlers: ProbedHandler[];
  carried: Set<string>;
  /** Tells the call (when it notes how the run goes: its `stamp`) what to do to the notes (readReply), and waits for its end. */
  answer(change: NoteChange | undefined): Promise<void>;
}

/**
 * Probes everything in one call, then applies every change and the notified
 * handlers in one more. When a change has side effects on what follows (a
 * package install creates files and starts services), the resources after it
 * are probed again once it is applied, so a first converge acts on the real
 * state. Handlers run once, after the last round; changes that need
 * control-node work (an ACME order) run after them, then the handlers they notify.
 */
async function converge(plan: HostPlan, connection: Connection, options: Run, record: Recorder, remote: Promise<RemoteAssessed[]>, notes: RunNotes): Promise<boolean> {
  // Handlers some change of this run (or a failed earlier run) made due.
  const notified = new Set<string>();
  // Handlers that ran in a round that ran them all: due again only when a later round notifies them.
  const handled = new Set<string>();
  // Resources whose apply found the state they were decided from gone: decided again once, in a round of their own.
  const redecided = new Set<PlannedResource>();
  let stuck = false;
  const late: Assessed[] = [];
  let lastHandlers: ProbedHandler[] = [];
  let remaining = plan.resources;
  const hostStateDir = options.hostStateDir ?? HOST_STATE_DIR;
  for (let round = 0; ; round++) {
    const probed = await probeAll(remaining, plan.handlers, connection, hostStateDir, options.recordApply === true, round === 0 ? options.gate : undefined, spanOf(plan, options));
    // Handlers a failed run notified but never ran are still due (Ansible forgets them).
    if (round === 0) for (const key of plan.handlers.keys()) if (probed.carried.has(handlerId(key))) notified.add(key);
    const { now, later, cut } = cutBeforeAffected(splitRound(probed.resources));
    // What the round changes, once decided; the read's call stays open until then, to note a run that ends with it.
    let work: { pending: Assessed[]; due: Set<string>; dueHandlers: HandlerStep[] } | undefined;
    let apiChanges = false;
    try {
      // Resources behind an API are decided by the first round's probe.
      const read = round === 0 ? await remote : [];
      if (round === 0) notes.remoteWork = read.some((a) => a.readError !== undefined || a.changes.length > 0);
      const decided = [...now, ...read.filter((a) => a.readError === undefined)];
      const stale = options.verify?.(plan.host.name, round, decided.map((a) => ({ resource: a.planned.label, changes: a.changes })));
      if (stale) {
        for (const a of now) record(a, a.changes.length > 0 ? 'skipped' : 'ok');
        throw new Error(stale);
      }
      for (const a of now) if (a.changes.length === 0) record(a, 'ok');
      const changed = now.filter((a) => a.changes.length > 0);
      late.push(...changed.filter(isLate));
      const pending = changed.filter((a) => !isLate(a));
      lastHandlers = probed.handlers;
      // Handlers run in the last round's call, each only if something notifying it changed.
      const due = new Set([...notified].filter((key) => !handled.has(key)));
      // Decided (not a stale --plan): changes behind an API follow.
      apiChanges = read.some((a) => a.readError === undefined && a.changes.length > 0);
      work = { pending, due, dueHandlers: cut ? [] : handlerSteps(lastHandlers, pending, due, handled) };
    } finally {
      // Nothing to change in this round and nothing after it (nothing left due by an earlier run either): the read notes it.
      const inState = work !== undefined && work.pending.length + work.dueHandlers.length === 0 && endsInState(notes, cut || late.length > 0);
      // After Ctrl-C no change behind an API follows: the notes stay.
      await probed.answer(readReply(notes, inState, apiChanges && !options.signal?.aborted));
    }
    const { pending, due, dueHandlers } = work;
    warnBefore(plan.host.name, pending, options);
    if (pending.length + dueHandlers.length > 0) await passGate([...pending, ...dueHandlers.map((h) => h.assessed)], late, options, record);
    const ids = [...new Set([...due, ...pending.flatMap((a) => a.planned.notify)])].map(handlerId);
    const outcome = pending.length + dueHandlers.length > 0 ? await applyAll(plan.host.name, pending, dueHandlers, connection, options, record, { dir: hostStateDir, ids, clear: !cut }, { notes, more: cut || late.length > 0 }) : { ok: true, changed: [], stale: [] };
    for (const a of outcome.changed) for (const key of a.planned.notify) notified.add(key);
    if (!outcome.ok) {
      for (const a of [...outcome.stale, ...late]) record(a, 'skipped');
      return false;
    }
    if (!cut) for (const key of notified) handled.add(key);
    for (const a of outcome.stale.filter((a) => redecided.has(a.planned))) record(a, 'failed', { error: 'what it was decided from changed again before apply reached it: left as it is' });
    stuck ||= outcome.stale.some((a) => redecided.has(a.planned));
    const again = outcome.stale.filter((a) => !redecided.has(a.planned)).map((a) => a.planned);
    for (const r of again) redecided.add(r);
    if (!cut && again.length === 0) break;
    // Ctrl-C: no later round's read starts (its reply could note the run).
    if (options.signal?.aborted) skipAll([...outcome.stale.filter((a) => again.includes(a.planned)), ...late], record, interrupted(options.began));
    remaining = plan.resources.filter((r) => again.includes(r) || later.includes(r));
  }
  if (late.length > 0) await applyLate(plan, late, lastHandlers, notified, connection, options, record, notes);
  return !stuck;
}

/** Says, before anything of them changes, the warnings their roles declare for the changes about to be made (`warn:`). */
function warnBefore(host: string, changing: readonly Assessed[], options: HostRunOptions): void {
  for (const message of changing.map(warningOf)) if (message !== undefined) options.onEvent({ kind: 'notice', host, message });
}

/** A resource behind an API as read on the control node, or why it could not be read (it fails alone). */
type RemoteAssessed = Assessed & { readError?: string };

/**
 * A host's run with its resources behind an API (a Sumo Logic monitor): they
 * are read on the control node (GET only) while the host reads its own state,
 * decided with the first round, and changed after every change on the host
 * succeeded. Plan shows them after the host's resources.
 */
async function withRemote(plan: HostPlan, connection: Connection, options: Run, record: Recorder): Promise<void> {
  const http = options.http ?? nodeHttp;
  const onControl = plan.resources.filter((r) => runsOnControl(r.type));
  const remote = onControl.length > 0 ? spanOf(plan, options)('api', () => readRemote(onControl, readOnly(http))) : Promise.resolve([]);
  const onHost: HostPlan = { ...plan, resources: plan.resources.filter((r) => !runsOnControl(r.type)) };
  const notes = runNotes();
  const watched: Recorder = (a, status, details) => {
    if (status === 'failed' || status === 'skipped') notes.troubled = true;
    record(a, status, details);
  };
  let hostOk = false;
  let ended = false;
  // Why the changes behind an API were not made: the rolling gate or Ctrl-C stopped the host before them.
  let stopped: unknown;
  try {
    hostOk = options.check ? await planHost(onHost, connection, options, watched) : await converge(onHost, connection, options, watched, remote, notes);
    ended = true;
  } finally {
    const read = await remote;
    for (const a of read) if (a.readError !== undefined) watched(a, 'failed', { error: a.readError });
    for (const a of read) if (a.readError === undefined && a.changes.length === 0) watched(a, 'ok');
    const work = read.filter((a) => a.readError === undefined && a.changes.length > 0);
    if (options.check) for (const a of work) watched(a, 'changed');
    else if (!hostOk) for (const a of work) watched(a, 'skipped');
    else if (work.length > 0) {
      // The rolling turn and Ctrl-C first: a change behind an API is made only in the host's turn.
      stopped = await passGate([], work, options, watched).then(() => undefined, (err: unknown) => err);
      if (stopped === undefined) await spanOf(plan, options)('api', () => writeRemote(plan.host.name, work, options, watched, http));
    }
    // The run's last change behind an API, or on the host when no call of it could note its end (closingNote).
    // None after Ctrl-C, which starts nothing on the host: what a call already did to the notes stays (the read removed them before changes behind an API).
    const closing = options.recordApply && !options.check && !options.signal?.aborted ? closingNote(notes, ended && hostOk) : undefined;
    // A run that stopped on an error reports that error, whatever becomes of this call.
    if (closing) await noteOutcome(connection, options.hostStateDir ?? HOST_STATE_DIR, closing, spanOf(plan, options)).catch((err: unknown) => { if (ended) throw err; });
    if (stopped !== undefined) throw stopped;
  }
}

/** Reads the state of resources behind an API in parallel, and decides each. */
async function readRemote(items: PlannedResource[], http: Http): Promise<RemoteAssessed[]> {
  return Promise.all(
    items.map(async (planned): Promise<RemoteAssessed> => {
      const type = planned.type;
      if (!runsOnControl(type)) throw new Error(`${planned.label} is not behind an API`);
      try {
        const current = await type.read(planned.desired, http);
        const decision = type.decide(planned.desired, current);
        return { planned, current, decision, changes: decision.changes, handler: false };
      } catch (err) {
        return { planned, current: undefined, decision: { changes: [] }, changes: [], handler: false, readError: `reading its state failed: ${messageOf(err)}` };
      }
    }),
  );
}

/** Notes on the host how its run ended, when none of its calls could (closingNote). */
async function noteOutcome(connection: Connection, hostStateDir: string, closing: NoteChange, span: HostSpan): Promise<void> {
  const response = await span('notes', () => connection.runScript(closing === 'note' ? noteInState(hostStateDir) : forgetSuccess(hostStateDir)));
  if (response.code === null) throw new UnreachableError('connection lost while noting how the apply ended');
}

/** Changes resources behind an API in order, on the control node; the first failure (or Ctrl-C) skips the rest (recorded, as each outcome). */
async function writeRemote(host: string, work: RemoteAssessed[], options: HostRunOptions, record: Recorder, http: Http): Promise<void> {
  for (const [index, a] of work.entries()) {
    const type = a.planned.type;
    if (!runsOnControl(type)) continue;
    if (options.signal?.aborted) {
      for (const rest of work.slice(index)) record(rest, 'skipped');
      return;
    }
    options.onEvent({ kind: 'resource-start', host, resource: a.planned.label });
    try {
      await type.write(a.planned.desired, a.decision, http);
      record(a, 'changed');
    } catch (err) {
      record(a, 'failed', { error: messageOf(err) });
      for (const rest of work.slice(index + 1)) record(rest, 'skipped');
      return;
    }
  }
}

/**
 * The handlers of an apply call: those already due run, the others only if a step notifying them
 * changes something (one that already ran this run says it runs again after those steps).
 */
function handlerSteps(handlers: readonly ProbedHandler[], pending: Assessed[], due: ReadonlySet<string>, ran: ReadonlySet<string>): HandlerStep[] {
  return handlers.flatMap((handler): HandlerStep[] => {
    if (due.has(handler.key)) return [handler];
    const notifiers = pending.filter((a) => a.planned.notify.includes(handler.key));
    if (notifiers.length === 0) return [];
    return [{ ...handler, after: notifiers, ...(ran.has(handler.key) ? { again: notifiers.map((a) => a.planned.label) } : {}) }];
  });
}

/**
 * The control-node step of each late change (e.g. an ACME order), then one apply call for the
 * ones that got ready and the handlers they notify, then each one's confirmation from the
 * control node (a certificate served). A failed step fails its resource only.
 */
async function applyLate(plan: HostPlan, late: Assessed[], handlers: readonly ProbedHandler[], notified: ReadonlySet<string>, connection: Connection, options: Run, record: Recorder, notes: RunNotes): Promise<void> {
  const control: ControlContext = {
    runScript: (script) => connection.runScript(script),
    inventoryDir: options.control?.inventoryDir ?? process.cwd(),
    controlStateDir: options.control?.controlStateDir ?? defaultControlStateDir(),
    address: plan.host.connection.address,
  };
  // An order has effects (a rate-limited order, a challenge file on the host): none starts before the rolling turn, nor after Ctrl-C.
  await passGate([], late, options, record);
  const ready: Assessed[] = [];
  for (const [index, a] of late.entries()) {
    if (options.signal?.aborted) skipAll([...ready, ...late.slice(index)], record, interrupted(options.began));
    options.onEvent({ kind: 'resource-start', host: plan.host.name, resource: a.planned.label });
    try {
      const type = a.planned.type;
      const desired = await spanOf(plan, options)(`control ${type.name}`, () => type.prepare!(a.planned.desired, a.current, control));
      // Apply carries out the decision for what the control-node step completed.
      ready.push({ ...a, planned: { ...a.planned, desired }, decision: type.decide(desired, a.current) });
    } catch (err) {
      record(a, 'failed', { error: messageOf(err) });
    }
  }
  if (ready.length === 0) return;
  const due = handlers.flatMap((handler): HandlerStep[] => {
    const notifiers = ready.filter((a) => a.planned.notify.includes(handler.key));
    return notifiers.length > 0 ? [{ ...handler, after: notifiers, ...(notified.has(handler.key) ? { again: notifiers.map((a) => a.planned.label) } : {}) }] : [];
  });
  const pendingHandlers = { dir: options.hostStateDir ?? HOST_STATE_DIR, ids: due.map((d) => handlerId(d.key)), clear: true };
  await passGate([...ready, ...due.map((d) => d.assessed)], [], options, record);
  const confirmed = ready.filter((a) => a.planned.type.confirm);
  // A confirmation follows: the success is noted once it came.
  const outcome = await applyAll(plan.host.name, ready, due, connection, options, record, pendingHandlers, { notes, more: confirmed.length > 0 }, new Set(confirmed));
  for (const a of confirmed) {
    if (!outcome.changed.includes(a)) continue;
    try {
      await spanOf(plan, options)(`control ${a.planned.type.name}`, () => a.planned.type.confirm!(a.planned.desired, control));
      record(a, 'changed');
    } catch (err) {
      record(a, 'failed', { error: messageOf(err) });
    }
  }
}

/**
 * Before an apply call: the gate of a rolling deploy (which may drain the host
 * first), then a last look at Ctrl-C. Either one stopping the host marks the call's work and what was left for later as skipped.
 */
async function passGate(work: Assessed[], later: Assessed[], options: Run, record: Recorder): Promise<void> {
  const left = [...work, ...later];
  if (options.signal?.aborted) skipAll(left, record, interrupted(options.began));
  try {
    await options.gate?.beforeApply(work.map((a) => a.planned.label));
  } catch (err) {
    // A host that could not be reached again after it waited is unreachable, as at its first connect.
    skipAll(left, record, err instanceof UnreachableError ? err : new Error(`not changed: ${messageOf(err)}`));
  }
  if (options.signal?.aborted) skipAll(left, record, interrupted(options.began));
}

/** Why a host stopped at Ctrl-C before an apply call or a control-node step: true whether or not an apply call of it began on the host. */
function interrupted(began: BeganOnHost): Error {
  return new Error(began.anyBegan() ? 'interrupted after an apply call on the host, before the rest of its changes' : INTERRUPTED_UNCHANGED);
}

/** Stops the host: what was left to do is skipped. */
function skipAll(left: readonly Assessed[], record: Recorder, why: Error): never {
  for (const a of left) record(a, 'skipped');
  throw why;
}

/** A handler's name on the host: short and free of whatever its declaration holds. */
function handlerId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * Runs the probes of the resources and the handlers in one remote call and
 * decides each. The same call reads the handlers an earlier run left due
 * (`carried`) from the host's state directory.
 */
async function probeAll(
  resources: readonly PlannedResource[],
  handlers: ReadonlyMap<string, PlannedResource>,
  connection: Connection,
  hostStateDir: string,
  stamp: boolean,
  gate: ApplyGate | undefined,
  span: HostSpan,
): Promise<Probed> {
  const items = [...resources, ...handlers.values()];
  const batch = new Batch();
  const groups = probeGroups(items);
  const separator = `${batch.marker} item`;
  const scripts = groups.map((group) => {
    const type = group[0]!.type as AnyHostResourceType;
    const family = type.probeFamily?.family;
    const script =
      group.length === 1
        ? type.probe(group[0]!.desired)
        : family
          ? family.probeMany(group.map((i) => (i.type as AnyHostResourceType).probeFamily!.part(i.desired)), separator)
          : type.probeMany!(group.map((i) => i.desired), separator);
    return type.probeInline ? { inline: script } : script;
  });
  const readCarried = { inline: readNote(`${hostStateDir}/pending-handlers`) };
  // An apply that finds nothing to change makes no other call: its read notes it, once the control node answers that
  // the run ended so (noteAsAnswered). After the gate's reads, which see the host as it was.
  const sections = [...scripts, readCarried, ...(gate?.read ?? []), ...(stamp ? [{ reply: noteAsAnswered(hostStateDir) }] : [])];
  const call = askLast(connection, batch, sections, stamp, span);
  const read = (response: ExecResult): Map<number, SectionResult> => {
    if (response.code === null) throw new UnreachableError('connection lost while reading the host state');
    const found = batch.parse(response.stdout);
    groups.forEach((group, index) => {
      const section = found.get(index);
      const split = section && section.code === 0 ? (group.length > 1 ? splitItems(section.output, separator, group.length) : [section.output]) : undefined;
      if (!split) {
        const stderr = response.stderr.trim().split('\n').slice(-5).join('\n');
        const why = section && section.code === 0 ? 'its output did not have one part per resource' : `exit ${section?.code ?? response.code}`;
        throw new Error(`reading the state of ${group.map((i) => i.label).join(', ')} failed (${why})${stderr ? `: ${stderr}` : ''}`);
      }
      group.forEach((item, i) => outputs.set(item, split[i]!));
    });
    return found;
  };
  const outputs = new Map<PlannedResource, string>();
  let found: Map<number, SectionResult>;
  try {
    found = read(await call.asked);
  } catch (err) {
    // No answer to a read that reached no decision: it notes nothing. Read again once ended, for its stderr.
    if (err instanceof UnreachableError) throw err;
    found = read(await call.answer(undefined));
  }
  const assess = (planned: PlannedResource, handler: boolean): Assessed => {
    const type = planned.type as AnyHostResourceType;
    const current = type.parse(outputs.get(planned)!, planned.desired);
    const decision = type.decide(planned.desired, current);
    return { planned, current, decision, changes: decision.changes, handler };
  };
  // A connection lost after the question: over SSH the answer throws UnreachableError (the host is unreachable);
  // a call that ends with no exit code instead keeps the decision (every output came), only the note may be missing.
  const answer = async (change: NoteChange | undefined): Promise<void> => void (await call.answer(change));
  try {
    const carried = new Set((found.get(groups.length)?.output ?? '').split('\n').filter((id) => /^[0-9a-f]{16}$/.test(id)));
    gate?.onRead(gate.read.map((_, i) => found.get(groups.length + 1 + i)?.output ?? ''));
    return { resources: resources.map((r) => assess(r, false)), handlers: [...handlers].map(([key, h]) => ({ key, assessed: assess(h, true) })), carried, answer };
  } catch (err) {
    // A parse that threw: no decision, nothing noted.
    await answer(undefined);
    throw err;
  }
}

/**
 * A probe call whose last section may ask the control node a question (`ask`): `asked` resolves with the output so
 * far once every section before it ended (or with the call's end, when it ended first); `answer` sends the reply
 * and resolves with the call's end (also when not asked: the call's end). The call stays open meanwhile.
 */
function askLast(connection: Connection, batch: Batch, sections: ProbeSection[], ask: boolean, span: HostSpan): { asked: Promise<ExecResult>; answer(change: NoteChange | undefined): Promise<ExecResult> } {
  const reply = deferred<string>();
  const question = deferred<ExecResult>();
  const line = `${batch.beginLine(sections.length - 1)}\n`;
  let stdout = '';
  const onStdout = (chunk: string): void => {
    const from = Math.max(0, stdout.length - line.length);
    stdout += chunk;
    if (stdout.indexOf(line, from) >= 0) question.resolve({ stdout, stderr: '', code: 0 });
  };
  const call = span('probe', () => connection.runScript(batch.probeScript(sections), ask ? { onStdout, reply: reply.promise } : {}));
  const ended = call.then(
    (response) => response,
    (err: unknown) => {
      reply.resolve('');
      throw err;
    },
  );
  return {
    asked: ask ? Promise.race([question.promise, ended]) : ended,
    answer: (change) => {
      reply.resolve(change ? `${change}\n` : '');
      return ended;
    },
  };
}

/**
 * Probes in sections: all resources of a probe family's types in one, and all of a type with probeMany in one
 * (each at the first one's place), every other resource in its own.
 */
function probeGroups(items: readonly PlannedResource[]): PlannedResource[][] {
  const groups: PlannedResource[][] = [];
  const byKey = new Map<string, PlannedResource[]>();
  for (const item of items) {
    const type = item.type as AnyHostResourceType;
    const key = type.probeFamily ? `family ${type.probeFamily.family.name}` : type.probeMany ? `type ${type.name}` : undefined;
    const shared = key === undefined ? undefined : byKey.get(key);
    if (shared) {
      shared.push(item);
      continue;
    }
    const group = [item];
    if (key !== undefined) byKey.set(key, group);
    groups.push(group);
  }
  return groups;
}

/**
 * Applies the pending changes in one remote call (resources of a type with
 * applyMany together, at the first one's place), then the handlers, each only
 * when something notifying it changed (or it was already due). The script
 * stops at the first failing step. `held` resources are not recorded when
 * they succeed (the caller confirms them first). Returns whether every step
 * succeeded and which resources changed something.
 */
async function applyAll(
  host: string,
  pending: Assessed[],
  handlers: readonly HandlerStep[],
  connection: Connection,
  options: Run,
  record: Recorder,
  handlersDue: PendingHandlers,
  noting: { notes: RunNotes; more: boolean },
  held: ReadonlySet<Assessed> = new Set(),
): Promise<{ ok: boolean; changed: Assessed[]; stale: Assessed[] }> {
  // Each step: the resources it applies, and for a handler's step the handler it runs.
  const plannedSteps: Array<{ members: Assessed[]; handler?: HandlerStep }> = [...steps(pending).map((members) => ({ members })), ...handlers.map((handler) => ({ members: [handler.assessed], handler }))];
  const work = plannedSteps.map((s) => s.members);
  const stepOf = (a: Assessed): number => work.findIndex((s) => s.includes(a));
  const scripts: ApplyStep[] = plannedSteps.map(({ members: step, handler }) => {
    const type = step[0]!.planned.type as AnyHostResourceType;
    const script = step.length > 1 || (type.applyMany && !step[0]!.handler) ? type.applyMany!(step.map((a) => ({ desired: a.planned.desired, decision: a.decision }))) : type.apply(step[0]!.planned.desired, step[0]!.decision);
    return handler?.after === undefined ? { script } : { script, after: [...new Set(handler.after.map(stepOf))] };
  });
  const againOf = new Map(handlers.map((h) => [h.assessed, h.again]));
  const batch = new Batch(options.lockPath);
  // What of the call began on the host, step by step, from the script's markers.
  const call = options.began.send(work.map((step) => step.map((a) => a.planned.label)));
  const changed: Assessed[] = [];
  const stale: Assessed[] = [];
  // Timing: each step from its start to its end, cut where it names a phase of its own (provision_phase).
  let open: { phase: string; start: number } | undefined;
  const close = (): void => {
    if (open && options.onSpan) options.onSpan({ host, phase: open.phase, start: open.start, end: now() });
    open = undefined;
  };
  const phaseOf = (index: number): string => `${work[index]![0]!.handler ? 'handler' : 'apply'} ${work[index]![0]!.planned.type.name}`;
  const parser = batch.streamParser(
    (index) => {
      call.began.add(index);
      if (options.onSpan) open = { phase: phaseOf(index), start: now() };
      for (const a of work[index]!) options.onEvent({ kind: 'resource-start', host, resource: a.planned.label });
    },
    (index, section) => {
      close();
      call.ended.set(index, section);
      for (const a of work[index]!) {
        if (section.outcome === 'idle') continue;
        if (section.code !== 0) record(a, 'failed', { error: failureText(section.output, section.code) });
        else if (section.outcome === 'unchanged') record(a, 'ok', { note: 'decided again when apply reached it: nothing to do' });
        else if (section.outcome === 'stale') stale.push(a);
        else {
          changed.push(a);
          if (!held.has(a)) record(a, 'changed', againOf.get(a) ? { again: againOf.get(a) } : {});
        }
      }
    },
    (index, phase) => {
      if (!options.onSpan) return;
      close();
      open = { phase: `${phaseOf(index)}: ${phase}`, start: now() };
    },
  );
  // Ctrl-C: the batch finishes the step it is running and starts no other.
  const stop = (): void => void connection.runScript(batch.stopScript(), { alongside: true }).catch(() => undefined);
  options.signal?.addEventListener('abort', stop, { once: true });
  const response = await connection
    .runScript(batch.applyScript(scripts, handlersDue, options.recordApply ? { dir: handlersDue.dir, note: endsInState(noting.notes, noting.more) } : undefined), { onStdout: (chunk) => parser.push(chunk) })
    .finally(() => {
      options.signal?.removeEventListener('abort', stop);
      call.returned = true;
    });
  // A call that began removed the notes of the last success; it made them again when it says so.
  if (call.began.size > 0) noting.notes.lastSuccess = batch.noted(response.stdout) ? 'noted' : 'removed';
  const lost = response.code === null;
  const failed = [...call.ended.values()].some((section) => section.code !== 0);
  // Nothing began and the script failed: it did not get the host's lock (exit 75) or could not start.
  if (!lost && call.began.size === 0 && response.code !== 0) {
    for (const step of work) for (const a of step) record(a, 'skipped');
    throw new Error(response.stderr.trim() || `the apply script failed (exit ${response.code})`);
  }
  // A step that began and never ended was cut short (the script's shell killed): it may have changed part of what it changes.
  // After a lost connection, what began after the last marker that arrived is not known.
  // A script that stops as asked, or at a failed step, exits 0: one that exits otherwise before a step began was killed between steps.
  const cutAt = !lost && response.code !== 0 && !failed ? work.findIndex((_, index) => !call.ended.has(index)) : -1;
  const unfinished = (index: number): string | undefined =>
    lost ? 'connection lost while applying' : call.began.has(index) ? `began and never ended (exit ${response.code})` : index === cutAt ? `the apply script ended (exit ${response.code}) before this step began` : undefined;
  work.forEach((step, index) => {
    if (call.ended.has(index)) return;
    const error = unfinished(index);
    for (const a of step) record(a, error === undefined ? 'skipped' : 'failed', error === undefined ? {} : { error });
  });
  if (lost) throw new UnreachableError('connection lost while applying changes');
  return { ok: call.ended.size === work.length && !failed, changed, stale };
}

/** The last lines of a failed step's output, which hold the reason. */
function failureText(output: string, code: number): string {
  const tail = output.trim().split('\n').slice(-15).join('\n');
  return tail ? `exit ${code}: ${tail}` : `exit ${code}`;
}

/** Records a span of this host's work, when the run measures its time. */
type HostSpan = <T>(phase: string, work: () => Promise<T>) => Promise<T>;

function spanOf(plan: HostPlan, options: HostRunOptions): HostSpan {
  return (phase, work) => timed(options.onSpan, plan.host.name, phase, work);
}
