import type { StatusCheck } from '../status/types.js';
import type { Shell } from '../shell/quote.js';
import type { Http } from '../transport/http.js';
import type { Effects, Lookahead, Prediction } from './shared/lookahead.js';

/** One difference between desired and current state; the same list is shown by `--diff` and carried out by apply. */
export interface Change {
  /** Readable before → after, e.g. "package nginx: absent → present". */
  summary: string;
  /** Unified diff of file content, when file content changes. */
  diff?: string;
}

/**
 * What a resource type decided for one resource from desired + current, once: the
 * changes plan shows, and whatever its apply needs to carry them out (a type adds
 * its own fields). Apply's script is built from this value alone, never from a
 * second look at the current state, so plan and apply cannot disagree.
 */
export interface Decision {
  /** What plan shows (`--diff`) and apply carries out; empty: in state. */
  readonly changes: Change[];
}

/** The common shape of a decision: one action apply carries out, and the changes plan shows for it. */
export interface ActionDecision<Action> extends Decision {
  /** What apply does. */
  readonly action: Action;
}

/** A resource declaration's argument is wrong: names the key so the role loader can point at file:line:col. */
export class ArgError extends Error {
  constructor(
    /** The offending key in the declaration, or undefined for the declaration as a whole. */
    readonly key: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ArgError';
  }
}

/** What a type's resolve step may use while plans are built, on the control node: the role's templates and the files values may name; no host. */
export interface ResolveContext {
  /** The template `name` (relative to the template search path, the role's templates/ first) rendered for the host; a refusal throws ArgError on `key`. */
  template(name: string, key: string): string;
  /** The control-node path a value names, relative to the inventory's directory; outside the directories allowed for control-node files it throws ArgError on `key`. */
  controlPath(path: string, key: string): string;
  /** The host the declaration is for: its inventory name and its address (for certificates made on the control node). */
  host: { name: string; address: string };
  /** provision's state directory on the control node (the internal CA). */
  controlStateDir: string;
}

/** A host as an action sees it: its inventory name and variables. */
export interface ActionHost {
  /** Inventory host name. */
  readonly name: string;
  /** Its merged variables. */
  readonly vars: Readonly<Record<string, unknown>>;
}

/** What a resource type's action may use: scripts on the hosts it reaches (no SSH details), progress lines, the run's flags. */
export interface ActionContext {
  /** Connects to an inventory host the way the engine does; throws when it cannot be reached, `Interrupted` once the operator interrupted. */
  reach(host: string): Promise<ActionSession>;
  /** The operator's --force. */
  readonly force: boolean;
  /** Whether the operator interrupted (Ctrl-C): the action stops at its next step that can still be undone, undoing what it started. */
  interrupted(): boolean;
  /** Prints a progress line for the operator. */
  say(line: string): void;
}

/** One reached host. */
export interface ActionSession {
  /** Runs a POSIX sh script there (as root with become) and returns its stdout; a non-zero exit throws, naming the host and the script's error. */
  run(script: Shell): Promise<string>;
}

/** What an action did that the inventory must follow: variables to set (a value) or remove (null), per host. */
export interface ActionOutcome {
  /** Host variable edits, in order. */
  readonly edits: ReadonlyArray<{ host: string; vars: Record<string, string | null> }>;
  /** What the operator's next apply does, e.g. "the old primary becomes a replica of web-02". */
  readonly next: string;
}

/**
 * A named operation a resource type offers beside declaring state (`provision
 * promote INVENTORY HOST`): it picks its hosts from the inventory, runs scripts
 * on them through the engine, and returns the inventory edits that record the
 * new state.
 */
export interface ResourceAction<Hosts> {
  /** One line for `provision --help`, e.g. "make a MySQL replica the primary". */
  readonly summary: string;
  /** What `provision NAME --help` says it does. */
  readonly help: string;
  /** What --force makes it do, for the help. */
  readonly forceHelp: string;
  /** Told at the first Ctrl-C: what a second one (quitting at once) may leave, and how to undo it. */
  readonly secondInterrupt: string;
  /** Pure: the hosts it works on, starting from the one named (present in the inventory); throws ArgError when the inventory does not allow it. */
  hosts(named: ActionHost, inventory: { file: string; hosts: readonly ActionHost[] }): Hosts;
  /** Carries it out; throwing fails it with the error's message. */
  run(hosts: Hosts, context: ActionContext): Promise<ActionOutcome>;
}

/** What a resource's control-node step may use: scripts on its host (no SSH details) and the control node's paths. */
export interface ControlContext {
  /** Runs a POSIX sh script on the host the way the engine does (over stdin; as root with become). */
  runScript(script: Shell): Promise<{ stdout: string; stderr: string; code: number | null }>;
  /** Absolute directory of the inventory: relative paths in variables are resolved against it. */
  inventoryDir: string;
  /** The host's address as the control node reaches it (for checks from outside, like a certificate served over TLS). */
  address: string;
  /** provision's state directory on the control node (account keys, backoff files); not the host's. */
  controlStateDir: string;
}

