import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadNodeSsh, loadSsh2 } from './ssh2-loader.js';

const require = createRequire(import.meta.url);

describe('ssh2 and node-ssh, loaded through the transport', () => {
  it("do not instantiate ssh2's WebAssembly Poly1305 when its native binding does chacha20-poly1305", async () => {
    const { NodeSSH } = await loadNodeSsh();
    expect(typeof new NodeSSH().connect).toBe('function');
    expect(typeof loadSsh2().utils.parseKey).toBe('function');
    const binding = require('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node') as { ChaChaPolyCipher?: unknown };
    expect(typeof binding.ChaChaPolyCipher).toBe('function');
    const wasm = require.cache[require.resolve('ssh2/lib/protocol/crypto/poly1305.js')];
    expect(wasm).toBeDefined();
    // The real module is Emscripten's loader; the stand-in is a plain function that never compiles WebAssembly.
    expect(String(wasm?.exports)).not.toMatch(/WebAssembly/);
  });
});
