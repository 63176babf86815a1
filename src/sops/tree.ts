/**
 * The values of a SOPS document, walked as sops walks them: mapping keys build
 * the path (list items add nothing), the top-level `sops` key is metadata, and
 * null values are skipped. The MAC is SHA-512 over every value in that order.
 */
import { createHash } from 'node:crypto';
import { isAlias, isMap, isScalar, isSeq, Scalar, type Document, type Node } from 'yaml';
import { decryptValue, encryptValue, macBytes, ValueError, type IvStash, type Leaf } from './value-cipher.js';

/** The top-level key holding a SOPS file's metadata. */
export const METADATA_KEY = 'sops';

/** sops' rule for which values a file encrypts (one per file). */
export interface EncryptionRule {
  kind: 'unencrypted_suffix' | 'encrypted_suffix' | 'unencrypted_regex' | 'encrypted_regex';
  value: string;
}

/** sops' default: every value except under keys ending in `_unencrypted`. */
export const DEFAULT_RULE: EncryptionRule = { kind: 'unencrypted_suffix', value: '_unencrypted' };

/** The first bytes of the hash when the MAC covers only encrypted values (sops' `mac_only_encrypted`: sha256("sops")). */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

/** A problem with one node of the document. */
export class TreeError extends Error {
  constructor(
    message: string,
    /** The node it is about, for its position. */
    readonly node: Node | undefined,
  ) {
    super(message);
  }
}

/** Whether the value at `path` is encrypted under `rule`. */
export function isEncryptedPath(rule: EncryptionRule, path: readonly string[]): boolean {
  switch (rule.kind) {
    case 'unencrypted_suffix':
      return !path.some((key) => key.endsWith(rule.value));
    case 'encrypted_suffix':
      return path.some((key) => key.endsWith(rule.value));
    case 'unencrypted_regex':
      return !path.some((key) => new RegExp(rule.value).test(key));
    case 'encrypted_regex':
      return path.some((key) => new RegExp(rule.value).test(key));
  }
}

/** One value of the document with its key path. */
interface LeafSite {
  path: string[];
  node: Scalar;
}

/** Every non-null value in document order, outside the metadata. */
function leafSites(doc: Document): LeafSite[] {
  const root = doc.contents;
  if (!isMap(root)) throw new TreeError('expected a mapping at the top of the file (sops supports no other document)', root ?? undefined);
  const sites: LeafSite[] = [];
  const visit = (node: unknown, path: string[]): void => {
    if (isAlias(node)) throw new TreeError('aliases (*name) are not supported in SOPS files: write the value out', node);
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = keyOf(pair.key);
        if (path.length === 0 && key === METADATA_KEY) continue;
        visit(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item, path);
    } else if (isScalar(node) && node.value !== null && node.value !== undefined) {
      sites.push({ path, node });
    }
  };
  visit(root, []);
  return sites;
}

function keyOf(key: unknown): string {
  if (isScalar(key) && typeof key.value === 'string') return key.value;
  throw new TreeError(`expected a string key (sops supports no other keys), got ${isScalar(key) ? JSON.stringify(String(key.value)) : 'a collection'}: quote it`, key as Node);
}

/** A scalar's value as a leaf: integers as bigint (as written, so large ones stay exact), other numbers as floats. */
export function leafOf(node: Scalar): Leaf {
  const value: unknown = node.value;
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    const source = typeof node.source === 'string' ? node.source : String(value);
    const int = /^([+-]?)(0x[0-9a-fA-F]+|0o[0-7]+|\d+)$/.exec(source);
    if (Number.isInteger(value) && int) {
      const magnitude = BigInt(int[2]!);
      return int[1] === '-' ? -magnitude : magnitude;
    }
    return value;
  }
  throw new TreeError(`expected a string, number or boolean, got ${typeof value}`, node);
}