/** Types whose probes are one program's input (a MySQL client's statements): read together, in one call of it. */
export interface ProbeFamily {
  /** Its name: resources whose types name the same family are probed together. */
  readonly name: string;
  /** One script for the parts (each a type's probeFamily.part), in order: for each it prints what that resource's own probe prints, then a line holding exactly `separator`. */
  probeMany(parts: readonly string[], separator: string): Shell;
}

/**
 * A resource type: pure logic around two shell scripts. It never talks to a
 * host itself; the engine batches probes of one host into one remote call and
 * runs apply scripts in order.
 */
export interface ResourceType<Desired, Current, Decided extends Decision = Decision> {
  /** Key used in role.yaml, e.g. "file". */
  readonly name: string;
  /**
   * Optional: how its own arguments resolve on the control node while plans are built, before
   * validate (a template rendered into content, a control-node source checked and read). Returns the
   * arguments for validate; throws ArgError naming the bad key.
   */
  resolve?(args: Record<string, unknown>, control: ResolveContext): Record<string, unknown>;
  /** Checks and normalises the rendered declaration; throws ArgError naming the bad key. */
  validate(args: Record<string, unknown>): Desired;
  /** Keys whose text is shell the user writes (a command's `cmd`): the role renders them with every `{{value}}` quoted. */
  readonly shellKeys?: readonly string[];
  /**
   * Optional: keys whose value is a secret (a password), made one by validate however it is written: plan reads
   * these keys alone, rendered, on every host of the inventory (hosts left out by --limit too) before any host's
   * templates render, so their text is a secret everywhere (nothing else of the declaration is resolved or validated there).
   */
  readonly secretKeys?: readonly string[];
  /** Short label for output, e.g. "/etc/motd" (the engine prefixes the type name). */
  label(desired: Desired): string;
  /** Read-only POSIX sh script whose stdout describes the current state. Must exit 0. */
  probe(desired: Desired): Shell;
  /**
   * Optional: one read for several resources of this type on a host (one systemctl call for all
   * services). Prints, for each item in order, what probe(item) would print, each followed by a
   * line holding exactly `separator`. The engine uses it when a host has two or more of the type.
   */
  probeMany?(items: readonly Desired[], separator: string): Shell;
  /**
   * Optional: its type belongs to a family whose probes feed one program (the MySQL client), and its part of
   * the family's probe. The engine probes a host's resources of the family's types (two or more) in one
   * section, through the family's probeMany, at the first one's place, instead of one section per type.
   */
  readonly probeFamily?: { readonly family: ProbeFamily; part(desired: Desired): string };
  /**
   * Optional: its probe (and probeMany) runs in the probe batch's own shell, not a subshell of its
   * own (one process less): it never exits, changes directory, options, traps or IFS, leaves the
   * positional parameters as it found them (none), and sets only `provision_*` variables and
   * functions, each before it reads it (what it runs in a subshell is free).
   */
  readonly probeInline?: true;
  /** Pure: probe stdout → current state. */
  parse(output: string, desired: Desired): Current;
  /** Pure: the one decision for desired against current (its `changes` empty: in state). Plan shows it, apply carries it out. */
  decide(desired: Desired, current: Current): Decided;
  /**
   * Optional, pure: whether making desired of current makes `text` appear in or vanish from what is
   * in place (a file's content: a line equal to it, trimmed), for a role's `warn: { toggles }`: nothing
   * in place, false; what is in place not read by the probe, true.
   */
  toggles?(desired: Desired, current: Current, text: string): boolean;
  /**
   * POSIX sh script (run as root under `set -e`) that carries out the decision. One that finds
   * nothing to do once it runs calls `provision_unchanged`; one that finds the state it was decided
   * from gone (the file changed since the probe) calls `provision_stale`, changes nothing, and the
   * engine probes and decides it again.
   */
  apply(desired: Desired, decision: Decided): Shell;
  /** Optional: one script applying several changed resources of this type at once (e.g. one apt-get call for all packages of a host). */
  applyMany?(items: ReadonlyArray<{ desired: Desired; decision: Decided }>): Shell;
  /**
   * Optional: work on the control node that a change needs before apply can run, e.g. an ACME order
   * whose challenge files go on the host. The engine calls it after the host's other changes and
   * their handlers (so a web server answering the challenge is in place); it returns the desired
   * state completed for apply, which the engine decides again. Throwing fails the resource with the error's message.
   */
  prepare?(desired: Desired, current: Current, control: ControlContext): Promise<Desired>;
  /** Its changes have side effects on other resources (a package install creates files and starts services): the engine probes what follows again after applying it. */
  readonly reprobeAfter?: boolean;
  /** Optional: what applying its changes does to the rest of the host (files, services, accounts), so plan can decide what follows; without it, nothing. */
  readonly effects?: EffectModel<Desired, Current>;
  /** Optional: pure: its state once the earlier changes of the run are applied (undefined: they do not affect it); without it, any earlier effect makes it unknown. */
  predict?(desired: Desired, current: Current, ahead: Lookahead): Prediction<Current> | undefined;
  /** Optional: after its change and the handlers it notified, waits until the change is in force as seen from the control node (a certificate served over TLS); throwing fails it. */
  confirm?(desired: Desired, control: ControlContext): Promise<void>;
  /** Optional: what `provision status` checks for this declaration (a service that should run is running); undefined when nothing. */
  status?(desired: Desired): StatusCheck | undefined;
  /** Optional: it takes part in `provision renew` (run by cron), which runs only such resources, under their types' locks, and prints their types' reports. */
  readonly renewal?: Renewal<Desired>;
  /** Optional: named actions the CLI runs (`provision promote`), by name. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each action is used only with the hosts it picked itself
  readonly actions?: Readonly<Record<string, ResourceAction<any>>>;
}

/** How a resource type takes part in `provision renew`: what it renews, how two renews are kept apart, what renew prints. */
export interface Renewal<Desired> {
  /** Pure: the desired state `renew --force` asks for (renewed even when not due). */
  forced(desired: Desired): Desired;
  /** Takes the lock that keeps two renews of this type apart (its file under the control node's state directory); returns its release. */
  lock(controlStateDir: string): () => void;
  /** Pure: what renew prints for the run's results (`quiet`: failures only). */
  report(hosts: readonly RenewHostResult[], options: { dryRun: boolean; quiet: boolean }): RenewReport;
}

/** The part of a host's run result a renewal's report reads (the engine's HostResult fits). */
export interface RenewHostResult {
  /** Host name. */
  name: string;
  /** The host could not be reached. */
  unreachable: boolean;
  /** Why the host failed or was unreachable. */
  error?: string;
  /** Its resources and handlers. */
  results: ReadonlyArray<{ resource: string; status: string; handler: boolean; changes: ReadonlyArray<{ summary: string }>; error?: string }>;
}

/** What renew prints: lines for stdout (news) and stderr (failures). */
export interface RenewReport {
  /** Renewals done (or, in a dry run, due). */
  out: string[];
  /** Failures, with their real cause. */
  err: string[];
}

/** How a resource type tells what its changes do to the rest of the host. */
export interface EffectModel<Desired, Current> {
  /** Optional: a read-only script learning it on the host, run by plan once for all changed resources of the type (a package's files and maintainer scripts). */
  study?(items: ReadonlyArray<{ desired: Desired; current: Current }>): Shell;
  /** Pure: what applying the items does (`studied`: the study script's output). */
  of(items: ReadonlyArray<{ desired: Desired; current: Current }>, studied?: string): Effects;
}

/**
 * A resource type whose state lives behind an HTTP API (Sumo Logic content),
 * not on a host: still probe / decide / apply, but run on the control node.
 * `read` and `write` get an HTTP client and nothing else (no host, no SSH);
 * the one `read` gets can only GET, so plan changes nothing.
 */
export interface ControlResourceType<Desired, Current, Decided extends Decision = Decision> {
  /** Key used in role.yaml, e.g. "sumo_monitor". */
  readonly name: string;
  /** Marks the type as run on the control node. */
  readonly runsOn: 'control';
  /** Checks and normalises the rendered declaration; throws ArgError naming the bad key. */
  validate(args: Record<string, unknown>): Desired;
  /** Short label for output (the engine prefixes the type name). */
  label(desired: Desired): string;
  /** Keys whose value is a secret: as ResourceType's. */
  readonly secretKeys?: readonly string[];
  /** Which remote object it manages (API and name): declarations of one identity on several hosts are one object, managed once per run. */
  identity(desired: Desired): string;
  /** Reads the object's current state (GET only). */
  read(desired: Desired, http: Http): Promise<Current>;
  /** Pure: the one decision for desired against current (its `changes` empty: in state). */
  decide(desired: Desired, current: Current): Decided;
  /** Carries out the decision through the API. */
  write(desired: Desired, decision: Decided, http: Http): Promise<void>;
  // What only a type run on a host has, absent here: code working on the host may ask any type for it.
  readonly probeMany?: undefined;
  readonly probeInline?: undefined;
  readonly applyMany?: undefined;
  readonly prepare?: undefined;
  readonly reprobeAfter?: undefined;
  readonly effects?: undefined;
  readonly predict?: undefined;
  readonly toggles?: undefined;
  readonly confirm?: undefined;
  readonly status?: undefined;
  readonly resolve?: undefined;
  readonly renewal?: undefined;
  readonly actions?: undefined;
}

/** Any resource type, as stored in the registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds types of different Desired/Current; each is used only with its own values
export type AnyResourceType = ResourceType<any, any, any> | ControlResourceType<any, any, any>;

/** Any resource type that runs on a host. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as AnyResourceType
export type AnyHostResourceType = ResourceType<any, any, any>;

/** Whether a type runs on the control node (through an API) rather than on the host. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as AnyResourceType
export function runsOnControl(type: AnyResourceType): type is ControlResourceType<any, any, any> {
  return 'runsOn' in type && type.runsOn === 'control';
}
