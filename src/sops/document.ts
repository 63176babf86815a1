/**
 * SOPS documents as a whole: open one (find an identity, decrypt the data key
 * and every value, check the MAC), and seal one (encrypt the values, compute
 * and encrypt the MAC, write the metadata).
 */
import { randomBytes } from 'node:crypto';
import type { YAMLMap } from 'yaml';
import { UserError } from '../errors.js';
import { parseYaml, readTextFile, type YamlSource } from '../yaml/yaml-source.js';
import { shorten, unwrapDataKey, wrapDataKey, type AgeRecipient } from './age.js';
import { emit, formatOf, type SopsFormat } from './format.js';
import { findIdentities, type Env, type IdentitySearch, type IdentitySource } from './identities.js';
import { hasMetadata, metadataNode, nowSopsTime, readMetadata, sopsTime, type AgeStanza, type SopsMetadata } from './metadata.js';
import { decryptTree, encryptTree, METADATA_KEY, TreeError, type EncryptionRule } from './tree.js';
import { decryptValue, encryptValue, IvStash } from './value-cipher.js';

const DATA_KEY_BYTES = 32;

/** A decrypted SOPS file: its document with plain values, and what it takes to seal it again. */
export interface OpenedSops {
  file: string;
  format: SopsFormat;
  source: YamlSource;
  metadata: SopsMetadata;
  dataKey: Buffer;
  /** Where the identity that decrypted it came from. */
  identity: IdentitySource;
  /** IVs of the values as they were, so unchanged values encrypt to the same text again. */
  stash: IvStash;
}

/**
 * Reads and decrypts a SOPS file. Every problem (not a SOPS file, no identity,
 * encrypted for others, a value or the MAC that does not check) is a UserError
 * at its place in the file.
 */
export async function openSops(file: string, env: Env): Promise<OpenedSops> {
  const format = formatOf(file);
  const source = parseYaml(readTextFile(file, 'SOPS file'), file);
  const metadata = readMetadata(source);
  const { dataKey, identity } = await dataKeyOf(metadata, await findIdentities(env));
  const stash = new IvStash();
  let mac: string;
  try {
    mac = decryptTree(source.doc, { key: dataKey, rule: metadata.rule, macOnlyEncrypted: metadata.macOnlyEncrypted, stash });
  } catch (err) {
    if (err instanceof TreeError) throw new UserError(err.message, source.positionOf(err.node, metadata.at.sops));
    throw err;
  }
  checkMac(metadata, dataKey, mac);
  return { file, format, source, metadata, dataKey, identity, stash };
}

async function dataKeyOf(metadata: SopsMetadata, search: IdentitySearch): Promise<{ dataKey: Buffer; identity: IdentitySource }> {
  const notes = [...search.problems];
  if (metadata.age.length === 0) {
    const others = metadata.otherKeys.length ? ` (only ${metadata.otherKeys.join(', ')} keys, which provision does not use)` : '';
    throw new UserError(`cannot decrypt: the file has no age recipients${others}`, metadata.at.sops);
  }
  for (const [i, stanza] of metadata.age.entries()) {
    for (const source of search.sources) {
      const unwrapped = await unwrapDataKey(stanza.enc, source.identities);
      if ('dataKey' in unwrapped) {
        if (unwrapped.dataKey.length !== DATA_KEY_BYTES) throw new UserError(`sops.age[${i}]: the data key is ${unwrapped.dataKey.length} bytes, expected ${DATA_KEY_BYTES}`, metadata.at.age);
        return { dataKey: Buffer.from(unwrapped.dataKey), identity: source };
      }
      if ('broken' in unwrapped) notes.push(`sops.age[${i}] (${shorten(stanza.recipient)}): ${unwrapped.broken}`);
    }
  }
  const recipients = metadata.age.map((s) => shorten(s.recipient)).join(', ');
  const tail = notes.length ? `; also: ${notes.join('; ')}` : '';
  if (search.sources.length === 0) {
    throw new UserError(`cannot decrypt: no age identity found; looked in ${search.looked.join(', ')}${tail}. The file is encrypted for ${recipients}`, metadata.at.age);
  }
  const yours = search.sources.map((s) => `${s.recipients.map(shorten).join(', ')} (${s.label})`).join('; ');
  throw new UserError(`cannot decrypt: the file is encrypted for ${recipients}, and none of your identities is one of them: ${yours}${tail}`, metadata.at.age);
}

function checkMac(metadata: SopsMetadata, dataKey: Buffer, computed: string): void {
  const aad = sopsTime(metadata.lastModified);
  if (aad === undefined) throw new UserError(`sops.lastmodified: expected an RFC 3339 time such as 2024-05-01T12:00:00Z, got ${JSON.stringify(metadata.lastModified)}`, metadata.at.lastModified);
  let stored: unknown;
  try {
    stored = decryptValue(metadata.mac, dataKey, aad);
  } catch {
    throw new UserError('sops.mac does not decrypt with the file\'s data key: the mac or lastmodified was changed after encryption (tampered?)', metadata.at.mac);
  }
  if (stored !== computed) {
    throw new UserError(
      'MAC mismatch: the values are not the ones the file was encrypted with (values changed, added, removed or reordered after encryption: tampered, or edited without sops)',
      metadata.at.mac,
    );
  }
}

/** What sealing a document needs besides the document. */
export interface SealOptions {
  format: SopsFormat;
  dataKey: Buffer;
  age: AgeStanza[];
  rule: EncryptionRule;
  macOnlyEncrypted: boolean;
  /** The old metadata block, so that what provision does not manage stays. */
  keep?: YAMLMap;
  stash?: IvStash;
}

/** Encrypts a plain document in place and returns the SOPS file's text; a value sops cannot hold is a UserError at its place. */
export function seal(source: YamlSource, options: SealOptions): string {
  const { doc } = source;
  const key = options.dataKey;
  let mac: string;
  try {
    mac = encryptTree(doc, { key, rule: options.rule, macOnlyEncrypted: options.macOnlyEncrypted, ...(options.stash ? { stash: options.stash } : {}) });
  } catch (err) {
    if (err instanceof TreeError) throw new UserError(err.message, source.positionOf(err.node, source.positionAt(0)));
    throw err;
  }
  const lastModified = nowSopsTime();
  const fields = { age: options.age, lastModified, mac: encryptValue(mac, key, lastModified), rule: options.rule, macOnlyEncrypted: options.macOnlyEncrypted };
  doc.set(METADATA_KEY, metadataNode(fields, options.keep));
  return emit(doc, options.format);
}

/** A new random data key, encrypted for each recipient. */
export async function newDataKey(recipients: AgeRecipient[]): Promise<{ dataKey: Buffer; age: AgeStanza[] }> {
  if (recipients.length === 0) throw new UserError('no recipients: expected --age RECIPIENT[,RECIPIENT] (age1… or an SSH public key)');
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const age = await Promise.all(recipients.map(async (r) => ({ recipient: r.text, enc: await wrapDataKey(dataKey, r) })));
  return { dataKey, age };
}

/** Reads a plain YAML or JSON file to encrypt; a file that is already a SOPS file is refused. */
export function readPlain(file: string, text: string): YamlSource {
  const source = parseYaml(text, file);
  if (hasMetadata(source)) throw new UserError(`${file} is already a SOPS file (it has a top-level "sops" key): use provision secrets edit or rotate`);
  return source;
}

/** The decrypted document without its metadata, as the plain file an editor shows. */
export function plainText(opened: OpenedSops): string {
  const doc = opened.source.doc.clone();
  doc.delete(METADATA_KEY);
  return emit(doc, opened.format);
}
