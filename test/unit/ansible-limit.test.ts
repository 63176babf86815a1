/**
 * `--limit` selects the hosts Ansible selects: for each pattern, provision's
 * selection must equal what Ansible's own InventoryManager keeps after
 * `subset(pattern)` (what `ansible-playbook --limit` does), run once for all
 * patterns in the Python that runs `ansible-inventory`. Where Ansible selects
 * nothing, provision refuses with an error. ansible-core must be installed
 * (.ci/run installs it): without it this test fails, it never skips.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { loadInventory } from '../../src/inventory/load.js';
import { selectHosts } from '../../src/inventory/select.js';
import { ansibleCorpusPath } from '../fixtures/inventory/fixtures.js';

const run = promisify(execFile);
const FILE = ansibleCorpusPath('limit-patterns/hosts.ini');

const PATTERNS = [
  // subscripts, counted in the group's own order (web lists web-03 first), nested groups level by level
  ...['web[0]', 'web[-1]', 'web[1:]', 'web[0:1]', 'web[2:0]', 'web[1:00]', 'web[1-2]', 'edge[0]', 'edge[3]', 'edge[2:3]', 'all[0]', 'all[1:2]', 'all[-1]', '*[0]'],
  // regular expressions, matched from the start of a name
  ...['~web-0[12]', '~db', '~.*-a', '~(web|cache)-0?1$', '~WEB'],
  // globs with sets
  ...['db-[ab]', 'db-[!a]', 'web-0[!3]*', '[dw]*'],
  // with & and !, ':' inside brackets kept
  ...['web:&edge[1:]', '!web[0]', 'ops[0]:db[0]', 'web[0:1]:!web-01', 'all:!~web'],
  // nothing selected: provision refuses
  ...['web[5]', 'web[-4]', 'web[3:]', 'web-0[12]', 'app[x]', '~nomatch', '~a)|(.*', 'web-[z-a]*'],
];

/** Ansible's selection for each pattern (sorted names; [] when it selects none or refuses). */
async function ansibleSelections(): Promise<Record<string, string[]>> {
  const { stdout: where } = await run('sh', ['-c', 'command -v ansible-inventory']);
  const python = /^#!\s*(\S+)/.exec(readFileSync(where.trim(), 'utf8'))?.[1];
  if (python === undefined) throw new Error(`ansible-inventory (${where.trim()}) names no interpreter`);
  const script = `
import json, sys
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
inventory = InventoryManager(loader=DataLoader(), sources=[sys.argv[1]])
out = {}
for pattern in sys.argv[2:]:
    inventory.subset(pattern)
    try:
        out[pattern] = sorted(h.name for h in inventory.get_hosts('all'))
    except Exception:
        out[pattern] = []
print(json.dumps(out))
`;
  const { stdout } = await run(python, ['-c', script, FILE, ...PATTERNS], { env: { ...process.env, ANSIBLE_HOST_PATTERN_MISMATCH: 'ignore' } });
  return JSON.parse(stdout) as Record<string, string[]>;
}

/** provision's selection, sorted; [] when it refuses with a UserError. */
function provisionSelection(pattern: string): string[] {
  try {
    return selectHosts(loadInventory(FILE, { env: {} }), pattern)
      .map((h) => h.name)
      .sort();
  } catch (err) {
    if (err instanceof UserError) return [];
    throw err;
  }
}

describe('--limit selects what Ansible selects', () => {
  it('for every pattern of the table, against ansible-core', async () => {
    const ansible = await ansibleSelections();
    expect(Object.keys(ansible)).toEqual(PATTERNS);
    // The table must exercise both outcomes, or a broken oracle could pass it.
    expect(Object.values(ansible).filter((hosts) => hosts.length > 0).length).toBeGreaterThan(20);
    expect(Object.fromEntries(PATTERNS.map((p) => [p, provisionSelection(p)]))).toEqual(ansible);
  });
});
