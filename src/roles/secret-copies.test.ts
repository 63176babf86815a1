/**
 * A plain copy of a secret (its very text, written as text or as the number it reads as, alone or as an item of a list
 * or mapping) is that secret in plan: masked in output, and what a template makes of it is a secret too. Also when the
 * secret itself (from the environment here, as from vault or SOPS) is used by nothing, or is an entry of a mapping.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadInventory, selectHosts } from '../inventory/index.js';
import { clearSecretsForTests, MASK, redact } from '../secrets.js';
import { buildPlans } from './plan.js';

const dir = mkdtempSync(join(tmpdir(), 'provision-secret-copies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'roles', 'echoer'), { recursive: true });
writeFileSync(join(dir, 'roles', 'echoer', 'role.yaml'), 'resources:\n  - command: { cmd: "true {{shown}}" }\n');

/** Plans host h1 (whose role shows the variable `shown` in a command) with `vars` (YAML flow text) and the environment `env`. */
function planned(vars: string, env: Record<string, string>): void {
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, `all:\n  vars: ${vars}\n  roles: [echoer]\n  hosts:\n    h1: { address: 10.0.0.1 }\n`);
  const loaded = loadInventory(inventory, { env });
  const [plan] = buildPlans(loaded, selectHosts(loaded, undefined), { rolesDirs: [join(dir, 'roles')], templateDirs: [], tags: [] });
  expect(plan!.resources).toHaveLength(1);
}

describe('a plain copy of a secret that nothing uses, or of one inside a mapping', () => {
  afterEach(() => clearSecretsForTests());

  it.each([
    ['a secret nothing uses', '{ pw: { secret: PW }, copy: Hunter-77, shown: "{{ copy | upper }}" }', 'HUNTER-77'],
    ['an entry of a mapping', '{ db: { pw: { secret: PW } }, copy: Hunter-77, shown: "{{ copy | upper }}" }', 'HUNTER-77'],
    ['an item of a list', '{ pws: [a-word, { secret: PW }], copy: Hunter-77, shown: "{{ copy | upper }}" }', 'HUNTER-77'],
    ['the entry itself, through the mapping', '{ db: { pw: { secret: PW } }, shown: "{{ db.pw | upper }}" }', 'HUNTER-77'],
  ])('is masked, and so is what a template makes of it: %s', (_, vars, derived) => {
    expect(redact(`true ${derived}`)).toBe(`true ${derived}`);
    planned(vars, { PW: 'Hunter-77' });
    expect(redact(`true ${derived} Hunter-77`)).toBe(`true ${MASK} ${MASK}`);
  });

  it('leaves one that cannot be read unread, and plans (nothing uses it)', () => {
    planned('{ pw: { secret: PW }, copy: Hunter-77, shown: "{{ copy | upper }}" }', {});
    expect(redact('HUNTER-77 Hunter-77')).toBe('HUNTER-77 Hunter-77');
  });
});

describe('a copy of a secret of any type, alone or inside a list or mapping: what a template makes of it is a secret', () => {
  afterEach(() => clearSecretsForTests());

  it.each([
    ['an int', '123456789', '123456789', '{{ copy + 1 }}', '123456790'],
    ['an int, as text', '123456789', '123456789', '{{ copy | string | reverse }}', '987654321'],
    ['a float (1234.0)', '4321.0', '4321.0', '{{ copy * 2 }}', '8642.0'],
    ['an int over 2^53', '12345678901234567890', '12345678901234567890', '{{ copy + 1 }}', '12345678901234567891'],
    ['an item of a list', 'Hunter-77', '[a-word, Hunter-77]', '{{ copy[1] | upper }}', 'HUNTER-77'],
    ['a number in a list', '123456789', '[7, 123456789]', '{{ copy[1] + 1 }}', '123456790'],
    ['a value of a mapping', 'Hunter-77', '{ x: Hunter-77 }', '{{ copy.x | upper }}', 'HUNTER-77'],
    ['a number in a mapping', '123456789', '{ x: 123456789 }', '{{ copy.x - 1 }}', '123456788'],
    ['a key of a mapping', 'Hunter-77', '{ Hunter-77: 1 }', '{{ copy | list | first | upper }}', 'HUNTER-77'],
  ])('%s', (_, secret, copy, template, derived) => {
    // The secret is used too: known however the copies are planned.
    expect(redact(`true ${derived}`)).toBe(`true ${derived}`);
    planned(`{ pw: { secret: PW }, copy: ${copy}, derived: ${JSON.stringify(template)}, shown: "{{ derived }} {{ pw }}" }`, { PW: secret });
    expect(redact(`true ${derived}`)).toBe(`true ${MASK}`);
  });
});
