/** What an order loads, in a Node process of its own (the test runner's module cache is shared by other files). */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The packages under node_modules that importing the order module loads. */
function packagesLoadedBy(module: string): string[] {
  const script = `await import(${JSON.stringify(module)});
const { createRequire } = await import('node:module');
const loaded = Object.keys(createRequire(import.meta.url).cache).map((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file)?.[1]);
console.log(JSON.stringify([...new Set(loaded.filter(Boolean))]));`;
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]).toString()) as string[];
}

describe('the certificate order', () => {
  it("loads acme-client's client, not its legacy node-forge API", () => {
    const loaded = packagesLoadedBy(fileURLToPath(new URL('./order.ts', import.meta.url)));
    expect(loaded).toContain('acme-client');
    expect(loaded).not.toContain('node-forge');
  }, 30_000);
});
