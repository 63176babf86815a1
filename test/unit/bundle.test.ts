/**
 * What the package's "bundle" script puts in the bundle: age's code, working for
 * every recipient type, and the Handlebars runtime, bundled, not required file
 * by file from node_modules.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateHybridIdentity, identityToRecipient } from 'age-encryption';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { unwrapDataKey } from '../../src/sops/age.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AGE = join(ROOT, 'src/sops/age.ts');
const RENDER = join(ROOT, 'src/roles/render.ts');

/** `entry` bundled as the script bundles it (its externals): the output file and the files it holds. */
async function bundled(entry: string): Promise<{ file: string; inputs: string[] }> {
  const outdir = mkdtempSync(join(tmpdir(), 'provision-bundle-'));
  const { metafile } = await build({
    entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outdir, absWorkingDir: ROOT, metafile: true,
    external: ['ssh2', 'cpu-features'], logLevel: 'silent',
  });
  return { file: join(outdir, basename(entry).replace(/\.ts$/, '.js')), inputs: Object.keys(metafile.inputs) };
}

describe("the bundle's age", () => {
  it('still encrypts for a post-quantum (ML-KEM-768 + X25519) recipient, and age as installed decrypts it', async () => {
    const { file } = await bundled(AGE);
    const identity = await generateHybridIdentity();
    const recipient = await identityToRecipient(identity);
    expect(recipient).toMatch(/^age1pq1/);
    const script = `const age = await import(${JSON.stringify(file)});
const enc = await age.wrapDataKey(new Uint8Array(32).fill(7), age.parseRecipient(${JSON.stringify(recipient)}));
const back = await age.unwrapDataKey(enc, [${JSON.stringify(identity)}]);
console.log(JSON.stringify({ enc, back: Buffer.from(back.dataKey).toString('hex') }));`;
    const { enc, back } = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script]).toString()) as { enc: string; back: string };
    expect(back).toBe('07'.repeat(32));
    expect(await unwrapDataKey(enc, [identity])).toEqual({ dataKey: new Uint8Array(32).fill(7) });
  }, 60_000);
});

describe("the bundle's Handlebars runtime", () => {
  it('is in the bundle, not left to a require from node_modules at run time', async () => {
    const { file, inputs } = await bundled(RENDER);
    expect(inputs).toContain('node_modules/handlebars/dist/cjs/handlebars.runtime.js');
    expect(readFileSync(file, 'utf8')).not.toMatch(/\(["']handlebars\/runtime["']\)/);
  }, 60_000);
});
