import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOLD_LOCK_PERL } from '../support/resources.js';
import { quote } from '../../src/shell/quote.js';
import { LAB_ADDRESSES, LAB_KNOWN_HOSTS, LAB_SSH_KEY, labExec, labRun } from '../lab/lab.js';
import { provision } from './cli.js';

// apt-get's wait for dpkg's lock is bounded by the package resource's lock_timeout, and the
// failure says which lock, held by whom, for how long. The lock is held the way apt and dpkg
// hold it (a POSIX fcntl lock: `flock` would not stop apt-get), by a process started on the host.

const HOST = 'lb-01';
const LOCK = '/var/lib/dpkg/lock-frontend';
/** In the lab's local apt repository, not on a fresh host, and needed by no other package there: removed before the test. */
const PACKAGE = 'curl';

/** "installed" when the package is installed on the host. */
const statusOf = async (name: string): Promise<string> => (await labExec(HOST, `dpkg-query -W -f='\${db:Status-Status}' ${quote(name)} 2>/dev/null`)).stdout;

describe('the apt lock wait', () => {
  let holder: number | undefined;
  let inventory: string;

  beforeAll(async () => {
    // Whatever ran before: the package is not installed (dpkg refuses, and the test fails, if anything installed needs it).
    await labRun(HOST, `dpkg --purge ${quote(PACKAGE)} >/dev/null`);
    const dir = mkdtempSync(join(tmpdir(), 'provision-apt-lock-'));
    mkdirSync(join(dir, 'roles', 'apt-lock'), { recursive: true });
    writeFileSync(join(dir, 'roles', 'apt-lock', 'role.yaml'), `resources:\n  - package: { name: [${PACKAGE}], lock_timeout: 3 }\n`);
    inventory = join(dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      [
        'all:',
        '  vars:',
        `    ssh_private_key_file: ${JSON.stringify(LAB_SSH_KEY)}`,
        `    ssh_known_hosts_file: ${JSON.stringify(LAB_KNOWN_HOSTS)}`,
        '  roles: [apt-lock]',
        '  hosts:',
        `    ${HOST}: { address: ${LAB_ADDRESSES[HOST]} }`,
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    if (holder !== undefined) await labExec(HOST, `kill ${holder} 2>/dev/null || true`);
  });

  it('fails after lock_timeout naming the lock and its holder, and installs once the lock is released', async () => {
    expect(await statusOf(PACKAGE)).not.toBe('installed');
    // The holder outlives the ssh session (nohup, no terminal); it is ended by its pid below.
    const started = await labRun(
      HOST,
      `[ -e ${LOCK} ] || install -m 0640 /dev/null ${LOCK}; nohup perl -e ${quote(HOLD_LOCK_PERL)} ${LOCK} 120 >/dev/null 2>&1 </dev/null & echo $!`,
    );
    holder = Number(started.trim());
    expect(Number.isInteger(holder) && holder > 0, started).toBe(true);
    await labRun(HOST, `for i in $(seq 50); do grep -q ":$(stat -c %i ${LOCK}) " /proc/locks && exit 0; sleep 0.1; done; echo "the lock was not taken" >&2; exit 1`);

    const t0 = Date.now();
    const locked = await provision(['apply', inventory]);
    const elapsed = Date.now() - t0;
    const output = locked.stdout + locked.stderr;
    expect(locked.code, output).toBe(1);
    expect(output).toContain(`provision: the dpkg lock ${LOCK} is held by another process (pid ${holder}: perl -e `);
    expect(output).toContain('and was not released within 3 s (lock_timeout)');
    expect(elapsed).toBeGreaterThanOrEqual(3_000);
    expect(elapsed).toBeLessThan(30_000);
    expect(await statusOf(PACKAGE)).not.toBe('installed');

    await labRun(HOST, `kill ${holder}`);
    holder = undefined;
    const free = await provision(['apply', inventory]);
    expect(free.code, free.stdout + free.stderr).toBe(0);
    expect(await statusOf(PACKAGE)).toBe('installed');
  });
});
