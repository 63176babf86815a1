/** The CLI's heap and compiler settings, in a process of its own (the test runner's heap has grown already). */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** What `script` prints in a new Node process, with or without the CLI's memory module loaded first. */
function run(withModule: boolean, script: string, nodeFlags: string[] = []): string {
  const module = fileURLToPath(new URL('./memory.ts', import.meta.url));
  const text = `${withModule ? `await import(${JSON.stringify(module)});` : ''}\n${script}`;
  return execFileSync(process.execPath, [...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', text]).toString().trim();
}

/** The young generation's size after a burst of short-lived objects. */
function newSpaceKb(withModule: boolean): number {
  return Number(
    run(
      withModule,
      `const v8 = await import('node:v8');
let keep = [];
for (let i = 0; i < 300000; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 20000) keep = []; }
console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1024);`,
    ),
  );
}

/** The tier a hot function runs in after 20000 calls. */
function hotFunctionTier(withModule: boolean): string {
  const script = `function hot(n) { let s = 0; for (let i = 0; i < n; i++) s += i * i; return s; }
for (let i = 0; i < 20000; i++) hot(100);
console.log(%ActiveTierIsTurbofan(hot) ? 'turbofan' : %ActiveTierIsSparkplug(hot) ? 'sparkplug' : %ActiveTierIsIgnition(hot) ? 'interpreter' : 'other');`;
  return run(withModule, script, ['--allow-natives-syntax']);
}

describe('the CLI keeps the young generation small', () => {
  it.each([
    ['without the setting, a burst grows it', false, (kb: number) => expect(kb).toBeGreaterThan(4096)],
    ['with it, it stays at its initial size', true, (kb: number) => expect(kb).toBeLessThanOrEqual(4096)],
  ])('%s', (_, withModule, check) => {
    check(newSpaceKb(withModule));
  });
});

/** The heap's largest size (MB) over rounds that each promote a batch of objects and then drop most of it. */
function heapPeakMb(withModule: boolean): number {
  return Number(
    run(
      withModule,
      `let peak = 0;
const keep = [];
for (let round = 0; round < 30; round++) {
  const batch = [];
  for (let i = 0; i < 60000; i++) batch.push({ a: i, b: 'x' + i, c: [i] });
  keep.push(batch.slice(0, 2000));
  peak = Math.max(peak, process.memoryUsage().heapTotal);
}
console.log(peak / 1048576);`,
    ),
  );
}

describe('the CLI grows the old generation in small steps', () => {
  it.each([
    ['without the setting, dropped data piles up before a full collection', false, (mb: number) => expect(mb).toBeGreaterThan(80)],
    ['with it, the heap stays near what is in use', true, (mb: number) => expect(mb).toBeLessThan(80)],
  ])('%s', (_, withModule, check) => {
    check(heapPeakMb(withModule));
  });
});

describe('the CLI runs JavaScript in the interpreter only', () => {
  it.each([
    ['without the setting, a hot function is optimized', false, 'turbofan'],
    ['with it, it stays in the interpreter', true, 'interpreter'],
    // A new Node process with tsx: seconds on a loaded machine.
  ])('%s', (_, withModule, tier) => {
    expect(hotFunctionTier(withModule)).toBe(tier);
  });
});
