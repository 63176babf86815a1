/**
 * The lab's secrets come from a SOPS file (test/lab/.state/secrets.sops.yaml,
 * encrypted by `lab.sh up` for the lab's age key): the built CLI reads it, the
 * renew cron line names the key and works with nothing but cron's environment,
 * and a run whose inventory names no SOPS file never loads the SOPS code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptSops } from 'sops-age';
import { describe, expect, it } from 'vitest';
import { LAB_STATE_DIR } from '../lab/lab.js';
import { LAB_AGE_KEY_FILE, labSecrets, provision, ROOT, TEST_SECRET } from './cli.js';

const INV = 'inventory/lab.yaml';
const BUNDLE = `${ROOT}dist/bundle/`;

/** A HOME with no keys in it, so only what a test names is an identity. */
const emptyHome = (): string => mkdtempSync(join(tmpdir(), 'provision-e2e-home-'));

describe('the lab inventory reads its secrets from a SOPS file', () => {
  it('the lab\'s SOPS file is a real SOPS file: an independent decoder reads the lab\'s passwords from it', async () => {
    const text = readFileSync(`${LAB_STATE_DIR}secrets.sops.yaml`, 'utf8');
    const plain = labSecrets();
    for (const value of Object.values(plain)) expect(text).not.toContain(value);
    const identity = readFileSync(LAB_AGE_KEY_FILE, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
    expect(await decryptSops(text, { secretKey: identity, fileType: 'yaml' })).toEqual({
      app: { db_password: plain['APP_DB_PASSWORD'] },
      mysql: { replication_password: plain['MYSQL_REPLICATION_PASSWORD'] },
      sumo: { access_id: plain['SUMO_ACCESS_ID'], access_key: plain['SUMO_ACCESS_KEY'] },
    });
  });

  it('without the age key, plan stops before contacting any host (exit 2) and says where it looked', async () => {
    const home = emptyHome();
    const run = await provision(['plan', INV], { env: { SOPS_AGE_KEY_FILE: '', HOME: home, XDG_CONFIG_HOME: '' } });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/test\/lab\/\.state\/secrets\.sops\.yaml:\d+:\d+: cannot decrypt: no age identity found; looked in SOPS_AGE_KEY_FILE \(not set\)/);
    expect(run.stderr).toContain(`${home}/.ssh/id_ed25519 (no such file)`);
    expect(run.stdout).not.toMatch(/lb-01|web-01|web-02/);
  });

  it('renew --print-cron names the key file, and the line works with only what cron gives a job', async () => {
    const printed = await provision(['renew', '--print-cron', INV]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stderr).toBe('');
    const line = printed.stdout.trim();
    // It runs where it was printed (the inventory may read that directory's group_vars/); cron starts jobs in HOME.
    expect(line).toMatch(new RegExp(`^\\d+ \\d+,\\d+ \\* \\* \\* cd ${ROOT.replace(/\/$/, '').replace(/[.]/g, '\\.')} && SOPS_AGE_KEY_FILE=${LAB_AGE_KEY_FILE.replace(/[.]/g, '\\.')} \\S+/node \\S+dist/bundle/provision\\.js renew --quiet \\S+inventory/lab\\.yaml$`));
    // What cron runs: the command after the five time fields, % unescaped, in an empty environment.
    const command = line.split(' ').slice(5).join(' ').replace(/\\%/g, '%');
    const cronEnv = { HOME: emptyHome(), PATH: '/usr/bin:/bin', SHELL: '/bin/sh', LOGNAME: 'root' };
    const asCron = spawnSync('/bin/sh', ['-c', `${command} --dry-run`], { env: cronEnv, encoding: 'utf8', timeout: 120_000 });
    expect(asCron.status, asCron.stdout + asCron.stderr).toBe(0);
    const withoutKey = spawnSync('/bin/sh', ['-c', `${command.replace(/SOPS_AGE_KEY_FILE=\S+ /, '')} --dry-run`], { env: cronEnv, encoding: 'utf8', timeout: 120_000 });
    expect(withoutKey.status).toBe(2);
    expect(withoutKey.stderr).toContain('cannot decrypt: no age identity found');
  });
});

describe('start-up: the SOPS and age code is loaded only for inventories that use it', () => {
  /** The bundle's modules that a run loaded, recorded by a module loader hook. */
  function modulesLoaded(args: string[], env: Record<string, string>): string[] {
    const dir = mkdtempSync(join(tmpdir(), 'provision-e2e-hook-'));
    const log = join(dir, 'loaded.txt');
    writeFileSync(log, '');
    const hooks = `import { appendFileSync } from 'node:fs'; export async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }`;
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});\n`);
    const run = spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), `${BUNDLE}provision.js`, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    return readFileSync(log, 'utf8').split('\n').filter((u) => u.includes('/dist/bundle/'));
  }

  it('the bundle keeps age in its own chunk, imported only by the SOPS secret source', () => {
    const chunks = readdirSync(BUNDLE).filter((f) => f.endsWith('.js'));
    const ageChunks = chunks.filter((f) => readFileSync(`${BUNDLE}${f}`, 'utf8').includes('age-encryption.org/v1/X25519'));
    expect(ageChunks).toHaveLength(1);
    const envOnly = modulesLoaded(['renew', '--print-cron', 'test/fixtures/project/inventory.yaml'], { PROVISION_TEST_DB_PASSWORD: TEST_SECRET });
    expect(envOnly.some((u) => u.endsWith('/provision.js'))).toBe(true);
    expect(envOnly.filter((u) => u.endsWith(ageChunks[0]!))).toEqual([]);
    const withSops = modulesLoaded(['renew', '--print-cron', INV], { SOPS_AGE_KEY_FILE: LAB_AGE_KEY_FILE });
    expect(withSops.filter((u) => u.endsWith(ageChunks[0]!))).toHaveLength(1);
  });
});
