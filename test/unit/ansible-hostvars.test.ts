/**
 * Another host's variables read through `hostvars` are computed as on that host: with its own `group_names`,
 * `groups` and `inventory_hostname` (differential: one `ansible` run of the table gives Ansible's text).
 * ansible-core must be installed (.ci/run installs it): without it this test fails, it never skips.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index.js';
import { buildPlans } from '../../src/roles/plan.js';

/** Variables of host b, each read by host a as `hostvars['b'].NAME`. */
const TABLE: Record<string, string> = {
  names: "{{ group_names | join(',') }}",
  count: "{{ groups['all'] | length }}",
  zeta: "{{ groups['zeta'] | join(',') }}",
  name: '{{ inventory_hostname }}',
};
/** b is in zeta and alpha (written in that order), a in alpha only. */
const inventory = (roles: object) => ({
  all: {
    children: {
      zeta: { hosts: { b: { ansible_connection: 'local', ...TABLE } } },
      alpha: { ...roles, hosts: { a: { ansible_connection: 'local', shown: Object.keys(TABLE).map((name) => `{{ hostvars['b'].${name} }}`).join('|') }, b: {} } },
    },
  },
});

describe("another host's variables through hostvars (differential)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-hostvars-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('see its group_names and groups as in Ansible', () => {
    writeFileSync(join(dir, 'ansible.yaml'), JSON.stringify(inventory({})));
    const out = execFileSync('ansible', ['-i', join(dir, 'ansible.yaml'), 'a', '-m', 'debug', '-a', 'msg={{ shown }}', '-o'], { encoding: 'utf8', env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'false' } });
    const ansible = (JSON.parse(out.slice(out.indexOf('{'))) as { msg: string }).msg;

    mkdirSync(join(dir, 'roles', 'show'), { recursive: true });
    writeFileSync(join(dir, 'roles', 'show', 'role.yaml'), 'resources:\n  - file: { path: /tmp/shown, content: "{{ shown }}" }\n');
    writeFileSync(join(dir, 'inventory.yaml'), JSON.stringify(inventory({ roles: ['show'] })));
    const inv = loadInventory(join(dir, 'inventory.yaml'), { env: {} });
    const plans = buildPlans(inv, inv.hosts.filter((h) => h.name === 'a'), { rolesDirs: [join(dir, 'roles')], templateDirs: [], tags: [] });
    const provision = (plans[0]!.resources[0]!.desired as { content: string }).content;

    expect(ansible.split('|')).toHaveLength(Object.keys(TABLE).length);
    expect(provision).toBe(ansible);
  });
});
