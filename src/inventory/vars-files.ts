/**
 * group_vars/ and host_vars/ beside an inventory source, found and read as
 * Ansible's host_group_vars plugin does (lib/ansible/plugins/vars/host_group_vars.py,
 * DataLoader.find_vars_files): the first of NAME, NAME.yml, NAME.yaml,
 * NAME.json that exists; a directory is read whole, recursively, in name
 * order (hidden files and backups~ skipped; files without extension or with
 * .yml, .yaml, .json). A vault-encrypted file is decrypted with the run's vault
 * passwords; without one it is "locked" and fails only where it is needed.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isMap } from 'yaml';
import path from 'node:path';
import { UserError, UserErrors } from '../errors.js';
import type { ErrorList } from '../yaml/error-list.js';
import { parseYaml, readTextFile } from '../yaml/yaml-source.js';
import { isVaultText } from '../vault/vault.js';
import type { WrittenVars } from './model.js';
import { describeNode, isEmptyNode, type ReadContext } from './node-values.js';
import { readVarsMapping } from './yaml-inventory.js';

const EXTENSIONS = ['.yml', '.yaml', '.json'];

/** One vars file: its variables (names as written), or why it cannot be read yet. */
export interface VarsFile {
  /** The file's path. */
  file: string;
  /** Its variables. */
  vars: WrittenVars;
  /** Set when the file is vault-encrypted and no password given opens it: what to pass. */
  locked?: string;
}

/** The vars files of `name` under `dir` (group_vars/ or host_vars/), in the order Ansible reads them. */
export function findVarsFiles(dir: string, name: string): string[] {
  if (!isDirectory(dir)) return [];
  for (const ext of ['', ...EXTENSIONS]) {
    const candidate = path.join(dir, name + ext);
    if (!existsSync(candidate)) continue;
    return isDirectory(candidate) ? dirVarsFiles(candidate) : [candidate];
  }
  return [];
}

function dirVarsFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .filter((entry) => !entry.startsWith('.') && !entry.endsWith('~'))
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      const ext = path.extname(entry);
      if (isDirectory(full)) return ext === '' ? dirVarsFiles(full) : [];
      return ext === '' || EXTENSIONS.includes(ext) ? [full] : [];
    });
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** Reads vars files once each; problems go to `errors`. */
export class VarsFiles {
  readonly #read = new Map<string, VarsFile>();

  constructor(
    private readonly ctx: Omit<ReadContext, 'source'>,
    private readonly errors: ErrorList,
  ) {}

  /** The files read so far that are vault-encrypted and that no password given opens, with what to pass. */
  locked(): { file: string; problem: string }[] {
    return [...this.#read.values()].flatMap((read) => (read.locked === undefined ? [] : [{ file: read.file, problem: read.locked }]));
  }

  /** The vars file at `file` (read on first use). */
  get(file: string): VarsFile {
    let read = this.#read.get(file);
    if (!read) {
      read = this.readFile(file);
      this.#read.set(file, read);
    }
    return read;
  }

  private readFile(file: string): VarsFile {
    const vars: WrittenVars = new Map();
    let text = readTextFile(file, 'vars file');
    const vaulted = isVaultText(text);
    if (vaulted) {
      const opened = this.ctx.vault.decrypt(text);
      if ('problem' in opened) return { file, vars, locked: opened.problem.replace(/^the value/, 'this vars file') };
      text = opened.plaintext.toString('utf8');
    }
    try {
      const source = parseYaml(text, file, 'ansible');
      const start = source.positionAt(0);
      const root = source.resolve(source.doc.contents);
      if (isEmptyNode(root)) return { file, vars };
      if (!isMap(root)) {
        this.errors.add(`expected a mapping of variables, got ${describeNode(root)}`, source.positionOf(root, start));
        return { file, vars };
      }
      readVarsMapping({ ...this.ctx, source, errors: this.errors, vaulted }, vars, root, '', start, path.dirname(file));
    } catch (err) {
      if (err instanceof UserErrors) err.errors.forEach((e) => this.errors.add(e.message, e.position));
      else if (err instanceof UserError) this.errors.add(err.message, err.position);
      else throw err;
    }
    return { file, vars };
  }
}
