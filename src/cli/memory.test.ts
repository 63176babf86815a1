/** The CLI's heap setting, in a process of its own (the test runner's heap has grown already). */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The young generation's size after a burst of short-lived objects, with or without the CLI's memory module loaded first. */
function newSpaceKb(withModule: boolean): number {
  const module = fileURLToPath(new URL('./memory.ts', import.meta.url));
  const script = `${withModule ? `await import(${JSON.stringify(module)});` : ''}
const v8 = await import('node:v8');
let keep = [];
for (let i = 0; i < 300000; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 20000) keep = []; }
console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1024);`;
  return Number(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]).toString().trim());
}

describe('the CLI keeps the young generation small', () => {
  it.each([
    ['without the setting, a burst grows it', false, (kb: number) => expect(kb).toBeGreaterThan(4096)],
    ['with it, it stays at its initial size', true, (kb: number) => expect(kb).toBeLessThanOrEqual(4096)],
  ])('%s', (_, withModule, check) => {
    check(newSpaceKb(withModule));
  });
});
