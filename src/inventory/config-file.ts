/**
 * Which ansible.cfg Ansible reads (lib/ansible/config/manager.py, find_ini_config_file):
 * the first that exists and can be read of ANSIBLE_CONFIG (a directory means its
 * ansible.cfg), ./ansible.cfg (skipped with a warning when the current directory is
 * world-writable), ~/.ansible.cfg and /etc/ansible/ansible.cfg; and how Ansible
 * reads a path written in it (ensure_type's `path`).
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

/** What the search needs from the process: injectable for tests. */
export interface ConfigPlace {
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  /** The system-wide file (default /etc/ansible/ansible.cfg). */
  systemFile?: string;
}

/** The file Ansible would read, if any, and what Ansible warns about while looking. */
export function findConfigFile(place: ConfigPlace): { file?: string; warning?: string } {
  const candidates: string[] = [];
  const fromEnv = place.env.ANSIBLE_CONFIG;
  let envFile: string | undefined;
  if (fromEnv !== undefined) {
    envFile = expandPath(fromEnv, place.cwd, place);
    if (isDirectory(envFile)) envFile = path.join(envFile, 'ansible.cfg');
    candidates.push(envFile);
  }
  const here = path.join(place.cwd, 'ansible.cfg');
  const worldWritable = isWorldWritable(place.cwd);
  if (!worldWritable) candidates.push(here);
  candidates.push(path.join(place.home, '.ansible.cfg'), place.systemFile ?? '/etc/ansible/ansible.cfg');
  const file = candidates.find(isReadable);
  const warning =
    worldWritable && isReadable(here) && (envFile === undefined || file !== envFile)
      ? `Ansible is being run in a world writable directory (${place.cwd}), ignoring it as an ansible.cfg source (as Ansible does)`
      : undefined;
  if (file !== undefined && !['.ini', '.cfg'].includes(path.extname(file))) {
    throw new UserError(`ANSIBLE_CONFIG=${fromEnv}: Ansible reads only .cfg and .ini configuration files, got '${file}'`);
  }
  return { ...(file !== undefined ? { file } : {}), ...(warning ? { warning } : {}) };
}

/**
 * A path as Ansible's config reads it (unfrackpath without following links): `{{CWD}}`
 * and `$VAR` / `${VAR}` replaced, `~` expanded, relative to `baseDir`, normalised.
 */
export function expandPath(value: string, baseDir: string, place: Pick<ConfigPlace, 'env' | 'cwd' | 'home'>): string {
  const withVars = value.replaceAll('{{CWD}}', place.cwd).replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => {
    const bare = name.startsWith('{') ? name.slice(1, -1) : name;
    return place.env[bare] ?? whole;
  });
  const expanded = withVars === '~' || withVars.startsWith('~/') ? place.home + withVars.slice(1) : withVars;
  return path.resolve(baseDir, expanded);
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function isReadable(file: string): boolean {
  try {
    statSync(file);
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function isWorldWritable(dir: string): boolean {
  try {
    return (statSync(dir).mode & 0o002) !== 0;
  } catch {
    return false;
  }
}
