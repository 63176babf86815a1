import { existsSync, readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { UserError, UserErrors, type SourcePosition } from './errors.js';

/** A parsed YAML file that can say where each node came from. */
export interface YamlSource {
  /** File path as given. */
  file: string;
  /** The parsed document (no errors). */
  doc: Document.Parsed;
  /** file:line:col of a node, or of the file's start when the node has no range. */
  positionOf(node: Node | null | undefined): SourcePosition;
}

/** Reads and parses a YAML file strictly: syntax errors, duplicate keys and alias bombs are UserErrors with positions. */
export function readYamlFile(file: string, what: string): YamlSource {
  if (!existsSync(file)) throw new UserError(`${what} '${file}' not found`);
  return parseYaml(readFileSync(file, 'utf8'), file);
}

/** Parses YAML text (see readYamlFile). */
export function parseYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  // maxAliasCount bounds alias expansion ("billion laughs"); uniqueKeys rejects duplicate keys.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  if (doc.errors.length > 0) {
    throw new UserErrors(doc.errors.map((e) => new UserError(`YAML error: ${readableYamlMessage(e.message)}`, at(e.pos[0]))));
  }
  try {
    doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new UserError(`YAML error: ${(err as Error).message} (too many aliases: possible alias bomb)`, { file, line: 1, col: 1 });
  }
  return { file, doc, positionOf: (node) => at(node?.range?.[0] ?? 0) };
}

function readableYamlMessage(message: string): string {
  // yaml appends " at line N, column M:" and a code frame; the position is already in our prefix.
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}
