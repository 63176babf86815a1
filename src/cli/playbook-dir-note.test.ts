/**
 * The note that the current directory's group_vars/ apply (as Ansible's
 * playbook directory's) is said where a person reads it, and not by
 * `renew --quiet`, which cron runs in that directory twice a day and whose
 * every word cron mails.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';

// The CLI bundled from the current sources (test/support/cli-bundle.ts).
const CLI = inject('provisionCli');

describe('the playbook directory note', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-playbook-dir-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'group_vars'));
  mkdirSync(join(dir, 'inventory'));
  writeFileSync(join(dir, 'group_vars', 'all.yml'), 'site_name: from-the-playbook-dir\n');
  writeFileSync(join(dir, 'inventory', 'hosts.yml'), 'all:\n  hosts:\n    me: { ansible_connection: local }\n');

  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args, 'inventory/hosts.yml'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });

  it.each([
    ['inventory --list', ['inventory', '--list'], true],
    ['renew', ['renew'], true],
    ['renew --quiet', ['renew', '--quiet'], false],
  ])('%s', (_, args, said) => {
    const r = run(args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.includes(`note: group_vars/ of the current directory (${dir}) apply too`)).toBe(said);
  });
});
