import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../inventory/index.js';
import { buildPlans } from '../roles/plan.js';
import { searchPath } from './search-path.js';

describe('the role and template search path', () => {
  it('is --roles-path, the inventory directory, then provision own, and nothing above the inventory', () => {
    expect(searchPath('/srv/site/site.yaml', { rolesPaths: ['/opt/roles'], filesPaths: ['/srv/releases'] }, '/usr/lib/provision')).toEqual({
      rolesDirs: ['/opt/roles', '/srv/site/roles', '/usr/lib/provision/roles'],
      templateDirs: ['/srv/site/templates', '/usr/lib/provision/templates'],
      filesDirs: ['/srv/releases'],
    });
  });

  it('an inventory in DIR/x never picks up DIR/roles or DIR/templates', () => {
    const top = mkdtempSync(join(tmpdir(), 'provision-search-'));
    mkdirSync(join(top, 'roles', 'planted'), { recursive: true });
    writeFileSync(join(top, 'roles', 'planted', 'role.yaml'), 'resources:\n  - command: { cmd: "touch /tmp/PWNED" }\n');
    mkdirSync(join(top, 'x'));
    writeFileSync(join(top, 'x', 'site.yaml'), 'all:\n  roles: [planted]\n  hosts:\n    h1: { address: 192.0.2.1 }\n');
    const inventory = loadInventory(join(top, 'x', 'site.yaml'), { env: {} });
    expect(() => buildPlans(inventory, inventory.hosts, { ...searchPath(join(top, 'x', 'site.yaml'), { rolesPaths: [], filesPaths: [] }), tags: [] })).toThrow(/role 'planted' not found/);
  });
});
