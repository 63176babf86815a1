/**
 * Bech32 (BIP 173) as age writes its keys: `age1…` recipients and
 * `AGE-SECRET-KEY-1…` identities (all upper case), without BIP 173's length
 * limit. Mixed case, a bad checksum or non-zero padding is an Error.
 */
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i]!;
  }
  return chk >>> 0;
}

function expandPrefix(prefix: string): number[] {
  const codes = [...prefix].map((c) => c.charCodeAt(0));
  return [...codes.map((c) => c >>> 5), 0, ...codes.map((c) => c & 31)];
}

/** Regroups bits; from 8 to 5 pads the end with zeros, from 5 to 8 refuses padding that is not zero or too long. */
function regroup(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    acc = (acc << from) | data[i]!;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & ((1 << to) - 1));
    }
    acc &= (1 << bits) - 1;
  }
  if (pad && bits > 0) out.push((acc << (to - bits)) & ((1 << to) - 1));
  if (!pad && (bits >= from || acc !== 0)) throw new Error('bech32: invalid padding');
  return out;
}

/** The prefix (lower case) and bytes of a bech32 string. */
export function bech32Decode(text: string): { prefix: string; bytes: Uint8Array } {
  const lower = text.toLowerCase();
  if (text !== lower && text !== text.toUpperCase()) throw new Error('bech32: mixed case');
  const split = lower.lastIndexOf('1');
  if (split < 1 || lower.length - split - 1 < 6) throw new Error('bech32: no separator or checksum');
  const prefix = lower.slice(0, split);
  if (![...prefix].every((c) => c >= '!' && c <= '~')) throw new Error('bech32: invalid prefix');
  const values = [...lower.slice(split + 1)].map((c) => CHARSET.indexOf(c));
  if (values.some((v) => v < 0)) throw new Error('bech32: invalid character');
  if (polymod([...expandPrefix(prefix), ...values]) !== 1) throw new Error('bech32: invalid checksum');
  return { prefix, bytes: Uint8Array.from(regroup(values.slice(0, -6), 5, 8, false)) };
}

/** `bytes` as bech32 with `prefix` (lower case). */
export function bech32Encode(prefix: string, bytes: Uint8Array): string {
  const values = regroup(bytes, 8, 5, true);
  const chk = polymod([...expandPrefix(prefix), ...values, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (chk >>> (5 * (5 - i))) & 31);
  return `${prefix}1${[...values, ...checksum].map((v) => CHARSET[v]).join('')}`;
}
