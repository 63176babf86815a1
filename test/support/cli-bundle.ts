/**
 * vitest globalSetup of the unit project: bundles the CLI from the current
 * sources once (esbuild, as `npm run bundle` does from dist/), so the tests
 * that run the CLI as a process start plain JavaScript: a CLI under tsx spent
 * most of its time compiling, in each of its many starts. The bundle sits two
 * directories below the package root, as dist/bundle/provision.js does (the
 * CLI finds roles/ and templates/ from there), in node_modules (never packed,
 * and ssh2 resolves from there); a directory per run, so two runs at once
 * never share one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bundled CLI: run it as `node <path> ARGS`. */
    provisionCli: string;
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export default async function setup(project: TestProject): Promise<() => void> {
  const outdir = mkdtempSync(join(ROOT, 'node_modules', '.provision-test-cli-'));
  await build({
    entryPoints: [join(ROOT, 'src/cli/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    splitting: true,
    outdir,
    entryNames: 'provision',
    chunkNames: 'chunk-[hash]',
    external: ['ssh2', 'cpu-features'],
    logLevel: 'warning',
    // The bundle's CommonJS dependencies call require (as in package.json's bundle script).
    banner: { js: "import { createRequire as __provisionRequire } from 'node:module'; const require = __provisionRequire(import.meta.url);" },
  });
  project.provide('provisionCli', join(outdir, 'provision.js'));
  return () => rmSync(outdir, { recursive: true, force: true });
}
