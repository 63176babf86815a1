/**
 * No variable of Ansible's own is refused as a typo of a connection variable: every `ansible_`
 * variable that the installed ansible-core's plugins and base configuration document (the
 * `- name: ansible_...` lines of their option docs) must load as a connection variable or an
 * ordinary one, never as "did you mean". ansible-core must be installed (.ci/run installs it):
 * without it this test fails, it never skips.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { misspeltConnectionVar } from '../../src/inventory/connection-vars.js';

const run = promisify(execFile);

/** The directory of the ansible package that the installed ansible-inventory runs. */
async function ansibleDir(): Promise<string> {
  const { stdout: where } = await run('sh', ['-c', 'command -v ansible-inventory']);
  const python = /^#!\s*(\S+)/.exec(readFileSync(where.trim(), 'utf8'))?.[1];
  if (python === undefined) throw new Error(`ansible-inventory (${where.trim()}) names no interpreter`);
  const { stdout } = await run(python, ['-c', 'import ansible, os; print(os.path.dirname(ansible.__file__))']);
  return stdout.trim();
}

/** Files under `dir` whose name ends with one of `endings`. */
function filesUnder(dir: string, endings: string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return name === '__pycache__' ? [] : filesUnder(file, endings);
    return endings.some((e) => name.endsWith(e)) ? [file] : [];
  });
}

describe("Ansible's own variables are never refused as typos (differential)", () => {
  it('every ansible_ variable documented by the installed ansible-core loads', async () => {
    const root = await ansibleDir();
    const files = [...filesUnder(path.join(root, 'plugins'), ['.py']), path.join(root, 'config', 'base.yml')];
    const documented = new Set(files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/name: (ansible_[a-z0-9_]+)/g)].map((m) => m[1]!)));
    // The docs were found and read: the ssh plugin's own variables are among them.
    expect([...documented]).toEqual(expect.arrayContaining(['ansible_ssh_executable', 'ansible_scp_executable', 'ansible_su_user']));
    expect([...documented].flatMap((name) => {
      const meant = misspeltConnectionVar(name);
      return meant === undefined ? [] : [`${name} (taken for ${meant})`];
    })).toEqual([]);
  });
});
