/**
 * The lab itself: what the end-to-end tests rely on. Runs in the vitest
 * project `lab` (globalSetup boots the lab first).
 */
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  LAB_ADDRESSES,
  LAB_HOSTS,
  LAB_KNOWN_HOSTS,
  PEBBLE_CA_FILE,
  PEBBLE_DIRECTORY_URL,
  fingerprint,
  fingerprintListing,
  labExec,
  labReset,
  labStart,
  labStatus,
  labRun,
  labStop,
  siteState,
} from './lab.js';

const onHost = labRun;

describe('the lab', () => {
  beforeAll(async () => {
    await labReset();
  });

  it('has three hosts up, each with its own name, address and host key', async () => {
    expect(await labStatus()).toEqual({ 'lb-01': 'up', 'web-01': 'up', 'web-02': 'up', pebble: 'up' });
    const knownHosts = readFileSync(LAB_KNOWN_HOSTS, 'utf8').trim().split('\n');
    expect(knownHosts).toHaveLength(3);
    for (const host of LAB_HOSTS) {
      const out = await onHost(host, 'hostname; ip -4 -o addr show eth0 | awk "{print \\$4}"; cut -d" " -f1,2 /etc/ssh/ssh_host_ed25519_key.pub');
      const [name, address, key] = out.trim().split('\n');
      expect(name).toBe(host);
      expect(address).toBe(`${LAB_ADDRESSES[host]}/24`);
      expect(knownHosts).toContain(`${LAB_ADDRESSES[host]} ${key}`);
    }
    expect(new Set(knownHosts.map((l) => l.split(' ')[2])).size).toBe(3);
  });

  it('its reference site is fresh after a reset: npm run demo converges it as is', async () => {
    expect(await siteState()).toBe('fresh');
  });

  it('runs commands as root and returns their exit code and output', async () => {
    expect(await labExec('web-01', 'id -un; echo oops >&2; exit 3')).toEqual({ code: 3, stdout: 'root\n', stderr: 'oops\n' });
  });

  it("hosts reach each other by name, and web-02's deploy user has passwordless sudo", async () => {
    expect(await onHost('lb-01', 'getent hosts web-02')).toMatch(/^10\.77\.0\.13\s+web-02$/m);
    expect(await onHost('web-02', 'su - deploy -c "sudo -n id -un"')).toBe('root\n');
    expect(await onHost('web-02', 'stat -c %a:%U /etc/sudoers.d/deploy /home/deploy/.ssh/authorized_keys')).toBe('440:root\n600:deploy\n');
  });

  it('installs packages from the local repository, and the fingerprint sees it', async () => {
    const before = await fingerprint('lb-01');
    expect(await fingerprint('lb-01')).toBe(before);
    await onHost('lb-01', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx >/dev/null');
    expect(await onHost('lb-01', 'systemctl is-active nginx')).toBe('active\n');
    const listing = await fingerprintListing('lb-01');
    expect(listing).toMatch(/^nginx \S+ ii $/m);
    expect(listing).toMatch(/^nginx\.service$/m);
    expect(await fingerprint('lb-01')).not.toBe(before);
    const afterInstall = await fingerprint('lb-01');
    await onHost('lb-01', 'chmod 0600 /etc/nginx/nginx.conf');
    expect(await fingerprint('lb-01')).not.toBe(afterInstall);
  });

  it('a stopped host is unreachable, and keeps its state when started again', async () => {
    await onHost('web-01', 'echo kept > /etc/lab-marker');
    await labStop('web-01');
    expect((await labStatus())['web-01']).toBe('down');
    expect((await labExec('web-01', 'true')).code).toBe(255);
    expect((await labStatus())['web-02']).toBe('up');
    await labStart('web-01');
    expect(await onHost('web-01', 'cat /etc/lab-marker; systemctl is-system-running')).toBe('kept\nrunning\n');
  });

  it('serves the Pebble ACME directory over HTTPS signed by the lab CA', async () => {
    const ca = readFileSync(PEBBLE_CA_FILE, 'utf8');
    const body = await new Promise<string>((resolve, reject) => {
      get(PEBBLE_DIRECTORY_URL, { ca, timeout: 5_000 }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(JSON.parse(body)).toMatchObject({ newOrder: expect.stringContaining('https://10.77.0.1:14000/') });
  });

  it('refuses an unknown host', async () => {
    await expect(labExec('web-99', 'true')).rejects.toThrow(/unknown lab host 'web-99'/);
  });
});
