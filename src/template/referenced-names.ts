/**
 * The variables a value's templates may read, by name: every identifier inside a `{{ }}` or
 * `{% %}` block of its strings (Jinja2 or Handlebars, at any depth of lists and mappings), quoted
 * text, attributes (`.x`) and filters or tests (`| x`, `is x`) left out. It may name more than
 * the template reads (a helper, a keyword), never less: what reads a secret is masked by it. Pure.
 */
export function referencedNames(value: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const block of v.matchAll(/\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g)) namesIn(block[1] ?? block[2] ?? '').forEach((name) => names.add(name));
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach(visit);
  };
  visit(value);
  return names;
}

/** The identifiers of one block's expression that are not quoted, an attribute, a filter or a test. */
function namesIn(expression: string): string[] {
  const unquoted = expression.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, ' ');
  return [...unquoted.matchAll(/(\.|\|\s*|\bis\s+(?:not\s+)?)?\b([A-Za-z_][A-Za-z0-9_]*)/g)].filter((m) => m[1] === undefined).map((m) => m[2]!);
}
