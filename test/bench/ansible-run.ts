/**
 * What the benchmark's `ansible` scenario needs besides timing: Ansible on
 * the control node, the .debs its modules need on the lab's hosts (whose
 * package mirror lacks them), the command line of one playbook run, the
 * firewall variant it runs, and the check of its PLAY RECAP (a failed or
 * unreachable host, or changes other than those expected, fail the bench).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

/** A host's counts in the PLAY RECAP. */
export interface HostRecap {
  changed: number;
  failed: number;
  unreachable: number;
}

/** The PLAY RECAP lines of ansible-playbook's output, by host. */
export function parseRecap(stdout: string): Map<string, HostRecap> {
  const recap = new Map<string, HostRecap>();
  const tail = stdout.slice(stdout.lastIndexOf('PLAY RECAP'));
  for (const m of tail.matchAll(/^(\S+)\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    recap.set(m[1]!, { changed: Number(m[2]), unreachable: Number(m[3]), failed: Number(m[4]) });
  }
  return recap;
}

/**
 * The hosts a run must report changes on: none (a no-op), at least one (a
 * first converge), or exactly these and none on the others (a check after a
 * drift made on these hosts).
 */
export type ExpectedChanges = 'none' | 'some' | { only: readonly string[] };

/**
 * What is wrong with a run's recap, or undefined: every host must be there,
 * none failed or unreachable, and the changes where `expected` says.
 */
export function recapProblem(recap: Map<string, HostRecap>, hosts: readonly string[], expected: ExpectedChanges): string | undefined {
  const missing = hosts.filter((h) => !recap.has(h));
  if (missing.length > 0) return `no PLAY RECAP for ${missing.join(', ')}`;
  const bad = [...recap].filter(([, r]) => r.failed > 0 || r.unreachable > 0).map(([h]) => h);
  if (bad.length > 0) return `failed or unreachable: ${bad.join(', ')}`;
  const changed = [...recap].filter(([, r]) => r.changed > 0).map(([h]) => h);
  if (expected === 'none') {
    const count = [...recap.values()].reduce((sum, r) => sum + r.changed, 0);
    return count > 0 ? `a no-op changed ${count} things` : undefined;
  }
  if (expected === 'some') return changed.length === 0 ? 'nothing changed (or was found to change)' : undefined;
  const unseen = expected.only.filter((h) => !changed.includes(h));
  if (unseen.length > 0) return `no change found on ${unseen.join(', ')}, which drifted`;
  const others = changed.filter((h) => !expected.only.includes(h));
  if (others.length > 0) return `changes found on ${others.join(', ')}, which did not drift`;
  return undefined;
}
