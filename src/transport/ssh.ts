import type { Shell } from '../shell/quote.js';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { PassThrough } from 'node:stream';
import { dirname, join } from 'node:path';
import type { NodeSSH } from 'node-ssh';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { appendedKnownHostsText, fingerprint, hostKeyAlgorithms, keyTypeOf, knownHostsLine, parseKnownHosts, recordedKeyTypes, verifyHostKey, type KnownHostEntry } from './known-hosts.js';
import { parseJump, parseSshConfig, resolveSshConfig, userSshConfigText } from './ssh-config.js';
import { becomeCommand, becomeFailure } from './become.js';
import { exitCodeOf } from './exit-code.js';
import { loadNodeSsh } from './ssh2-loader.js';
import { BecomeError, UnreachableError, type ConnectOptions, type ConnectTarget, type Connection, type ExecResult, feedInput, hostKeyChecks, type JumpTarget, type RunScriptOptions, type TransportStats } from './types.js';

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** Settings after merging the inventory with ~/.ssh/config and defaults. */
interface ResolvedTarget {
  host: string;
  port: number;
  user: string;
  keyFiles: string[];
  knownHostsFile: string;
  /** The jump host to go through, if any (the inventory's, else ~/.ssh/config's ProxyJump). */
  jump?: JumpTarget;
}

