/** How ssh2 is loaded: after its unused WebAssembly is kept out (see below). */
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';
import type * as NodeSsh from 'node-ssh';

// ssh2 is CommonJS without an exports map: its files are reachable by path.
const require = createRequire(import.meta.url);

/** ssh2 (its key parser is used to read SSH keys for age). Loaded on first use, never by a static import: those are evaluated before any code of the bundle runs. */
export function loadSsh2(): typeof Ssh2 {
  skipUnusedPoly1305();
  return require('ssh2') as typeof Ssh2;
}

/** node-ssh, the SSH client of the transport; loaded on first connect, after the same step. */
export async function loadNodeSsh(): Promise<typeof NodeSsh> {
  skipUnusedPoly1305();
  return import('node-ssh');
}

let skipped = false;

/**
 * ssh2 computes chacha20-poly1305 in its native binding when that is built,
 * and in JavaScript with a WebAssembly Poly1305 only when it is not; but it
 * instantiates the WebAssembly module as it loads either way (about 3.6 MiB of
 * the run's peak memory, for nothing). When the binding is there and does
 * chacha20-poly1305 itself, that module's place in require's cache is taken by
 * a stand-in that is never called (ssh2 picks its JavaScript cipher only when
 * the binding lacks one). Without the binding, nothing changes.
 */
function skipUnusedPoly1305(): void {
  if (skipped) return;
  skipped = true;
  let wasm: string;
  try {
    const binding = require('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node') as { ChaChaPolyCipher?: unknown; ChaChaPolyDecipher?: unknown };
    if (typeof binding.ChaChaPolyCipher !== 'function' || typeof binding.ChaChaPolyDecipher !== 'function') return;
    wasm = require.resolve('ssh2/lib/protocol/crypto/poly1305.js');
  } catch {
    return;
  }
  if (require.cache[wasm]) return;
  const unused = (): never => {
    throw new Error("ssh2's WebAssembly Poly1305 was not loaded: its native binding does chacha20-poly1305");
  };
  const standIn = { _malloc: () => 0, cwrap: () => unused };
  require.cache[wasm] = { id: wasm, filename: wasm, loaded: true, exports: () => Promise.resolve(standIn) } as unknown as NodeJS.Module;
}
