import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

// Bad input that only the roles can tell is bad (the inventory itself is well formed), through the
// whole CLI: exit 2 and `file:line:col: message` on stderr, before any host is contacted. The hosts'
// addresses are in TEST-NET (192.0.2.0/24), and `plan` changes nothing even if one were reached.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The CLI bundled from the current sources (test/support/cli-bundle.ts).
const CLI = inject('provisionCli');
const DIR = 'test/fixtures/bad-input';

/** Every inventory of test/fixtures/bad-input and the exact error it gives (ROLES: the corpus's own roles directory). */
const CORPUS: [file: string, error: string][] = [
  ['domain-not-dns.yaml', `3:19: all.vars.domain: "www.foo_bar.com" is not a valid DNS name: label "foo_bar" has a character other than letters, digits and '-' (role loadbalancer uses it as a DNS name)`],
  ['domain-trailing-dot.yaml', '8:19: all.children.lb.hosts.lb-01.domain: "www.foobar.com." is not a valid DNS name: it ends with a dot: write it without the trailing dot (role loadbalancer uses it as a DNS name)'],
  ['acme-domains-ip.yaml', '8:11: all.children.lb.vars.acme_domains[1]: "192.0.2.11" is not a valid DNS name: it is an IP address: certificates are ordered for DNS names only (role loadbalancer uses it as a list of DNS names)'],
  ['app-template-outside.yaml', "3:69: all.vars.app_source_template: template '../../../root/.local/state/provision/acme/account.key' is outside the template search path: a template is named relative to it, without '..' (looked in <root>/roles/app/templates, <inventory dir>/templates, <root>/templates) (role app uses it as file template)"],
  ['app-archive-outside.yaml', "5:18: all.vars.app_archive: 'src' /etc is outside the allowed directories: control-node files must be inside <inventory dir> (the inventory's directory; more with --files-path DIR) (role app uses it as archive src)"],
  ['config-injection.yaml', '5:15: all.vars.app_user: string "app\\nExecStartPre=/bin/touch /tmp/PWN…" is not a user or group name: expected lowercase letters, digits and _ . -, starting with a letter or _, at most 32 characters (role app uses it as a user or group name)'],
  ['app-dir-system.yaml', '5:14: all.vars.app_dir: string "/etc" is not an absolute path to a directory of its own: expected a directory of its own, such as /opt/NAME, not a system directory: the role owns it, or removes it whole (role app uses it as an absolute path to a directory of its own)'],
  [
    'certificate-in-role.yaml',
    `ROLES/literal-certificate/role.yaml:3:7: certificate: 'domains' entry "*.foobar.com" is not a valid DNS name: label "*" is a wildcard: wildcard certificates need the DNS-01 challenge, and provision orders with HTTP-01 only (host h1)`,
  ],
];

/** Runs the CLI from the sources, as `provision ARGS...`. */
function provision(args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('bad input found by the roles, through the CLI', () => {
  it.each(CORPUS)('%s', (file, error) => {
    const inventory = join(DIR, file);
    // No host contacted: one would print a recap (its TEST-NET address unreachable, exit 1), or wait out --timeout 600
    // and be killed at 30 s; either fails the exact output and exit 2 below. No elapsed time compared: load varies.
    const run = provision(['plan', inventory, '--timeout', '600']);
    const where = (error.startsWith('ROLES/') ? error.replace('ROLES', join(ROOT, DIR, 'roles')) : `${inventory}:${error}`).replaceAll('<inventory dir>', join(ROOT, DIR)).replaceAll('<root>/', ROOT);
    expect(run.stderr).toBe(`error: ${where}\n`);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });

  it('has a table entry for every inventory of the corpus', () => {
    const files = readdirSync(join(ROOT, DIR)).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(CORPUS.map(([file]) => file).sort());
  });
});
