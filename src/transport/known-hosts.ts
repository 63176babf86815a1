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

/**
 * Result of looking a host key up. `other-type`: known_hosts records keys for
 * the host, but none of the offered key's type (the host no longer offers the
 * recorded types, or someone else answers).
 */
export type HostKeyVerdict = 'known' | 'unknown' | 'changed' | 'revoked' | 'other-type';

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

/** The name OpenSSH records for a host: `host`, or `[host]:port` off port 22; lower case, as ssh lowercases the host name it looks up and hashes. */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/** The entries recorded for `host`/`port`. */
function entriesFor(entries: KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = knownHostsName(host, port);
  return entries.filter((e) => entryMatches(e.hosts, name));
}

/**
 * Decides whether `keyBlob` (raw SSH public key) is the recorded key for
 * `host`/`port`. Only a key of a type recorded for the host can be "changed":
 * hosts have several keys, one per type, and known_hosts often holds one.
 */
export function verifyHostKey(entries: KnownHostEntry[], host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const key = keyBlob.toString('base64');
  const forHost = entriesFor(entries, host, port);
  if (forHost.some((e) => e.revoked && e.key === key)) return 'revoked';
  const trusted = forHost.filter((e) => !e.revoked);
  if (trusted.some((e) => e.key === key)) return 'known';
  if (trusted.length === 0) return 'unknown';
  const type = keyTypeOf(keyBlob);
  return trusted.some((e) => e.keyType === type) ? 'changed' : 'other-type';
}

/** The key types known_hosts records for `host`/`port` (not revoked), in file order. */
export function recordedKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  return [...new Set(entriesFor(entries, host, port).filter((e) => !e.revoked).map((e) => e.keyType))];
}

// ssh2's own preference order of host key algorithms (ed25519 first).
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** The signature algorithms that prove a key of each type (an RSA key signs with SHA-2 or SHA-1). */
function algorithmsOf(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : HOST_KEY_ALGORITHMS.includes(keyType) ? [keyType] : [];
}

/**
 * Host key algorithms to offer, in preference order: those of the key types
 * already recorded for the host first, then the rest, as OpenSSH does. So a
 * host whose ecdsa key was recorded proves that key rather than its ed25519 one.
 */
export function hostKeyAlgorithms(recordedTypes: readonly string[]): string[] {
  const preferred = recordedTypes.flatMap(algorithmsOf);
  return [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])];
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

/** The text to append to a known_hosts file whose content is `existing`: a line of its own, even after a last line without a newline. */
export function appendedKnownHostsText(existing: string | undefined, line: string): string {
  return existing !== undefined && existing !== '' && !existing.endsWith('\n') ? `\n${line}` : line;
}
