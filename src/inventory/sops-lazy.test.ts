/** Start-up stays fast: the SOPS and age code is imported only by an inventory that names a SOPS file. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { ageKey, envWith, scratchDir, writeSops } from '../../test/support/sops.js';
import { loadInventoryWithSecrets } from './sops-secrets.js';

const sopsModule = vi.hoisted(() => ({ imported: 0 }));
vi.mock('../sops/index.js', async (importOriginal) => {
  sopsModule.imported++;
  return importOriginal();
});

it('an inventory without SOPS references never imports the SOPS code; one with them does', async () => {
  const dir = scratchDir();
  const inventory = (name: string, vars: string): string => {
    const file = join(dir, name);
    writeFileSync(file, `all:\n  vars:\n    ${vars}\n  hosts:\n    h1:\n`);
    return file;
  };
  await loadInventoryWithSecrets(inventory('env.yaml', 'a: { secret: FROM_ENV }'), { env: { FROM_ENV: 'value' } });
  expect(sopsModule.imported).toBe(0);
  // The SOPS test support imports the SOPS code directly, not through the mocked index: it does not count.
  const key = await ageKey(dir);
  await writeSops(dir, 's.sops.yaml', 'a: bbbb\n', [key.recipient]);
  await loadInventoryWithSecrets(inventory('sops.yaml', 'a: { secret: { sops: s.sops.yaml, key: a } }'), { env: envWith(dir, { SOPS_AGE_KEY_FILE: key.file }) });
  expect(sopsModule.imported).toBe(1);
});
