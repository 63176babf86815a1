/**
 * Helpers for the resource tests (not used by the tool): run probe and apply
 * scripts with the local `sh` through the engine's own batches (framing,
 * lock, parsing), so what runs is what the engine sends to a host.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { Batch, splitItems, type SectionResult } from '../../src/engine/batch.js';
import { type Shell, userText } from '../../src/shell/quote.js';
import { EffectLog, type Effects, type Lookahead } from '../../src/resources/shared/lookahead.js';
import { ArgError, type Change, type Decision, type ResourceType } from '../../src/resources/types.js';
import type { FileCurrent } from '../../src/resources/file/index.js';

/** Exit code and output of a local script. */
export interface ShResult {
  /** Exit status. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs a script with `sh`, fed on stdin like the engine does; `env` is added to the environment. */
export function runSh(script: string, env: Record<string, string> = {}): ShResult {
  const r = spawnSync('sh', ['-s'], { input: script, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs probe scripts through the engine's own probe batch (framing and parsing); returns the one section's output, which must exit 0 with nothing on stderr. */
function probeSection(probe: (separator: string) => Shell, env: Record<string, string>, inline = false): string {
  const batch = new Batch();
  const script = probe(`${batch.marker} item`);
  if (!inline) return sectionOutput(batch, runSh(batch.probeScript([script]), env), 0);
  // An inline probe runs in the batch's shell: it must leave it as it found it (and not end it).
  const r = runSh(batch.probeScript([SHELL_STATE, { inline: script }, SHELL_STATE]), env);
  const [before, after] = [sectionOutput(batch, r, 0), batch.parse(r.stdout).get(2)?.output];
  if (after !== before) throw new Error(`the inline probe changed the batch's shell: ${JSON.stringify(before)} before, ${JSON.stringify(after)} after`);
  // It sets each provision_* name before it reads it: what an earlier section left in them changes
  // nothing. Both runs read one frozen clock (probes read `date +%s`), so a second ticking between them cannot differ.
  const again = { ...env, PATH: `${frozenClock()}:${env['PATH'] ?? process.env['PATH'] ?? ''}`, PROVISION_TEST_UNCOUNTED: '1' };
  const clean = sectionOutput(batch, runSh(batch.probeScript([{ inline: script }]), again), 0);
  const poisoned = sectionOutput(batch, runSh(batch.probeScript([{ inline: poison(script) }, { inline: script }]), again), 1);
  if (poisoned !== clean) throw new Error(`the inline probe read a provision_* variable or function it had not set: ${JSON.stringify(clean)} clean, ${JSON.stringify(poisoned)} after another section set them`);
  return sectionOutput(batch, r, 1);
}

/** A directory whose `date` always prints the time this was called, in seconds (what `date +%s` prints). */
function frozenClock(): string {
  const dir = tempDir();
  onTestFinished(() => cleanup(dir));
  writeFileSync(join(dir, 'date'), `#!/bin/sh\necho ${Math.floor(Date.now() / 1000)}\n`);
  chmodSync(join(dir, 'date'), 0o755);
  return dir;
}

/** Shell text that sets every provision_* name the script mentions to junk, as a variable and as a function. */
function poison(script: Shell): Shell {
  const names = [...new Set(String(script).match(/\bprovision_[A-Za-z0-9_]+/g) ?? [])];
  return userText(names.map((name) => `${name}='junk'; ${name}() { echo junk; }`).join('\n') || ':');
}

/** The batch shell's working directory, options, IFS and positional parameters (printf is a builtin: this runs with any PATH). */
const SHELL_STATE = userText(`printf '%s %s [%s] %s [%s]' "$PWD" "$-" "$IFS" "$#" "$*"`);

/** A section's output; it must exit 0, the batch with nothing on stderr. */
function sectionOutput(batch: Batch, r: ShResult, index: number): string {
  const section = batch.parse(r.stdout).get(index);
  if (!section || section.code !== 0 || r.stderr !== '') throw new Error(`probe failed (${section?.code ?? r.code}): ${r.stderr}`);
  return section.output;
}

/** A probe script run through the engine's probe batch (`inline`: in the batch's shell, held to the rules of an inline probe); returns its output. It must exit 0 with nothing on stderr. */
export function probeScriptLocally(script: Shell, env: Record<string, string> = {}, inline = false): string {
  return probeSection(() => script, env, inline);
}

/** A probe run as the engine runs it; it must exit 0. */
export function probeLocally<D, C, X extends Decision>(type: ResourceType<D, C, X>, desired: D, env: Record<string, string> = {}): C {
  return type.parse(probeSection(() => type.probe(desired), env, type.probeInline), desired);
}

/** The items probed in one section (their probe family's, else their type's probeMany), run and split as the engine does; it must exit 0. */
export function probeManyLocally<D, C, X extends Decision>(type: ResourceType<D, C, X>, items: D[], env: Record<string, string> = {}): C[] {
  let separator = '';
  // As the engine reads them: a type of a probe family through the family's one call, with its own parts.
  const family = type.probeFamily;
  const script = (s: string): Shell => (family ? family.family.probeMany(items.map(family.part), s) : type.probeMany!(items, s));
  const output = probeSection((s) => script((separator = s)), env, type.probeInline);
  const parts = splitItems(output, separator, items.length);
  if (!parts) throw new Error(`probeMany printed ${output}, not ${items.length} parts`);
  return parts.map((part, i) => type.parse(part, items[i]!));
}

/** An apply step's result: its exit code, stdout and stderr, and the outcome it reported (provision_unchanged, provision_stale). */
export interface ApplyResult extends ShResult {
  /** Absent when the step changed something. */
  outcome?: SectionResult['outcome'];
}

/**
 * One apply step run through the engine's own apply batch (lock, step framing,
 * result parsing) with the local `sh`; only its stderr is kept apart from its stdout.
 */
export function applyLocally(script: Shell, env: Record<string, string> = {}): ApplyResult {
  const dir = tempDir();
  try {
    const batch = new Batch(join(dir, 'provision.lock'));
    const r = runSh(batch.applyScript([{ script, stderr: 'apart' }]), env);
    const step = batch.parse(r.stdout).get(0);
    if (!step) throw new Error(`the apply batch did not run its step (${r.code}): ${r.stderr}`);
    return { code: step.code, stdout: step.output, stderr: r.stderr, ...(step.outcome === undefined ? {} : { outcome: step.outcome }) };
  } finally {
    cleanup(dir);
  }
}

/** What earlier changes look like to a resource: `before` its probe (an earlier round), `atApply` between its probe and its apply. */
export function ahead(before: Effects, atApply: Effects = {}): Lookahead {
  const log = new EffectLog();
  log.add(before, 0);
  log.add(atApply, 1);
  return log.view(1);
}

/** The outcome of a prediction as one readable line: "known: CHANGES (because)", "unknown: REASON | CASES", or "unaffected". */
export function predicted<D, C, X extends Decision>(type: ResourceType<D, C, X>, desired: D, current: C, lookahead: Lookahead): string {
  const p = type.predict!(desired, current, lookahead);
  if (p === undefined) return 'unaffected';
  if ('current' in p) return `known: ${summaries(type.decide(desired, p.current).changes).join('; ') || 'in state'} (${p.because})`;
  return `unknown: ${p.unknown}${p.cases ? ` | ${summaries(p.cases).join(' | ')}` : ''}`;
}

/** Probe → decide → apply → probe → decide, locally: the changes before and after, and apply's result. */
export function converge<D, C, X extends Decision>(type: ResourceType<D, C, X>, args: Record<string, unknown>): { desired: D; before: Change[]; applied?: ApplyResult; after: Change[] } {
  const desired = type.validate(args);
  const decision = type.decide(desired, probeLocally(type, desired));
  const before = decision.changes;
  if (before.length === 0) return { desired, before, after: before };
  const applied = applyLocally(type.apply(desired, decision));
  const after = type.decide(desired, probeLocally(type, desired)).changes;
  return { desired, before, applied, after };
}

/** A regular file (root's, 0644) in place with this content, as the file probe reads it. */
export function fileInPlace(content: string): FileCurrent {
  return { stat: { type: 'file', mode: '0644', owner: 'root', uid: '0', group: 'root', gid: '0', size: Buffer.byteLength(content) }, sha256: createHash('sha256').update(content).digest('hex'), content };
}

/** A fresh temporary directory; remove it with cleanup(). */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'provision-resource-'));
}

/** Removes a directory made by tempDir. */
export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Stand-ins for commands that would change this machine (apt-get, useradd,
 * systemctl...): each records its arguments in a log, then runs the shell
 * snippet `behaviour[name]` (trusted test text; "$@" are its arguments).
 * Pass `env` to runSh/probeLocally/applyLocally; read the calls with `calls()`.
 * Call inside a test: the stubs are removed when it ends.
 */
export function stubCommands(names: readonly string[], behaviour: Record<string, string> = {}): { env: Record<string, string>; calls(): string[]; dir: string } {
  const dir = tempDir();
  onTestFinished(() => cleanup(dir));
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  for (const name of names) {
    const path = join(dir, name);
    // Each argument in brackets, so quoting mistakes (split or joined words) show. One write per
    // call: stand-ins running at once (a pipeline) must not interleave their lines. A run with
    // PROVISION_TEST_UNCOUNTED set (the harness's extra runs of an inline probe) is not recorded;
    // the behaviour still runs.
    writeFileSync(path, `#!/bin/sh\n[ -n "$PROVISION_TEST_UNCOUNTED" ] || { provision_call=$(printf '%s' ${JSON.stringify(name)}; for a in "$@"; do printf ' [%s]' "$a"; done); printf '%s\\n' "$provision_call" >>'${log}'; }\n${behaviour[name] ?? ''}\n`);
    chmodSync(path, 0o755);
  }
  return { env: { PATH: `${dir}:${process.env['PATH'] ?? ''}` }, calls: () => readFileSync(log, 'utf8').split('\n').filter((l) => l !== ''), dir };
}

/**
 * Counting stand-ins: each of `names` records its call (as stubCommands does),
 * then runs the real program, or `behaviour[name]` when given. `calls()` lists
 * the programs a script started.
 */
export function countedCommands(names: readonly string[], behaviour: Record<string, string> = {}): ReturnType<typeof stubCommands> {
  const real = (name: string): string => execFileSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' }).trim();
  return stubCommands(names, Object.fromEntries(names.map((name) => [name, behaviour[name] ?? `exec '${real(name)}' "$@"`])));
}

/** Stand-ins for the account tools: getent answers with the given `passwd`/`group` lines (exit 2, not found, without). */
export function accountToolStubs(entries: { passwd?: string; group?: string; groups?: string } = {}): ReturnType<typeof stubCommands> {
  const answer = (line: string | undefined): string => (line === undefined ? 'exit 2' : `echo '${line}'`);
  return stubCommands(['getent', 'id', 'useradd', 'usermod', 'userdel', 'groupadd', 'groupmod', 'groupdel'], {
    getent: `case "$1" in passwd) ${answer(entries.passwd)} ;; group) ${answer(entries.group)} ;; esac`,
    id: `case "$1" in -Gn) echo '${entries.groups ?? ''}' ;; esac`,
  });
}

/** Checks a script's syntax with `sh -n` (dash here: POSIX, no bashisms). */
export function syntaxOk(script: string): boolean {
  return spawnSync('sh', ['-n'], { input: script }).status === 0;
}

/** The summaries of a change list. */
export function summaries(changes: readonly Change[]): string[] {
  return changes.map((c) => c.summary);
}

/** The ArgError that validating `args` throws (fails the test when there is none). */
export function argErrorOf<D>(type: { validate(args: Record<string, unknown>): D }, args: Record<string, unknown>): ArgError {
  try {
    type.validate(args);
  } catch (e) {
    if (e instanceof ArgError) return e;
    throw e;
  }
  throw new Error(`validate accepted ${JSON.stringify(args)}`);
}

/**
 * A perl program that takes a POSIX (fcntl) write lock on the file $ARGV[0], as
 * apt and dpkg do, prints "locked" and keeps it for $ARGV[1] seconds. perl-base
 * is essential on Debian; the struct flock layout is the one of 64-bit Linux.
 */
export const HOLD_LOCK_PERL = 'use Fcntl; open(my $f, "+<", $ARGV[0]) or die "open: $!"; my $l = pack("s s x4 q q i x4", F_WRLCK, 0, 0, 0, 0); fcntl($f, F_SETLK, $l) or die "lock: $!"; $| = 1; print "locked\\n"; sleep $ARGV[1];';

/** Holds a POSIX lock on `file` (which must exist) in another process until the test ends; resolves with its pid once the lock is taken. */
export function holdPosixLock(file: string): Promise<number> {
  const child = spawn('perl', ['-e', HOLD_LOCK_PERL, file, '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => {
    child.kill();
  });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) resolve(child.pid!);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the lock holder exited (${code}): ${stderr}`)));
  });
}
