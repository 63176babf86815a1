import type { Shell } from '../shell/quote.js';
import type { BecomeOptions } from './become.js';

/** What one remote script run returned. */
export interface ExecResult {
  /** Everything the script wrote to stdout. */
  stdout: string;
  /** Everything the script wrote to stderr. */
  stderr: string;
  /** Exit code; null when the connection dropped before the script ended. */
  code: number | null;
}

/** Counters of one connection, for benchmarks and `--json`. */
export interface TransportStats {
  /** Exec channels opened after the connection was made. */
  execs: number;
  /** Bytes sent to the host (scripts and their input). */
  bytesSent: number;
  /** Bytes received from the host. */
  bytesReceived: number;
}

/** An open connection to one host. It only moves bytes: it knows nothing of resources. */
export interface Connection {
  /** Runs a POSIX sh script on the host (as root through sudo when `become`), sent over stdin so nothing of it shows in a process list. */
  runScript(script: Shell, options?: RunScriptOptions): Promise<ExecResult>;
  /** Counters so far. */
  readonly stats: TransportStats;
  /** Closes the connection; safe to call twice. */
  close(): Promise<void>;
}

/** How to run one script. */
export interface RunScriptOptions {
  /** Receives stdout as it arrives. */
  onStdout?: (chunk: string) => void;
  /** Run at once on a channel of its own, beside a script that is running (e.g. to ask it to stop). */
  alongside?: boolean;
  /**
   * Sent on the script's stdin after the script once it resolves, then stdin closes (at once when it rejects): the
   * control node's answer to what the script printed so far, in the same call. Unset, stdin closes after the script.
   */
  reply?: Promise<string>;
}

/** Feeds a script's stdin: the input, then the reply once it settles (nothing when it rejects), then the end. */
export function feedInput(stdin: { write(text: string): unknown; end(text?: string): unknown }, input: string, reply: Promise<string> | undefined, onSent: (bytes: number) => void): void {
  onSent(Buffer.byteLength(input));
  if (reply === undefined) {
    stdin.end(input);
    return;
  }
  stdin.write(input);
  reply.then(
    (answer) => {
      onSent(Buffer.byteLength(answer));
      stdin.end(answer);
    },
    () => stdin.end(),
  );
}

/** A jump host to reach the target through (ProxyJump `[user@]host[:port]`, read by parseJump). */
export interface JumpTarget {
  /** Address or ~/.ssh/config alias. */
  address: string;
  /** Login user (else ~/.ssh/config, else the target's user). */
  user?: string;
  /** SSH port (else ~/.ssh/config, else 22). */
  port?: number;
}

/** Where and how to connect to one host. */
export interface ConnectTarget extends BecomeOptions {
  /** Inventory host name, for messages. */
  name: string;
  /** `ssh` (default) or `local`: run on the control node itself, no SSH. */
  type?: 'ssh' | 'local';
  /** Jump host, `[user@]host[:port]` (else ~/.ssh/config's ProxyJump for the address, if any). */
  jump?: string;
  /** Address or ~/.ssh/config alias. */
  address: string;
  /** SSH port, when set in the inventory (else ~/.ssh/config, else 22). */
  port?: number;
  /** Remote user, when set in the inventory (else ~/.ssh/config, else the local user). */
  user?: string;
  /** Private key file set in the inventory (tried before ~/.ssh/config's and the defaults). */
  privateKeyFile?: string;
  /** known_hosts file to verify against (default ~/.ssh/known_hosts). */
  knownHostsFile?: string;
  /** The host's own host key checking, when the inventory sets it: beats ConnectOptions.acceptNewHostKeys (true: refuse unknown keys; false: trust and record them). */
  hostKeyChecking?: boolean;
  /** The host's own connection timeout in seconds, when the inventory sets it: beats ConnectOptions.timeoutMs (for its jump host too). */
  timeoutSeconds?: number;
}

/** How the host keys of one connection are checked. */
export interface HostKeyChecks {
  /** Trust and record a key seen for the first time. */
  acceptNewHostKeys: boolean;
  /** Why new keys are refused though the run accepts them (the host's own setting), for the refusal's advice. */
  heldStrictBy?: string;
}

/**
 * How a target and its jump host are checked: the host's own setting beats the run's; the jump
 * host is never checked less strictly than either asks.
 */
export function hostKeyChecks(target: Pick<ConnectTarget, 'name' | 'hostKeyChecking'>, options: Pick<ConnectOptions, 'acceptNewHostKeys'>): { host: HostKeyChecks; jump: HostKeyChecks } {
  const host = target.hostKeyChecking === undefined ? options.acceptNewHostKeys : !target.hostKeyChecking;
  const heldStrictBy = options.acceptNewHostKeys && !host ? `${target.name}'s ansible_host_key_checking or ansible_ssh_host_key_checking` : undefined;
  const held = heldStrictBy === undefined ? {} : { heldStrictBy };
  return { host: { acceptNewHostKeys: host, ...held }, jump: { acceptNewHostKeys: options.acceptNewHostKeys && host, ...held } };
}

/** Options that apply to every connection of a run. */
export interface ConnectOptions {
  /** Trust and record a host key seen for the first time (never a changed one). */
  acceptNewHostKeys: boolean;
  /** Milliseconds to wait for the SSH handshake before calling the host unreachable. */
  timeoutMs: number;
  /** Told about events worth printing (e.g. a newly trusted host key). */
  onNotice?: (message: string) => void;
  /** Why new host keys are refused though the run accepts them (set per connection by connect). */
  heldStrictBy?: string;
}

/** The host could not be reached or refused us: reported as "unreachable", distinct from a failure on the host. */
export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}

/** sudo refused to run the script (it asks for a password, or refused the one given): a failure on the host, not unreachability. */
export class BecomeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BecomeError';
  }
}
