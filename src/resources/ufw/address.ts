/**
 * Addresses written the way ufw writes them in its rules files (ufw's
 * util.normalize_address), so that a declared rule compares equal to the one
 * ufw stored, however either was spelt.
 */
import { isIPv4, SocketAddress } from 'node:net';

/** IPv4 or IPv6. */
export type Family = 'v4' | 'v6';

/** A normalised address or network. */
export interface Address {
  /** As ufw stores it: "10.77.0.12" (no /32), "10.0.0.0/8" (host bits cleared), "fd00::1/64" (IPv6 keeps them). */
  text: string;
  /** Its family. */
  family: Family;
}

/** How a tuple line writes "anywhere" in each family. */
export const ANYWHERE: Readonly<Record<Family, string>> = { v4: '0.0.0.0/0', v6: '::/0' };

/** Whether a tuple address is "anywhere" (of either family). */
export function isAnywhere(text: string): boolean {
  return text === ANYWHERE.v4 || text === ANYWHERE.v6;
}

/** An IPv4/IPv6 address or CIDR network in ufw's form, or undefined when it is neither (a host name, a typo). */
export function normaliseAddress(input: string): Address | undefined {
  const [host = '', prefix, ...rest] = input.split('/');
  if (rest.length > 0 || (prefix !== undefined && !/^(0|[1-9][0-9]{0,2})$/.test(prefix))) return undefined;
  const bits = prefix === undefined ? undefined : Number(prefix);
  if (isIPv4(host)) return bits === undefined || bits <= 32 ? { text: ipv4(host, bits ?? 32), family: 'v4' } : undefined;
  if (isIpv6Address(host)) return bits === undefined || bits <= 128 ? { text: ipv6(host, bits ?? 128), family: 'v6' } : undefined;
  return undefined;
}

/**
 * Whether `host` is an IPv6 address without a zone index (fe80::1%eth0 is not
 * an address ufw takes). Parsed by libuv's inet_pton through SocketAddress:
 * node's isIPv6 is a long regular expression that costs the CLI's
 * interpreter-only V8 ~9 ms to compile and ~0.5 ms per call, and every IPv6
 * tuple of a ufw probe asks twice. The parser reads a C string: a NUL would
 * end the text early, so it is refused here.
 */
function isIpv6Address(host: string): boolean {
  if (host.includes('%') || host.includes('\0')) return false;
  try {
    new SocketAddress({ address: host, family: 'ipv6' });
    return true;
  } catch {
    return false;
  }
}

function ipv4(host: string, bits: number): string {
  const value = host.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  if (bits === 32) return dotted(value);
  // ufw stores the network: 10.1.2.3/8 becomes 10.0.0.0/8.
  const size = 2 ** (32 - bits);
  return `${dotted(Math.floor(value / size) * size)}/${bits}`;
}

function dotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function ipv6(host: string, bits: number): string {
  const text = formatIpv6(ipv6Words(host));
  return bits === 128 ? text : `${text}/${bits}`;
}

/** The eight 16-bit words of a valid IPv6 address (with `::` and an IPv4 tail expanded). */
function ipv6Words(host: string): number[] {
  const groups = (side: string): number[] =>
    side === '' ? [] : side.split(':').flatMap((g) => (g.includes('.') ? ipv4Pair(g) : [parseInt(g, 16)]));
  const [left = '', right] = host.split('::');
  if (right === undefined) return groups(left);
  const head = groups(left);
  const tail = groups(right);
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

function ipv4Pair(dottedQuad: string): number[] {
  const [a = 0, b = 0, c = 0, d = 0] = dottedQuad.split('.').map(Number);
  return [a * 256 + b, c * 256 + d];
}

/**
 * glibc's inet_ntop, which ufw's Python uses: lower-case hex, the first longest
 * run of two or more zero words as `::`, and ::a.b.c.d / ::ffff:a.b.c.d for
 * IPv4-compatible and IPv4-mapped addresses.
 */
function formatIpv6(words: readonly number[]): string {
  let best = { base: -1, len: 0 };
  let run = { base: -1, len: 0 };
  words.forEach((word, i) => {
    if (word === 0) run = run.base === -1 ? { base: i, len: 1 } : { base: run.base, len: run.len + 1 };
    else run = { base: -1, len: 0 };
    if (run.len > best.len) best = run;
  });
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += [words[6]!, words[7]!].flatMap((w) => [w >> 8, w & 0xff]).join('.');
      return out;
    }
    out += words[i]!.toString(16);
  }
  return best.base !== -1 && best.base + best.len === 8 ? `${out}:` : out;
}
