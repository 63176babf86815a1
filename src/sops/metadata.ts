/**
 * The `sops:` block of a SOPS file: the data key encrypted for each age
 * recipient, when it was last changed, the encrypted MAC, which values are
 * encrypted, and the format version.
 */
import { isMap, isScalar, isSeq, Scalar, YAMLMap, YAMLSeq, type Node } from 'yaml';
import { UserError, type SourcePosition } from '../errors.js';
import type { YamlSource } from '../yaml/yaml-source.js';
import { DEFAULT_RULE, METADATA_KEY, type EncryptionRule } from './tree.js';

/** The SOPS format version written into new files (the sops release whose format this follows). */
export const FORMAT_VERSION = '3.9.0';

/** The data key encrypted for one age recipient. */
export interface AgeStanza {
  /** The recipient as sops wrote it: `age1…`, or an SSH public key. */
  recipient: string;
  /** The armored age file holding the data key. */
  enc: string;
}

/** A SOPS file's metadata, with where its parts are for messages. */
export interface SopsMetadata {
  age: AgeStanza[];
  lastModified: string;
  mac: string;
  rule: EncryptionRule;
  macOnlyEncrypted: boolean;
  version: string;
  /** Master key kinds other than age that the file also has (pgp, kms, ...): kept, but not usable here. */
  otherKeys: string[];
  /** The `sops:` key, the `age:` list and the `mac:` value. */
  at: { sops: SourcePosition; age: SourcePosition; mac: SourcePosition; lastModified: SourcePosition };
  /** The block itself, kept so that a rewrite leaves what provision does not use as it was. */
  node: YAMLMap;
}