/** Inventory values win over ~/.ssh/config, which wins over OpenSSH's defaults. */
export function resolveTarget(target: ConnectTarget, sshConfigText: string | undefined, home = homedir()): ResolvedTarget {
  const config = resolveSshConfig(parseSshConfig(sshConfigText ?? ''), target.address, home);
  const defaults = DEFAULT_IDENTITIES.map((name) => join(home, '.ssh', name));
  const jump = target.jump !== undefined ? parseJump(target.jump) : config.proxyJump;
  return {
    host: config.hostName ?? target.address,
    port: target.port ?? config.port ?? 22,
    user: target.user ?? config.user ?? userInfo().username,
    keyFiles: [...new Set([...(target.privateKeyFile ? [target.privateKeyFile] : []), ...config.identityFiles, ...defaults])],
    knownHostsFile: target.knownHostsFile ?? config.knownHostsFile ?? join(home, '.ssh', 'known_hosts'),
    ...(jump ? { jump } : {}),
  };
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** ssh2 auth methods: the agent first when there is one, then every readable key file. */
function authMethods(user: string, keyFiles: string[]): unknown[] {
  const methods: unknown[] = [];
  if (process.env.SSH_AUTH_SOCK) methods.push({ type: 'agent', username: user, agent: process.env.SSH_AUTH_SOCK });
  for (const file of keyFiles) {
    const key = readIfExists(file);
    if (key !== undefined) methods.push({ type: 'publickey', username: user, key });
  }
  return methods;
}

/** Opens one SSH connection to a host for the whole run (through its jump host, if any), verifying every host key. */
export async function connect(target: ConnectTarget, options: ConnectOptions): Promise<Connection> {
  const sshConfig = userSshConfigText();
  const resolved = resolveTarget(target, sshConfig);
  const checks = hostKeyChecks(target, options);
  // The host's own timeout (its inventory's) beats the run's, as in Ansible; its jump host is waited for as long.
  const timeoutMs = target.timeoutSeconds !== undefined ? target.timeoutSeconds * 1000 : options.timeoutMs;
  const hostOptions = { ...options, ...checks.host, timeoutMs };
  const jumpOptions = { ...options, ...checks.jump, timeoutMs };
  let jump: NodeSSH | undefined;
  let sock: unknown;
  if (resolved.jump) {
    // The jump host is checked like any host: same known_hosts file, same keys to log in with, unless ~/.ssh/config says otherwise.
    const jumpTarget = resolveTarget({ name: resolved.jump.address, address: resolved.jump.address, port: resolved.jump.port, user: resolved.jump.user, privateKeyFile: target.privateKeyFile, knownHostsFile: resolved.knownHostsFile, become: false }, sshConfig);
    jump = await open(jumpTarget, jumpOptions, undefined, `jump host ${jumpTarget.host}`);
    try {
      sock = await forward(jump, resolved);
    } catch (err) {
      jump.dispose();
      throw new UnreachableError(`jump host ${jumpTarget.host} could not reach ${resolved.host}:${resolved.port}: ${(err as Error).message}`);
    }
  }
  let ssh: NodeSSH;
  try {
    ssh = await open(resolved, hostOptions, sock, resolved.jump ? `${resolved.host} (through ${resolved.jump.address})` : undefined);
  } catch (err) {
    jump?.dispose();
    throw err;
  }
  return new SshConnection(ssh, becomeCommand(target, resolved.user), jump);
}

/** One SSH session, on its own TCP connection or on `sock` (a channel through a jump host). */
async function open(resolved: ResolvedTarget, options: ConnectOptions, sock: unknown, label?: string): Promise<NodeSSH> {
  const auth = authMethods(resolved.user, resolved.keyFiles);
  if (auth.length === 0) {
    throw new UnreachableError(`no SSH key to log in with: set ssh_private_key_file, an IdentityFile in ~/.ssh/config, or start ssh-agent`);
  }
  let rejection: string | undefined;
  const knownHosts = parseKnownHosts(readIfExists(resolved.knownHostsFile) ?? '');
  const ssh = new (await loadNodeSsh()).NodeSSH();
  try {
    await ssh.connect({
      host: resolved.host,
      port: resolved.port,
      username: resolved.user,
      ...(sock ? { sock: sock as never } : {}),
      // ssh2 accepts a list of auth methods tried in order; node-ssh passes it through untyped.
      authHandler: auth as never,
      readyTimeout: options.timeoutMs,
      keepaliveInterval: 5_000,
      keepaliveCountMax: 3,
      // hostKeyAlgorithms names only algorithms of ssh2's own list.
      algorithms: { serverHostKey: hostKeyAlgorithms(recordedKeyTypes(knownHosts, resolved.host, resolved.port)) as ServerHostKeyAlgorithm[] },
      hostVerifier: (key: Buffer) => {
        rejection = checkHostKey(resolved, knownHosts, key, options);
        return rejection === undefined;
      },
    });
  } catch (err) {
    ssh.dispose();
    const why = rejection ?? describeConnectError(err, resolved);
    throw new UnreachableError(label ? `${label}: ${why}` : why);
  }
  return ssh;
}

/** A channel from the jump host to the target's SSH port. */
function forward(jump: NodeSSH, target: ResolvedTarget): Promise<unknown> {
  return new Promise((resolve, reject) => {
    jump.connection!.forwardOut('127.0.0.1', 0, target.host, target.port, (err: Error | undefined, stream: unknown) => (err ? reject(err) : resolve(stream)));
  });
}

/** Returns why the key is refused, or undefined to accept (recording a new key when allowed). */
function checkHostKey(target: ResolvedTarget, entries: KnownHostEntry[], key: Buffer, options: ConnectOptions): string | undefined {
  const verdict = verifyHostKey(entries, target.host, target.port, key);
  const print = fingerprint(key);
  const type = keyTypeOf(key);
  const file = target.knownHostsFile;
  switch (verdict) {
    case 'known':
      return undefined;
    case 'unknown':
      if (!options.acceptNewHostKeys) {
        const then = options.heldStrictBy === undefined ? `run again with --accept-new-host-keys or add it to ${file}` : `add it to ${file} (${options.heldStrictBy} keeps host key checking on, so --accept-new-host-keys does not apply)`;
        return `host key for ${target.host} is not known (fingerprint ${print}); check it (${type}), then ${then}`;
      }
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      appendFileSync(file, appendedKnownHostsText(readIfExists(file), knownHostsLine(target.host, target.port, key)), { mode: 0o600 });
      options.onNotice?.(`trusted new host key ${print} (${type}) for ${target.host}, recorded in ${file}`);
      return undefined;
    case 'other-type': {
      const recorded = recordedKeyTypes(entries, target.host, target.port).join(', ');
      return `host key for ${target.host} is not verified: ${file} records its ${recorded} key, but the host no longer offers that type and shows ${type} ${print} instead; refusing to connect (check this key with the host's administrator, then add it to ${file} beside the recorded one)`;
    }
    case 'revoked':
      return `host key for ${target.host} (${print}) is marked @revoked in ${file}`;
    case 'changed':
      return `HOST KEY CHANGED for ${target.host}: it now offers ${type} ${print}, which does not match the key recorded in ${file}; refusing to connect (someone may be intercepting; if the host was reinstalled, check its new key with its administrator before recording it)`;
  }
}

function describeConnectError(err: unknown, target: ResolvedTarget): string {
  const where = `${target.user}@${target.host}:${target.port}`;
  const e = err as { code?: string; level?: string; message?: string };
  if (e.level === 'client-authentication') return `${where}: authentication failed (no key was accepted)`;
  if (e.code === 'ECONNREFUSED') return `${where}: connection refused`;
  if (e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') return `${where}: host unreachable`;
  if (e.code === 'ENOTFOUND') return `${where}: unknown host name`;
  if (/timed out/i.test(e.message ?? '') || e.code === 'ETIMEDOUT') return `${where}: timed out connecting`;
  return `${where}: ${e.message ?? String(err)}`;
}

/** One open connection; runs one script at a time (but a short `alongside` one) so a host never has more than one channel open for long. */
class SshConnection implements Connection {
  readonly stats: TransportStats = { execs: 0, bytesSent: 0, bytesReceived: 0 };
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ssh: NodeSSH,
    private readonly become: ReturnType<typeof becomeCommand>,
    private readonly jump?: NodeSSH,
  ) {
    // A connection reset after connecting surfaces as a lost exec (code null); without a listener ssh2's 'error' would crash the process.
    ssh.connection?.on('error', () => undefined);
  }

  runScript(script: Shell, options: RunScriptOptions = {}): Promise<ExecResult> {
    if (options.alongside) return this.#exec(script, options);
    const run = this.#queue.then(() => this.#exec(script, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #exec(script: Shell, { onStdout, reply }: RunScriptOptions): Promise<ExecResult> {
    if (!this.ssh.isConnected()) throw new UnreachableError('connection lost');
    this.stats.execs++;
    const stdin = new PassThrough();
    feedInput(stdin, this.become.input(script), reply, (bytes) => (this.stats.bytesSent += bytes));
    // The script goes over stdin: nothing of it (secrets included) is on a command line.
    const result = await this.ssh
      .execCommand(this.become.command, {
        stdin,
        noTrim: true,
        onStdout: onStdout ? (chunk: Buffer) => onStdout(chunk.toString()) : undefined,
      })
      .catch((err: unknown) => {
        throw new UnreachableError(`connection lost: ${(err as Error).message}`);
      });
    this.stats.bytesReceived += Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr);
    const refused = result.code !== 0 ? becomeFailure(result.stderr) : undefined;
    if (refused) throw new BecomeError(refused);
    if (result.code === null && !this.ssh.isConnected()) throw new UnreachableError('connection lost while running a script');
    return { stdout: result.stdout, stderr: result.stderr, code: exitCodeOf(result.code, result.signal) };
  }

  async close(): Promise<void> {
    this.ssh.dispose();
    this.jump?.dispose();
  }
}
