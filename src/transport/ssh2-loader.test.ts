import { createRequire } from 'node:module';
import { createServer } from 'node:net';
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

  it("load only ssh2's client and key parser: not its server, key generator or HTTP agents", async () => {
    const { NodeSSH } = await loadNodeSsh();
    const ssh2 = loadSsh2();
    expect(Object.keys(ssh2)).toEqual(['Client', 'utils']);
    expect(Object.keys(ssh2.utils)).toEqual(['parseKey']);
    for (const file of ['server.js', 'keygen.js', 'http-agents.js']) expect(require.cache[require.resolve(`ssh2/lib/${file}`)]).toBeUndefined();
    expect(ssh2.utils.parseKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl')).not.toBeInstanceOf(Error);
    // node-ssh's client, from that module, really connects: a loopback port that closes at once ends the handshake.
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    try {
      await expect(new NodeSSH().connect({ host: '127.0.0.1', port, username: 'nobody', password: 'x', readyTimeout: 5000 })).rejects.toThrow('Connection lost before handshake');
    } finally {
      server.close();
    }
  });
});
