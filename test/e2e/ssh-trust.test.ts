import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAB_ADDRESSES, LAB_SSH_KEY, labRun } from '../lab/lab.js';
import { provision } from './cli.js';

/** An inventory of lb-01 alone whose known_hosts file holds `knownHosts`. */
function inventoryTrusting(knownHosts: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'provision-trust-'));
  writeFileSync(join(dir, 'known_hosts'), knownHosts);
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, `all:\n  hosts:\n    lb-01:\n      address: ${LAB_ADDRESSES['lb-01']}\n      ssh_private_key_file: ${LAB_SSH_KEY}\n      ssh_known_hosts_file: known_hosts\n`);
  return inventory;
}

/** lb-01's public host key of one type, as a known_hosts line (its sshd has ed25519, ecdsa and rsa keys). */
async function knownHostsLine(type: 'ecdsa' | 'rsa'): Promise<string> {
  const [keyType, key] = (await labRun('lb-01', `cat /etc/ssh/ssh_host_${type}_key.pub`)).trim().split(/\s+/);
  return `${LAB_ADDRESSES['lb-01']} ${keyType} ${key}\n`;
}

describe('host keys: the types known_hosts records are the ones negotiated', () => {
  it.each(['ecdsa', 'rsa'] as const)('a host pinned by its %s key only is trusted', async (type) => {
    const run = await provision(['exec', inventoryTrusting(await knownHostsLine(type)), '--', 'echo trusted']);
    expect(run.stderr).not.toContain('HOST KEY CHANGED');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('lb-01 | ok\ntrusted');
  });

  it('another key of the recorded type is still refused as changed', async () => {
    const [keyType, key] = (await knownHostsLine('ecdsa')).trim().split(/\s+/).slice(1);
    // The same key type with other key bytes: what an impostor with its own ecdsa key shows.
    const bytes = Buffer.from(key!, 'base64');
    bytes[bytes.length - 1]! ^= 0xff;
    const run = await provision(['exec', inventoryTrusting(`${LAB_ADDRESSES['lb-01']} ${keyType} ${bytes.toString('base64')}\n`), '--', 'echo trusted']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('HOST KEY CHANGED');
    expect(run.stdout).not.toContain('trusted\n');
  });
});
