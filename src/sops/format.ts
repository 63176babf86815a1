/** SOPS files in YAML or JSON (chosen by the file name, as sops does), read and written through one document model. */
import { extname } from 'node:path';
import { isMap, isScalar, isSeq, type Document } from 'yaml';
import { UserError } from '../errors.js';
import { leafOf } from './tree.js';
import { goFormatFloat } from './value-cipher.js';

/** The file formats provision reads and writes. */
export type SopsFormat = 'yaml' | 'json';

/** The format of a file by its extension; sops would read any other file as binary, which provision does not. */
export function formatOf(file: string): SopsFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  throw new UserError(`${file}: expected a .yaml, .yml or .json file (sops reads other files as binary data, which provision does not)`);
}

/** The document as text: YAML as sops writes it (block style, 4-space indent, long values on one line), or JSON with tabs. */
export function emit(doc: Document, format: SopsFormat): string {
  if (format === 'yaml') return doc.toString({ indent: 4, indentSeq: true, lineWidth: 0, collectionStyle: 'block' });
  return `${json(doc.contents, '')}\n`;
}

function json(node: unknown, indent: string): string {
  const inner = `${indent}\t`;
  if (isMap(node)) {
    if (node.items.length === 0) return '{}';
    const entries = node.items.map((pair) => `${inner}${JSON.stringify(String(isScalar(pair.key) ? pair.key.value : pair.key))}: ${json(pair.value, inner)}`);
    return `{\n${entries.join(',\n')}\n${indent}}`;
  }
  if (isSeq(node)) {
    if (node.items.length === 0) return '[]';
    return `[\n${node.items.map((item) => `${inner}${json(item, inner)}`).join(',\n')}\n${indent}]`;
  }
  // Nodes built in code (the metadata) may hold plain values rather than scalars.
  const value: unknown = isScalar(node) ? (node.value === null || node.value === undefined ? null : leafOf(node)) : node;
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'number':
      if (!Number.isFinite(value)) throw new UserError(`${value} cannot be written in JSON`);
      // A float keeps its point (3.0), so it reads back as a float.
      return Number.isInteger(value) ? `${goFormatFloat(value)}.0` : goFormatFloat(value);
    default:
      return 'null';
  }
}
