/**
 * What the benchmark's `ansible` scenario needs besides timing: Ansible on
 * the control node, the .debs its modules need on the lab's hosts (whose
 * package mirror lacks them), the command line of one playbook run, the
 * firewall variant it runs, and the reading of its PLAY RECAP (checked by
 * recap.ts's recapProblem, as provision's runs are).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HostRecap } from './recap.js';

/** The playbook's directory (its ansible.cfg is read from the working directory). */
export const PLAYBOOK_DIR = fileURLToPath(new URL('./ansible/', import.meta.url));
/** Where the .debs for the hosts are kept (outside the repository, with the lab's other state). */
const DEBS_DIR = fileURLToPath(new URL('../lab/.state/ansible-debs/', import.meta.url));
/** Ansible's apt module needs python3-apt, community.mysql needs PyMySQL; the rest is in the lab's mirror. */
const HOST_DEBS = ['python3-apt', 'python-apt-common', 'distro-info-data', 'python3-pymysql'];

/** Fails with a clear message when ansible-playbook or the control node's pieces it needs are missing. */
export function requireAnsible(): void {
  const r = spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error("scenario ansible: ansible-playbook is not installed (Debian: apt-get install ansible; it needs the community.general, community.mysql and community.crypto collections the 'ansible' package brings)");
  }
}

/** Downloads the hosts' .debs with the control node's apt, once. */
export function ensureHostDebs(): void {
  const have = existsSync(DEBS_DIR) ? readdirSync(DEBS_DIR) : [];
  const missing = HOST_DEBS.filter((name) => !have.some((file) => file.startsWith(`${name}_`)));
  if (missing.length === 0) return;
  mkdirSync(DEBS_DIR, { recursive: true });
  execFileSync('apt-get', ['download', ...missing], { cwd: DEBS_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * How the playbook does the firewall (site.yaml's ufw_variant): ufw's module,
 * one call per setting and rule, or ufw's files written whole by templates.
 */
export const UFW_VARIANTS = ['module', 'files'] as const;
export type UfwVariant = (typeof UFW_VARIANTS)[number];

/** The variant BENCH_ANSIBLE_UFW names (unset or empty: module); an unknown name fails. */
export function ufwVariantOf(value: string | undefined): UfwVariant {
  if (value === undefined || value === '') return 'module';
  const variant = UFW_VARIANTS.find((v) => v === value);
  if (variant === undefined) throw new Error(`BENCH_ANSIBLE_UFW: unknown variant ${value} (known: ${UFW_VARIANTS.join(', ')})`);
  return variant;
}

/** The PLAY RECAP lines of ansible-playbook's output, by host, for recap.ts's recapProblem. */
export function parseRecap(stdout: string): Map<string, HostRecap> {
  const recap = new Map<string, HostRecap>();
  const tail = stdout.slice(stdout.lastIndexOf('PLAY RECAP'));
  for (const m of tail.matchAll(/^(\S+)\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    recap.set(m[1]!, { changed: Number(m[2]), unreachable: Number(m[3]), failed: Number(m[4]) });
  }
  return recap;
}
