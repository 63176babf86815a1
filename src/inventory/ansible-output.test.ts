import { describe, expect, it } from 'vitest';
import { tempFile } from '../../test/fixtures/inventory/fixtures.js';
import { inventoryHost, inventoryList, type InventorySecrets } from './ansible-output.js';
import { loadInventory } from './load.js';
import { MASK } from '../secrets.js';
import type { Inventory } from './types.js';

const SIZE = 2000;
const SECRETS: InventorySecrets = { variables: new Set(), values: new Set(['NotInIt-1']) };

/** A mapping that counts how often its keys are listed: the printer's work on it grows with that count times its size. */
function countingMapping(): { mapping: Record<string, number>; plain: Record<string, number>; listings: () => number } {
  let listings = 0;
  const plain = Object.fromEntries(Array.from({ length: SIZE }, (_, i) => [`k${i}`, i]));
  const mapping = new Proxy({ ...plain }, {
    ownKeys(object) {
      listings++;
      return Reflect.ownKeys(object);
    },
  });
  return { mapping, plain, listings: () => listings };
}

describe('inventory --list/--host print a large mapping in time proportional to its size', () => {
  it.each([
    ['--host', (inventory: Inventory) => JSON.parse(inventoryHost(inventory, 'h1', SECRETS)).m],
    ['--list', (inventory: Inventory) => JSON.parse(inventoryList(inventory, SECRETS))._meta.hostvars.h1.m],
  ])("%s lists a mapping's keys a fixed number of times, not once per key", (_, printedMapping) => {
    const inventory = loadInventory(tempFile('all:\n  hosts:\n    h1: { m: {} }\n'), { env: {} });
    const { mapping, plain, listings } = countingMapping();
    inventory.hosts[0]!.ansibleVars!.m = mapping;
    expect(printedMapping(inventory)).toEqual(plain);
    expect(listings()).toBeLessThan(20);
  });
});

describe('inventory --list/--host print a number, float or boolean whose text holds a secret as the masked string', () => {
  it.each([
    ['an int', 'n: 123456789', '123456789'],
    ['a float, its int part a secret', 'n: 4321.0', '4321'],
    ['a float that is a secret', 'n: 4321.0', '4321.0'],
    ['an int over 2^53', 'n: 12345678901234567890', '12345678901234567890'],
    ['a boolean (a SOPS bool secret reads as its text)', 'n: true', 'true'],
    ['in a list', 'n: [7, 4321.0]', '4321'],
  ])('%s', (_, vars, secret) => {
    const inventory = loadInventory(tempFile(`all:\n  hosts:\n    h1: { ${vars} }\n`), { env: {} });
    const secrets: InventorySecrets = { variables: new Set(), values: new Set([secret]) };
    for (const printed of [JSON.parse(inventoryHost(inventory, 'h1', secrets)).n, JSON.parse(inventoryList(inventory, secrets))._meta.hostvars.h1.n]) {
      expect(printed).toEqual(Array.isArray(printed) ? [7, MASK] : MASK);
    }
  });
});
