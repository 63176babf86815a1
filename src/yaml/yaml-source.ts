import { readFileSync } from 'node:fs';
import { isAlias, LineCounter, parseDocument, Schema, visit, YAMLMap, YAMLSeq, type Alias, type CollectionTag, type Document, type ParsedNode, type ScalarTag, type YAMLError } from 'yaml';
import { UserError, type SourcePosition } from '../errors.js';
import { ErrorList } from './error-list.js';
import { describeYamlError, FLOAT_PROBLEM } from './yaml-errors.js';
import { exactInteger } from './python-int.js';

/** At most this many alias expansions (yaml's own measure): more is an alias bomb, not an inventory. */
export const MAX_ALIAS_COUNT = 100;

/** A syntactically valid YAML file with safe aliases, and the means to turn its nodes into file:line:col. */
export class YamlSource {
  constructor(
    /** The file as the user named it. */
    readonly file: string,
    /** The parsed document. */
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly aliasTargets: ReadonlyMap<Alias, ParsedNode>,
  ) {}

  /** Position of a character offset in the file. */
  positionAt(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  /** Position where a node starts; `fallback` for a missing node (an empty value such as `{ key }`). */
  positionOf(node: unknown, fallback: SourcePosition): SourcePosition {
    const range = (node as ParsedNode | null | undefined)?.range;
    return range ? this.positionAt(range[0]) : fallback;
  }

  /** The node an alias stands for (checked to exist and not to contain the alias); any other node as it is. */
  resolve(node: unknown): unknown {
    return isAlias(node) ? this.aliasTargets.get(node) : node;
  }
}

/**
 * Reads a text file for `what` ('inventory', 'extra vars file'), turning the usual
 * file system failures into user errors.
 */
export function readTextFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${what} '${file}' not found`);
    if (code === 'EISDIR') throw new UserError(`${what} '${file}' is a directory: expected a YAML file`);
    if (code === 'EACCES') throw new UserError(`cannot read ${what} '${file}': permission denied`);
    throw new UserError(`cannot read ${what} '${file}': ${code ?? String(err)}`);
  }
}

/** Ansible's tags: `!vault` (an encrypted value, read by the inventory) and `!unsafe` (a string never templated). */
export const VAULT_TAG = '!vault';
export const UNSAFE_TAG = '!unsafe';
const ANSIBLE_TAGS: (ScalarTag | CollectionTag)[] = [
  { tag: VAULT_TAG, resolve: (text: string) => text },
  { tag: UNSAFE_TAG, resolve: (text: string) => text },
  // `!unsafe` on a list or mapping: every string in it is never templated (the node keeps its tag).
  { tag: UNSAFE_TAG, collection: 'seq', nodeClass: YAMLSeq },
  { tag: UNSAFE_TAG, collection: 'map', nodeClass: YAMLMap },
];

// PyYAML's YAML 1.1 (how Ansible reads its files): yes/no/on/off are booleans but y/n are not,
// 0644 is octal but 09 text, 1:20 is sexagesimal, a float needs a dot (1e3 is a string), and timestamps stay text
// here (inventory/node-values.ts writes those with a time as Python writes a datetime).
const PYYAML_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
// PyYAML's decimal integers have no leading zero: `09` is text (and `0644` octal, read by the OCT tag).
const PYYAML_DECIMAL = /^[-+]?(?:0|[1-9][0-9_]*)$/;
const PYYAML_FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
let pyyamlTags: ScalarTag[] | undefined;

/** YAML's float tag, which PyYAML also applies when written out (`!!float 1`). */
export const FLOAT_TAG = 'tag:yaml.org,2002:float';

/** PyYAML's construct_yaml_float: `_` dropped, a sign, .inf/.nan, base 60 with `:`, else what Python's float() reads. */
function pyyamlFloat(text: string, onError: (message: string) => void): number {
  const value = text.replace(/_/g, '').toLowerCase().trim();
  const sign = value.startsWith('-') ? -1 : 1;
  const unsigned = /^[-+]/.test(value) ? value.slice(1) : value;
  if (unsigned === '.inf' || unsigned === 'inf' || unsigned === 'infinity') return sign * Infinity;
  if (unsigned === '.nan' || unsigned === 'nan') return NaN;
  const parts = unsigned.split(':');
  if (parts.every((part) => /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/.test(part))) return sign * parts.reduce((total, part) => total * 60 + Number(part), 0);
  onError(FLOAT_PROBLEM);
  return NaN;
}
/** An integer tag that reads every digit, as PyYAML does: beyond a number's exact range, a PythonBigInt. */
function exactIntTag(tag: ScalarTag): ScalarTag {
  return { ...tag, resolve: (text, onError, options) => exactInteger(tag.resolve(text, onError, { ...options, intAsBigInt: true }) as bigint) };
}

/** PyYAML's YAML 1.1 scalars. */
function pyyamlSchemaTags(): ScalarTag[] {
  if (pyyamlTags) return pyyamlTags;
  const yaml11 = new Schema({ schema: 'yaml-1.1' }).tags as ScalarTag[];
  const bool = yaml11.filter((t) => t.tag === 'tag:yaml.org,2002:bool');
  const floats = yaml11.filter((t) => t.tag === 'tag:yaml.org,2002:float' && !t.format && String(t.test).includes('inf'));
  const plainFloat: ScalarTag = {
    ...floats[0]!,
    test: PYYAML_FLOAT,
    resolve: (text: string) => (/inf/i.test(text) ? (text.startsWith('-') ? -Infinity : Infinity) : /nan/i.test(text) ? NaN : Number(text.replace(/_/g, ''))),
  };
  const kept = yaml11
    .filter((t) => !['tag:yaml.org,2002:bool', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:timestamp'].includes(t.tag) || (t.tag === 'tag:yaml.org,2002:float' && t.format === 'TIME'))
    .map((t) => (t.tag === 'tag:yaml.org,2002:int' ? exactIntTag(t.format === undefined ? { ...t, test: PYYAML_DECIMAL } : t) : t));
  const boolTag: ScalarTag = { ...bool[0]!, test: PYYAML_BOOL, resolve: (text: string) => /^(?:y|t|o[n])/i.test(text) };
  // `!!float 1` is 1.0 to PyYAML: an explicit tag takes any text Python's float() reads (no test: never resolved implicitly).
  const explicitFloat: ScalarTag = { tag: FLOAT_TAG, resolve: pyyamlFloat };
  pyyamlTags = [...kept.filter((t) => !floats.includes(t)), boolTag, plainFloat, explicitFloat];
  return pyyamlTags;
}

/** How to read a file: provision's own YAML 1.2, or Ansible's (PyYAML's YAML 1.1 and its !vault and !unsafe tags). */
export type YamlDialect = 'provision' | 'ansible';

/**
 * Parses YAML text strictly: syntax errors, duplicate keys, unknown tags, dangling
 * or recursive aliases and alias bombs are all user errors at their position.
 */
export function parseYaml(text: string, file: string, dialect: YamlDialect = 'provision'): YamlSource {
  const lines = new LineCounter();
  const tags = (): (ScalarTag | CollectionTag)[] => [...pyyamlSchemaTags(), ...ANSIBLE_TAGS];
  const options = dialect === 'provision' ? {} : { version: '1.1' as const, schema: 'yaml-1.1', customTags: tags };
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter: lines, prettyErrors: false, ...options });
  const aliasTargets = new Map<Alias, ParsedNode>();
  const source = new YamlSource(file, doc, lines, aliasTargets);
  const errors = new ErrorList();
  // An unknown tag (Ansible's !vault) is only a warning for yaml; here it would silently become a string.
  const problems = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
  const reportedLines = new Set<number>();
  for (const problem of problems) {
    const position = source.positionAt(problemStart(problem, doc));
    // One mistake often trips several yaml checks on the same line; the first says it best.
    if (reportedLines.has(position.line)) continue;
    reportedLines.add(position.line);
    errors.add(describeYamlError(problem, text), position);
  }
  errors.throwIfAny();
  checkAliases(source, aliasTargets, errors);
  errors.throwIfAny();
  if (dialect !== 'provision') dropAddedFinalBreak(doc, text);
  return source;
}

/**
 * A block scalar (`|`, `>`) that ends the file without a line break has none at its end in PyYAML, as the YAML spec
 * says (clip keeps the final line break there is); the yaml library adds one. `ansible-vault encrypt_string >> FILE`
 * writes such a file.
 */
function dropAddedFinalBreak(doc: Document.Parsed, text: string): void {
  if (text.endsWith('\n') || text.endsWith('\r')) return;
  visit(doc, {
    Scalar(_key, scalar) {
      const block = scalar.type === 'BLOCK_LITERAL' || scalar.type === 'BLOCK_FOLDED';
      if (block && scalar.range?.[1] === text.length && typeof scalar.value === 'string' && scalar.value.endsWith('\n')) scalar.value = scalar.value.slice(0, -1);
    },
  });
}

/** Where a problem is best shown: an unclosed quote at its opening quote (yaml reports the end of the file). */
function problemStart(problem: YAMLError, doc: Document.Parsed): number {
  let start = problem.pos[0];
  if (problem.code === 'MISSING_CHAR' && problem.message.includes('quote')) {
    visit(doc, {
      Scalar(_key, scalar) {
        const quoted = scalar.type === 'QUOTE_DOUBLE' || scalar.type === 'QUOTE_SINGLE';
        if (quoted && scalar.range?.[1] === problem.pos[0]) start = scalar.range[0];
      },
    });
  }
  return start;
}

/** Resolves every alias once into `targets`, rejecting dangling ones, ones inside their own anchor, and too many expansions. */
function checkAliases(source: YamlSource, targets: Map<Alias, ParsedNode>, errors: ErrorList): void {
  let first: Alias | undefined;
  // One pass in document order: an alias refers to the latest node with its anchor before it, as in yaml's own resolve.
  const anchors = new Map<string, ParsedNode>();
  visit(source.doc, {
    Node(_key, node) {
      if (!isAlias(node)) {
        // Nodes of a parsed document are ParsedNodes (they have a range); visit types them more loosely.
        if (node.anchor) anchors.set(node.anchor, node as ParsedNode);
        return;
      }
      first ??= node;
      const at = source.positionOf(node, source.positionAt(0));
      const target = anchors.get(node.source);
      if (!target) {
        errors.add(`alias *${node.source} has no anchor: expected &${node.source} defined before it`, at);
      } else if (contains(target, node)) {
        errors.add(`alias *${node.source} is inside its own anchor: expected a structure that does not contain itself`, at);
      } else {
        targets.set(node, target);
      }
    },
  });
  if (errors.count === 0 && first) {
    try {
      source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch {
      // Dangling and recursive aliases are ruled out above, so what is left is the expansion limit.
      errors.add(
        `aliases expand too much (a YAML alias bomb?): expected at most ${MAX_ALIAS_COUNT} alias expansions`,
        source.positionOf(first, source.positionAt(0)),
      );
    }
  }
}

function contains(outer: ParsedNode, inner: Alias): boolean {
  const range = inner.range;
  return range != null && outer.range[0] <= range[0] && range[0] < outer.range[2];
}
