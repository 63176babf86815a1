/**
 * The parts of ssh2 provision uses, loaded one by one: ssh2's index also loads
 * its server, key generator and HTTP agents (and with them node:http, https and
 * tls), which every run would pay for at start-up and none uses.
 */
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';

// ssh2 is CommonJS without an exports map: its files are reachable by path.
const require = createRequire(import.meta.url);

skipUnusedPoly1305();

/** ssh2's SSH client. */
export const Client = require('ssh2/lib/client.js') as typeof Ssh2.Client;

/** ssh2's parser of OpenSSH, PPK and PEM keys. */
export const { parseKey } = require('ssh2/lib/protocol/keyParser.js') as { parseKey: typeof Ssh2.utils.parseKey };

export type { Client as SshClient, ClientChannel, ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';

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