const RULE_KINDS = ['unencrypted_suffix', 'encrypted_suffix', 'unencrypted_regex', 'encrypted_regex'] as const;
const OTHER_KEY_KINDS = ['pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'hckms'];

/** Whether a parsed document is a SOPS file (has the top-level metadata key). */
export function hasMetadata(source: YamlSource): boolean {
  return isMap(source.doc.contents) && source.doc.contents.has(METADATA_KEY);
}

/** Reads and checks the metadata block; every problem is a UserError at its place in the file. */
export function readMetadata(source: YamlSource): SopsMetadata {
  const root = source.doc.contents;
  const start = source.positionAt(0);
  const pair = isMap(root) ? root.items.find((p) => isScalar(p.key) && p.key.value === METADATA_KEY) : undefined;
  if (!pair) throw new UserError('not a SOPS file: it has no top-level "sops" key (encrypt it with provision secrets encrypt)', start);
  const sopsAt = source.positionOf(pair.key, start);
  const node = pair.value;
  if (!isMap(node)) throw new UserError('sops: expected a mapping (the SOPS metadata)', sopsAt);
  const field = (name: string): Node | undefined => node.items.find((p) => isScalar(p.key) && p.key.value === name)?.value as Node | undefined;
  const at = (name: string): SourcePosition => source.positionOf(field(name), sopsAt);
  const text = (name: string, required: boolean): string => {
    const value = field(name);
    if (value === undefined || (isScalar(value) && value.value === null)) {
      if (required) throw new UserError(`sops.${name}: missing (the file is not a complete SOPS file)`, sopsAt);
      return '';
    }
    if (!isScalar(value) || typeof value.value !== 'string') throw new UserError(`sops.${name}: expected a string`, at(name));
    return value.value;
  };
  const groups = field('key_groups');
  if (isSeq(groups) && groups.items.length > 0) {
    throw new UserError('sops.key_groups: files split into key groups (Shamir secret sharing) are not supported: decrypt and encrypt it again with plain age recipients', at('key_groups'));
  }
  const rules = RULE_KINDS.filter((kind) => text(kind, false) !== '');
  if (rules.length > 1) throw new UserError(`sops: only one of ${RULE_KINDS.join(', ')} may be set, found ${rules.join(' and ')}`, sopsAt);
  for (const unsupported of ['unencrypted_comment_regex', 'encrypted_comment_regex']) {
    if (text(unsupported, false) !== '') throw new UserError(`sops.${unsupported}: not supported by provision (use ${RULE_KINDS.join(', ')})`, at(unsupported));
  }
  const rule: EncryptionRule = rules[0] ? { kind: rules[0], value: text(rules[0], true) } : DEFAULT_RULE;
  if (rule.kind.endsWith('regex')) {
    try {
      new RegExp(rule.value);
    } catch {
      throw new UserError(`sops.${rule.kind}: not a regular expression this tool can read: ${JSON.stringify(rule.value)}`, at(rule.kind));
    }
  }
  const macOnly = field('mac_only_encrypted');
  return {
    age: readAgeStanzas(field('age'), source, at('age')),
    lastModified: text('lastmodified', true),
    mac: text('mac', true),
    rule,
    macOnlyEncrypted: isScalar(macOnly) && macOnly.value === true,
    version: text('version', false),
    otherKeys: OTHER_KEY_KINDS.filter((kind) => {
      const list = field(kind);
      return isSeq(list) && list.items.length > 0;
    }),
    at: { sops: sopsAt, age: at('age'), mac: at('mac'), lastModified: at('lastmodified') },
    node,
  };
}

function readAgeStanzas(list: Node | undefined, source: YamlSource, at: SourcePosition): AgeStanza[] {
  if (list === undefined || (isScalar(list) && list.value === null)) return [];
  if (!isSeq(list)) throw new UserError('sops.age: expected a list of { recipient, enc }', at);
  return list.items.map((item, i) => {
    const itemAt = source.positionOf(item, at);
    const get = (name: string): unknown => (isMap(item) ? item.get(name) : undefined);
    const recipient = get('recipient');
    const enc = get('enc');
    if (typeof recipient !== 'string' || typeof enc !== 'string') throw new UserError(`sops.age[${i}]: expected { recipient, enc } strings`, itemAt);
    return { recipient, enc };
  });
}

/** What a new or rewritten metadata block says. */
export interface MetadataFields {
  age: AgeStanza[];
  lastModified: string;
  mac: string;
  rule: EncryptionRule;
  macOnlyEncrypted: boolean;
}

/**
 * The metadata block to write: `keep` (the file's old block) with these fields
 * replaced and everything else it had (other key kinds) left as it was, or a new
 * block in sops' field order.
 */
export function metadataNode(fields: MetadataFields, keep?: YAMLMap): YAMLMap {
  const node = keep ?? new YAMLMap();
  const set = (name: string, value: unknown): void => {
    node.set(name, value);
  };
  const stanzas = new YAMLSeq();
  for (const stanza of fields.age) {
    const entry = new YAMLMap();
    entry.set('recipient', stanza.recipient);
    const enc = new Scalar(stanza.enc);
    enc.type = Scalar.BLOCK_LITERAL;
    entry.set('enc', enc);
    stanzas.items.push(entry);
  }
  set('age', stanzas);
  const lastModified = new Scalar(fields.lastModified);
  lastModified.type = Scalar.QUOTE_DOUBLE;
  set('lastmodified', lastModified);
  set('mac', fields.mac);
  for (const kind of RULE_KINDS) if (kind !== fields.rule.kind) node.delete(kind);
  set(fields.rule.kind, fields.rule.value);
  if (fields.macOnlyEncrypted) set('mac_only_encrypted', true);
  else node.delete('mac_only_encrypted');
  // version last, as sops writes it; a file written by a newer sops keeps its version
  const old = node.get('version');
  node.delete('version');
  set('version', typeof old === 'string' && compareVersions(old, FORMAT_VERSION) > 0 ? old : FORMAT_VERSION);
  return node;
}

/** Orders dotted version numbers (3.10.0 after 3.9.4). */
function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] || 0) - (y[i] || 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The time as sops writes it and authenticates the MAC with (Go's RFC 3339
 * format): whole seconds, `Z` for UTC. A file's own value is normalised the same
 * way, as sops parses and formats it again before checking the MAC.
 */
export function sopsTime(text: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  const zone = match[3] === '+00:00' || match[3] === '-00:00' ? 'Z' : match[3]!;
  return `${match[1]}${zone}`;
}

/** Now, as sops writes `lastmodified`. */
export function nowSopsTime(now = new Date()): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}
