/** How ssh2 is loaded: after its unused WebAssembly is kept out (see below). */
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';
import type * as NodeSsh from 'node-ssh';

// ssh2 is CommonJS without an exports map: its files are reachable by path.
const require = createRequire(import.meta.url);

/** What provision uses of ssh2: its client (through node-ssh) and its key parser (to read SSH keys for age). */
export type Ssh2Used = Pick<typeof Ssh2, 'Client'> & { utils: Pick<typeof Ssh2.utils, 'parseKey'> };

/** ssh2 (its key parser is used to read SSH keys for age). Loaded on first use, never by a static import: those are evaluated before any code of the bundle runs. */
export function loadSsh2(): Ssh2Used {
  prepareSsh2();
  return require('ssh2') as Ssh2Used;
}

/** node-ssh, the SSH client of the transport; loaded on first connect, after the same steps. */
export async function loadNodeSsh(): Promise<typeof NodeSsh> {
  prepareSsh2();
  return import('node-ssh');
}

let prepared = false;

function prepareSsh2(): void {
  if (prepared) return;
  prepared = true;
  skipUnusedPoly1305();
  loadOnlyWhatIsUsed();
}

/**
 * ssh2's index loads all of ssh2: its server, its key generator, its HTTP
 * agents (and with them node:http, https and tls). provision uses its client
 * and key parser, and node-ssh only its client; the first connect of every
 * run, on the way to the hosts, loads it. So the index's place in require's
 * cache is taken by a module of those two, before anything requires it.
 */
function loadOnlyWhatIsUsed(): void {
  const index = require.resolve('ssh2');
  if (require.cache[index]) return;
  const used: Ssh2Used = {
    Client: require('ssh2/lib/client.js') as Ssh2Used['Client'],
    utils: { parseKey: (require('ssh2/lib/protocol/keyParser.js') as Ssh2Used['utils']).parseKey },
  };
  require.cache[index] = { id: index, filename: index, loaded: true, exports: used } as unknown as NodeJS.Module;
}

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
