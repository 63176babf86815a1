import { createHash, createHmac } from 'node:crypto';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  /** Comma-separated host patterns, or a hashed `|1|salt|hash` entry. */
  hosts: string;
  /** Key type, e.g. ssh-ed25519. */
  keyType: string;
  /** Base64 key blob. */
  key: string;
  /** `@revoked` marks a key that must never be accepted. */
  revoked: boolean;
}

/** Result of looking a host key up. */
export type HostKeyVerdict = 'known' | 'unknown' | 'changed' | 'revoked';

/** Parses known_hosts text, skipping comments, blank lines and @cert-authority lines. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]?.startsWith('@')) {
      const marker = fields.shift();
      if (marker === '@cert-authority') continue;
      revoked = marker === '@revoked';
    }
    const [hosts, keyType, key] = fields;
    if (hosts && keyType && key) entries.push({ hosts, keyType, key, revoked });
  }
  return entries;
}

/** The name OpenSSH records for a host: `host`, or `[host]:port` off port 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Decides whether `keyBlob` (raw SSH public key) is the recorded key for `host`/`port`. */
export function verifyHostKey(entries: KnownHostEntry[], host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const key = keyBlob.toString('base64');
  const forHost = entries.filter((e) => entryMatches(e.hosts, name));
  if (forHost.some((e) => e.revoked && e.key === key)) return 'revoked';
  if (forHost.some((e) => !e.revoked && e.key === key)) return 'known';
  return forHost.some((e) => !e.revoked) ? 'changed' : 'unknown';
}

function entryMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (globMatches(negated ? pattern.slice(1) : pattern, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** OpenSSH-style pattern: `*` any run, `?` one character, case-insensitive. */
export function globMatches(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(keyBlob: Buffer): string {
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** OpenSSH's SHA256 fingerprint of a key blob, e.g. `SHA256:abc...`. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The known_hosts line that records `keyBlob` for `host`/`port`. */
export function knownHostsLine(host: string, port: number, keyBlob: Buffer): string {
  return `${knownHostsName(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}\n`;
}
