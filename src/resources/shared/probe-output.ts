/** Probe output is `key=value` lines: the first `=` splits, values run to the end of the line. */
export type Fields = ReadonlyMap<string, string>;

/** Parses `key=value` lines; lines without `=` are ignored, a later key wins. */
export function parseFields(output: string): Fields {
  const fields = new Map<string, string>();
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return fields;
}

/** Decodes a base64 field (file content travels that way so any byte survives the probe framing). */
export function base64Field(fields: Fields, key: string): string | undefined {
  const v = fields.get(key);
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

/** An integer field, or undefined when missing or not a number. */
export function integerField(fields: Fields, key: string): number | undefined {
  const v = fields.get(key);
  return v !== undefined && /^-?[0-9]+$/.test(v) ? Number(v) : undefined;
}
