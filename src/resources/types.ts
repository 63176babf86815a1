/** One difference between desired and current state; the same list is shown by `--diff` and carried out by apply. */
export interface Change {
  /** Readable before → after, e.g. "package nginx: absent → present". */
  summary: string;
  /** Unified diff of file content, when file content changes. */
  diff?: string;
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

/**
 * A resource type: pure logic around two shell scripts. It never talks to a
 * host itself; the engine batches probes of one host into one remote call and
 * runs apply scripts in order.
 */
export interface ResourceType<Desired, Current> {
  /** Key used in role.yaml, e.g. "file". */
  readonly name: string;
  /** Checks and normalises the rendered declaration; throws ArgError naming the bad key. */
  validate(args: Record<string, unknown>): Desired;
  /** Short label for output, e.g. "/etc/motd" (the engine prefixes the type name). */
  label(desired: Desired): string;
  /** Read-only POSIX sh script whose stdout describes the current state. Must exit 0. */
  probe(desired: Desired): string;
  /** Pure: probe stdout → current state. */
  parse(output: string, desired: Desired): Current;
  /** Pure: the changes that make current into desired; an empty list means in state. */
  diff(desired: Desired, current: Current): Change[];
  /** POSIX sh script (run as root under `set -e`) that carries out diff(desired, current). */
  apply(desired: Desired, current: Current): string;
  /** Optional: one script applying several changed resources of this type at once (e.g. one apt-get call for all packages of a host). */
  applyMany?(items: ReadonlyArray<{ desired: Desired; current: Current }>): string;
  /** Its changes have side effects on other resources (a package install creates files and starts services): the engine probes what follows again after applying it. */
  readonly reprobeAfter?: boolean;
}

/** Any resource type, as stored in the registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds types of different Desired/Current; each is used only with its own values
export type AnyResourceType = ResourceType<any, any>;
