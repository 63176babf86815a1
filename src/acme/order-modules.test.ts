/** What an order loads, in a Node process of its own (the test runner's module cache is shared by other files). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

interface Loaded {
  /** The packages under node_modules that importing the module loaded. */
  packages: string[];
  /** Whether Node's fetch implementation (undici) was loaded. */
  undici: boolean;
  /** Whether the global Request is still Node's lazy getter, and works when read. */
  requestLazy: boolean;
  requestWorks: boolean;
}

/** Imports `module` in a fresh Node process; `then` runs after it (awaited), before what is measured. */
function load(module: string, then = '', nodeOptions: string[] = ['--import', 'tsx']): Loaded {
  const script = `const loadedModule = await import(${JSON.stringify(module)});
${then}
const { createRequire } = await import('node:module');
const loaded = Object.keys(createRequire(import.meta.url).cache).map((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file)?.[1]);
const undici = process.moduleLoadList.some((name) => name.includes('undici'));
const requestLazy = typeof Object.getOwnPropertyDescriptor(globalThis, 'Request')?.get === 'function';
const requestWorks = new Request('http://127.0.0.1/x').url === 'http://127.0.0.1/x';
console.log(JSON.stringify({ packages: [...new Set(loaded.filter(Boolean))], undici, requestLazy, requestWorks }));`;
  return JSON.parse(execFileSync(process.execPath, [...nodeOptions, '--input-type=module', '-e', script]).toString()) as Loaded;
}

describe('the certificate order', () => {
  const order = fileURLToPath(new URL('./order.ts', import.meta.url));

  it("loads acme-client's client, not its legacy node-forge API", () => {
    const { packages } = load(order);
    expect(packages).toContain('acme-client');
    expect(packages).not.toContain('node-forge');
  });

  it("does not load Node's fetch implementation (axios reads its lazy classes as it loads), and leaves them usable", () => {
    const loaded = load(order);
    expect(loaded.packages).toContain('axios');
    expect(loaded.undici).toBe(false);
    expect(loaded.requestLazy).toBe(true);
    expect(loaded.requestWorks).toBe(true);
  });

  it('loads the same from a bundle split as the package\'s "bundle" script splits it (a CommonJS chunk has only a default export)', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'provision-order-bundle-'));
    const banner = "import { createRequire as __provisionRequire } from 'node:module'; const require = __provisionRequire(import.meta.url);";
    await build({ entryPoints: [order], bundle: true, splitting: true, format: 'esm', platform: 'node', outdir, external: ['ssh2', 'cpu-features'], banner: { js: banner }, logLevel: 'silent' });
    const loaded = load(join(outdir, 'order.js'), '', []);
    expect(loaded.undici).toBe(false);
    expect(loaded.requestWorks).toBe(true);
  });

  it('puts the fetch classes back, still lazy and working, when a module throws while loading', () => {
    const webGlobals = fileURLToPath(new URL('./web-globals.ts', import.meta.url));
    const failing = `const failed = await loadedModule.withWebGlobalsHidden(async () => { if (globalThis.Request !== undefined) return 'not hidden'; throw new Error('a module failed'); }).catch((err) => err.message);
if (failed !== 'a module failed') throw new Error('unexpected: ' + failed);`;
    const loaded = load(webGlobals, failing);
    expect(loaded.requestLazy).toBe(true);
    expect(loaded.requestWorks).toBe(true);
  });
});
