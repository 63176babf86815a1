/**
 * Hostile values against the shell (issue 13, sections 1 and 4), on the lab:
 * the lab inventory's `plan` and `apply` refuse them before any host is
 * contacted (exit 2); a role without checks gets them as one quoted word each,
 * so plan's `unless` probe and apply's command treat them as text; a directory
 * whose path is a symbolic link is refused, its target untouched; and the
 * retry file of that failed run replaces a link at its path instead of
 * writing through it. No file a value names appears on any host or here.
 * Lean: no lab reset, one host, one role of its own.
 */
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDRESSES, LAB_HOSTS, LAB_KNOWN_HOSTS, LAB_SSH_KEY, fingerprint, labExec, labRun } from '../lab/lab.js';
import { provision } from './cli.js';

const INV = 'inventory/lab.yaml';
/** What an injection would create, on a host or on the control node. */
const MARK = '/tmp/provision-e2e-hostile-PWNED';
const LINK = '/srv/provision-e2e-link';
const TARGET = '/srv/provision-e2e-target';
const LITERAL = '/srv/provision-e2e-literal';

/** Values from the issue, each of which creates MARK if a shell ever reads it as code. */
const HOSTILE = [`x"; touch ${MARK}; echo "`, `/opt/Sumo$(touch ${MARK})`, `7.0\n__PROVISION_EOF__\ntouch ${MARK}`, `'; touch ${MARK}; '`];

async function marked(): Promise<string[]> {
  const found = await Promise.all(LAB_HOSTS.map(async (host) => ((await labExec(host, `ls ${MARK} 2>/dev/null || true`)).stdout.trim() ? host : '')));
  return [...found.filter(Boolean), ...(existsSync(MARK) ? ['control node'] : [])];
}

describe('hostile values never reach a shell as code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-e2e-hostile-'));
  const inventory = join(dir, 'hostile.yaml');
  const precious = join(dir, 'precious.txt');

  beforeAll(async () => {
    rmSync(MARK, { force: true });
    await Promise.all(LAB_HOSTS.map((host) => labRun(host, `rm -f ${MARK}`)));
    // A role with no checks: only the quoting stands between its values and the shell.
    mkdirSync(join(dir, 'roles', 'hostile'), { recursive: true });
    writeFileSync(
      join(dir, 'roles', 'hostile', 'role.yaml'),
      [
        'resources:',
        '  - name: literal values',
        '    command:',
        `      cmd: printf '%s\\n' {{hostile}} > ${LITERAL}`,
        '      unless: test {{first}} = never',
        `  - directory: { path: ${LINK}, owner: nobody, mode: "0700" }`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      inventory,
      [
        'all:',
        '  vars:',
        `    ssh_private_key_file: ${LAB_SSH_KEY}`,
        `    ssh_known_hosts_file: ${LAB_KNOWN_HOSTS}`,
        `    hostile: ${JSON.stringify(HOSTILE)}`,
        `    first: ${JSON.stringify(HOSTILE[0])}`,
        '  roles: [hostile]',
        '  hosts:',
        `    web-01: { address: ${LAB_ADDRESSES['web-01']} }`,
        '',
      ].join('\n'),
    );
    await labRun('web-01', `rm -rf ${LINK} ${TARGET} ${LITERAL} && mkdir -m 0755 ${TARGET} && ln -s ${TARGET} ${LINK}`);
  });

  afterAll(async () => {
    await labRun('web-01', `rm -rf ${LINK} ${TARGET} ${LITERAL}`);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('the lab inventory: refused before any host is contacted', () => {
    // Taken once, and compared once after the last case: a refused run changes nothing.
    let before = '';
    beforeAll(async () => {
      before = await fingerprint('web-01');
    });

    it.each([
      ['a certificate path that closes its quotes', { tls_certificate: `/etc/provision/tls/x"; touch ${MARK}; echo "` }, '-e tls_certificate:'],
      ['a directory with a command substitution', { sumo_dir: `/opt/Sumo$(touch ${MARK})` }, '-e sumo_dir:'],
      ['a version with a line break', { sumo_collector_version: `7.0\nPROVISION_SUMO\ntouch ${MARK}` }, '-e sumo_collector_version:'],
      ['a path with a NUL byte', { sumo_dir: '/usr/l\u0000ib' }, '-e sumo_dir:'],
    ])('plan and apply refuse %s before any host is contacted', async (_, vars, where) => {
      const runs = await Promise.all(['plan', 'apply'].map((command) => provision([command, INV, '--limit', 'web-01', '-e', JSON.stringify(vars)])));
      for (const run of runs) {
        expect(run.code, run.stdout + run.stderr).toBe(2);
        expect(run.stderr).toContain(where);
      }
      expect(await marked()).toEqual([]);
    });

    it('after every refused plan and apply, web-01 is as before the first', async () => {
      expect(await fingerprint('web-01')).toBe(before);
    });
  });

  it("plan runs the unless probe with the values as text, and apply writes them literally; a directory that is a link is refused, and the retry file replaces a link instead of writing through it", async () => {
    const plan = await provision(['plan', inventory, '--roles-path', join(dir, 'roles')]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain('is a symbolic link');
    expect(await marked()).toEqual([]);

    writeFileSync(precious, 'keep me\n');
    symlinkSync(precious, join(dir, 'hostile.retry'));
    const apply = await provision(['apply', inventory, '--roles-path', join(dir, 'roles')]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(1);
    expect(apply.stdout).toContain('is a symbolic link');

    // The command ran with each value as one word, exactly as written.
    expect(await labRun('web-01', `cat ${LITERAL}`)).toBe(`${HOSTILE.join('\n')}\n`);
    // The link's target kept its owner and mode.
    expect(await labRun('web-01', `stat -c %U:%a ${TARGET}`)).toBe('root:755\n');
    expect(await marked()).toEqual([]);
    // The retry file replaced the link; the file it pointed to is untouched.
    expect(readFileSync(precious, 'utf8')).toBe('keep me\n');
    expect(lstatSync(join(dir, 'hostile.retry')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(dir, 'hostile.retry'), 'utf8')).toBe('web-01\n');
  });
});