/** What walking the values gives: the MAC over them (uppercase hex, as sops). */
function macOf(parts: Buffer[], macOnlyEncrypted: boolean): string {
  const hash = createHash('sha512');
  if (macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  for (const part of parts) hash.update(part);
  return hash.digest('hex').toUpperCase();
}

/** How a tree is encrypted or decrypted. */
export interface TreeCrypto {
  key: Buffer;
  rule: EncryptionRule;
  macOnlyEncrypted: boolean;
  /** IVs of decrypted values, reused for unchanged values when encrypting again. */
  stash?: IvStash;
}

/** Encrypts the document's values (and comments) in place; returns the MAC of the plain values. */
export function encryptTree(doc: Document, crypto: TreeCrypto): string {
  const parts: Buffer[] = [];
  for (const { path, node } of leafSites(doc)) {
    const leaf = leafOf(node);
    const encrypted = isEncryptedPath(crypto.rule, path);
    if (encrypted || !crypto.macOnlyEncrypted) parts.push(macBytes(leaf));
    if (encrypted) setText(node, encryptValue(leaf, crypto.key, aadOf(path), crypto.stash));
  }
  for (const site of commentSites(doc)) {
    if (!isEncryptedPath(crypto.rule, site.path)) continue;
    site.set(site.get().map((line) => encryptValue({ comment: line }, crypto.key, aadOf(site.path), crypto.stash)));
  }
  return macOf(parts, crypto.macOnlyEncrypted);
}

/**
 * Decrypts the document's values (and the comments it can) in place; returns
 * the MAC of the plain values. Throws TreeError at the first value that does
 * not decrypt.
 */
export function decryptTree(doc: Document, crypto: TreeCrypto): string {
  const parts: Buffer[] = [];
  for (const { path, node } of leafSites(doc)) {
    const encrypted = isEncryptedPath(crypto.rule, path);
    let leaf = leafOf(node);
    if (encrypted) {
      if (typeof leaf !== 'string') throw new TreeError(`${path.join('.')}: expected an encrypted value, got a plain ${typeof leaf === 'boolean' ? 'boolean' : 'number'}`, node);
      try {
        const plain = decryptValue(leaf, crypto.key, aadOf(path), crypto.stash);
        if (typeof plain === 'object') throw new ValueError('is a comment, not a value');
        leaf = plain;
      } catch (err) {
        if (err instanceof ValueError) throw new TreeError(`${path.join('.')}: the value ${err.message}`, node);
        throw err;
      }
      setLeaf(node, leaf);
    }
    if (encrypted || !crypto.macOnlyEncrypted) parts.push(macBytes(leaf));
  }
  for (const site of commentSites(doc)) {
    if (isEncryptedPath(crypto.rule, site.path)) site.set(site.get().map((line) => decryptComment(line, site.candidates, crypto)));
  }
  return macOf(parts, crypto.macOnlyEncrypted);
}

/** The additional data of a value: its key path, `a:b:` (sops). */
function aadOf(path: readonly string[]): string {
  return `${path.join(':')}:`;
}

function setText(node: Scalar, text: string): void {
  node.value = text;
  node.type = Scalar.PLAIN;
}

/** A decrypted value back into its scalar, written so it reads back as the same type (3.0 stays a float). */
function setLeaf(node: Scalar, leaf: Leaf): void {
  node.value = leaf;
  node.type = undefined;
  if (typeof leaf === 'number' && Number.isInteger(leaf)) node.minFractionDigits = 1;
}

/**
 * A comment line that does not decrypt at any path it may belong to is kept as it
 * is (sops does the same: a comment written before sops encrypted comments).
 */
function decryptComment(line: string, candidates: string[][], crypto: TreeCrypto): string {
  for (const path of candidates) {
    try {
      const plain = decryptValue(line, crypto.key, aadOf(path), crypto.stash);
      if (typeof plain === 'object') return plain.comment;
    } catch {
      // not at this path
    }
  }
  return line;
}

/** A place that holds comment lines, and the key path sops encrypts them with. */
interface CommentSite {
  path: string[];
  /** Paths to try when decrypting, the most likely first (yaml and sops attach some comments to different nodes). */
  candidates: string[][];
  get(): string[];
  set(lines: string[]): void;
}

/**
 * Every comment of the document: sops encrypts a comment with the path of the
 * mapping or list that holds it.
 */
function commentSites(doc: Document): CommentSite[] {
  const sites: CommentSite[] = [];
  const add = (holder: { commentBefore?: string | null; comment?: string | null }, path: string[], own: string[]): void => {
    for (const field of ['commentBefore', 'comment'] as const) {
      const text = holder[field];
      if (typeof text !== 'string' || text === '') continue;
      const candidates = [path, ...prefixes(own).filter((p) => p.length !== path.length)];
      sites.push({ path, candidates, get: () => text.split('\n'), set: (lines) => (holder[field] = lines.join('\n')) });
    }
  };
  add(doc, [], []);
  const visit = (node: unknown, path: string[], isRoot: boolean): void => {
    if (isMap(node) || isSeq(node)) {
      if (!isRoot) add(node, path, path);
      for (const item of node.items) {
        if (isMap(node) && 'key' in (item as object)) {
          const pair = item as { key: unknown; value: unknown };
          const key = isScalar(pair.key) ? String(pair.key.value) : '';
          if (path.length === 0 && key === METADATA_KEY) continue;
          if (isScalar(pair.key)) add(pair.key, path, [...path, key]);
          if (isScalar(pair.value)) add(pair.value, path, [...path, key]);
          else visit(pair.value, [...path, key], false);
        } else if (isScalar(item)) {
          add(item, path, path);
        } else {
          visit(item, path, false);
        }
      }
    }
  };
  if (isMap(doc.contents)) add(doc.contents, [], []);
  visit(doc.contents, [], true);
  return sites;
}

/** A path and every shorter path: [a, b] → [a, b], [a], []. */
function prefixes(path: string[]): string[][] {
  return Array.from({ length: path.length + 1 }, (_, i) => path.slice(0, path.length - i));
}
