/**
 * `provision secrets encrypt | edit | rotate`: SOPS files with age keys, as the
 * sops tool writes them. Plain values exist only in memory, and for `edit` in a
 * private temporary file that is overwritten and removed afterwards.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { writeControlFile } from '../control/write-file.js';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { UserError } from '../errors.js';
import { display } from './display.js';
import type { AgeRecipient, OpenedSops } from '../sops/index.js';
import { readTextFile } from '../yaml/yaml-source.js';
import type { SecretsOptions } from './args.js';

type Sops = typeof import('../sops/index.js');

/** What the command prints to and reads from. */
export interface SecretsIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Runs one `secrets` action; returns the exit code. */
export async function secretsCommand(options: SecretsOptions, given: SecretsIo): Promise<number> {
  const sops = await import('../sops/index.js');
  // Its messages name files and quote errors: a file name's terminal controls are shown, not sent.
  const io: SecretsIo = { ...given, err: (text) => given.err(display(text)) };
  switch (options.action) {
    case 'encrypt':
      io.out(await encrypt(sops, options, io));
      return 0;
    case 'rotate':
      return rotate(sops, options, io);
    case 'edit':
      return edit(sops, options, io);
  }
}

/** The recipients named on the command line, else in SOPS_AGE_RECIPIENTS (as sops). */
function recipientsOf(sops: Sops, options: SecretsOptions, env: NodeJS.ProcessEnv): AgeRecipient[] {
  const named = options.recipients.length > 0 ? options.recipients : (env['SOPS_AGE_RECIPIENTS'] ?? '').split(',').map((r) => r.trim()).filter(Boolean);
  return named.map((text) => {
    try {
      return sops.parseRecipient(text);
    } catch (err) {
      throw new UserError(`--age: ${(err as Error).message}`);
    }
  });
}

async function encrypt(sops: Sops, options: SecretsOptions, io: SecretsIo): Promise<string> {
  const format = sops.formatOf(options.file);
  const source = sops.readPlain(options.file, readTextFile(options.file, 'file to encrypt'));
  const rule = options.rule ?? sops.DEFAULT_RULE;
  if (rule.kind.endsWith('regex')) checkRegex(rule.value, `--${rule.kind.replace('_', '-')}`);
  const { dataKey, age } = await sops.newDataKey(recipientsOf(sops, options, io.env));
  return sops.seal(source, { format, dataKey, age, rule, macOnlyEncrypted: options.macOnlyEncrypted });
}

function checkRegex(pattern: string, flag: string): void {
  try {
    new RegExp(pattern);
  } catch (err) {
    throw new UserError(`${flag}: not a regular expression: ${(err as Error).message}`);
  }
}

async function rotate(sops: Sops, options: SecretsOptions, io: SecretsIo): Promise<number> {
  const opened = await sops.openSops(options.file, io.env);
  const { metadata } = opened;
  if (metadata.otherKeys.length > 0) {
    throw new UserError(`${options.file} is also encrypted for ${metadata.otherKeys.join(', ')} keys, which provision cannot encrypt a new data key for: rotating would lock them out (use sops rotate)`);
  }
  const recipients = options.recipients.length > 0 ? recipientsOf(sops, options, io.env) : metadata.age.map((s) => sops.parseRecipient(s.recipient));
  const { dataKey, age } = await sops.newDataKey(recipients);
  const text = sops.seal(opened.source, { format: opened.format, dataKey, age, rule: metadata.rule, macOnlyEncrypted: metadata.macOnlyEncrypted, keep: metadata.node });
  writeInPlace(options.file, text);
  io.err(`${options.file}: new data key, encrypted for ${recipients.map((r) => r.text.split(' ').slice(0, 2).join(' ')).join(', ')}\n`);
  return 0;
}

/** Replaces a file atomically, keeping its mode. */
function writeInPlace(file: string, text: string): void {
  writeControlFile(file, text, statSync(file).mode & 0o777);
}

async function edit(sops: Sops, options: SecretsOptions, io: SecretsIo): Promise<number> {
  const opened = await sops.openSops(options.file, io.env);
  const plain = sops.plainText(opened);
  const scratch = privateCopy(options.file, plain);
  const stop = cleanUpOnSignals(scratch);
  try {
    for (;;) {
      await runEditor(scratch.file, io.env);
      const edited = readFileSync(scratch.file, 'utf8');
      if (edited === plain) {
        io.err(`${options.file}: no changes\n`);
        return 0;
      }
      try {
        writeInPlace(options.file, resealed(sops, opened, edited));
        io.err(`${options.file}: saved\n`);
        return 0;
      } catch (err) {
        if (!(err instanceof UserError) || !process.stdin.isTTY) throw err;
        io.err(`error: ${err.format()}\n`);
        if (!(await askToEditAgain())) throw new UserError(`${options.file} was not changed`);
      }
    }
  } finally {
    stop();
    scratch.shred();
  }
}

/** The edited text as the SOPS file: same data key and recipients, unchanged values encrypted exactly as before. */
function resealed(sops: Sops, opened: OpenedSops, edited: string): string {
  const source = sops.readPlain(`${opened.file} (your edit)`, edited);
  const { metadata } = opened;
  return sops.seal(source, { format: opened.format, dataKey: opened.dataKey, age: metadata.age, rule: metadata.rule, macOnlyEncrypted: metadata.macOnlyEncrypted, keep: metadata.node, stash: opened.stash });
}

/** The plain text in a 0600 file in a fresh 0700 directory, in memory (/dev/shm) where the system has it. */
function privateCopy(file: string, text: string): { file: string; shred: () => void } {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'provision-secrets-'));
  const path = join(dir, basename(file));
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  return {
    file: path,
    shred: () => {
      try {
        const size = statSync(path).size;
        const fd = openSync(path, 'r+');
        writeSync(fd, Buffer.alloc(size));
        fsyncSync(fd);
        closeSync(fd);
      } catch {
        // already gone: nothing to overwrite
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** While the editor runs, Ctrl-C belongs to it; a hang-up or kill still removes the plain copy. */
function cleanUpOnSignals(scratch: { shred: () => void }): () => void {
  const ignore = (): void => undefined;
  const fatal = (signal: NodeJS.Signals): void => {
    scratch.shred();
    process.exit(128 + (signal === 'SIGHUP' ? 1 : 15));
  };
  process.on('SIGINT', ignore);
  process.on('SIGHUP', fatal);
  process.on('SIGTERM', fatal);
  return () => {
    process.off('SIGINT', ignore);
    process.off('SIGHUP', fatal);
    process.off('SIGTERM', fatal);
  };
}

/** $SOPS_EDITOR, else $EDITOR, else vi, run through the shell as git runs its editor (the variable may hold options). */
async function runEditor(file: string, env: NodeJS.ProcessEnv): Promise<void> {
  const editor = env['SOPS_EDITOR'] || env['EDITOR'] || 'vi';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('close', (exit) => resolve(exit));
  });
  if (code !== 0) throw new UserError(`the editor (${editor}) exited with ${code ?? 'a signal'}: the file was not changed`);
}

async function askToEditAgain(): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string | null>((resolve) => {
      rl.on('SIGINT', () => resolve(null));
      rl.question('Press Enter to edit again, or Ctrl-C to abandon the changes. ').then(resolve, () => resolve(null));
    });
    return answer !== null;
  } finally {
    rl.close();
  }
}
