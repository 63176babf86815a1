/**
 * The lab's secrets for the Ansible playbook (test/bench/ansible): decrypted
 * from the lab's SOPS file with provision's own code and written as a 0600
 * vars file under test/lab/.state, for `ansible-playbook -e @FILE`: they are
 * never printed nor on a command line. Run directly, it writes the file and
 * prints its path (for running the playbook by hand).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSopsValues } from '../../src/sops/index.js';

const STATE = fileURLToPath(new URL('../lab/.state/', import.meta.url));

/** The playbook's variable names for the lab inventory's SOPS keys (inventory/lab.yaml). */
const VARIABLES = {
  app_db_password: ['app', 'db_password'],
  mysql_replication_password: ['mysql', 'replication_password'],
  sumo_access_id: ['sumo', 'access_id'],
  sumo_access_key: ['sumo', 'access_key'],
} as const;

function valueAt(values: unknown, [section, key]: readonly [string, string]): string {
  const value = (values as Record<string, Record<string, unknown> | undefined>)[section]?.[key];
  if (typeof value !== 'string') throw new Error(`the lab's secrets have no ${section}.${key}`);
  return value;
}

/** Writes the vars file (0600) and returns its path. */
export async function writeAnsibleSecrets(): Promise<string> {
  const { values } = await openSopsValues(join(STATE, 'secrets.sops.yaml'), { ...process.env, SOPS_AGE_KEY_FILE: join(STATE, 'age-key.txt') });
  const vars = Object.fromEntries(Object.entries(VARIABLES).map(([name, path]) => [name, valueAt(values, path)]));
  const file = join(STATE, 'ansible-secrets.json');
  rmSync(file, { force: true });
  writeFileSync(file, `${JSON.stringify(vars)}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await writeAnsibleSecrets());
