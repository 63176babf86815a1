/**
 * The one place values become shell words. Every value that reaches a remote
 * shell goes through `quote` or the `sh` template tag.
 */

/** Quotes one value as a single POSIX shell word. */
export function quote(value: string | number): string {
  const s = String(value);
  if (s !== '' && /^[A-Za-z0-9_\-.,:/@%+=]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Value accepted by `sh`: a string/number is quoted, an array becomes several quoted words, Raw is inserted as is. */
export type ShellValue = string | number | readonly (string | number)[] | Raw;

/** Shell text that is inserted unquoted (built by trusted code, never from user values). */
export class Raw {
  constructor(readonly text: string) {}
}

/** Marks trusted shell text to be inserted into `sh` unquoted. */
export function raw(text: string): Raw {
  return new Raw(text);
}

/**
 * Template tag that quotes every interpolated value:
 * sh`chmod ${mode} ${path}` → `chmod 0644 '/etc/my file'`.
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return out;
}

function render(v: ShellValue): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return v.map((x) => quote(x)).join(' ');
  return quote(v as string | number);
}

/**
 * A here-document that writes `content` to stdout of the given command,
 * base64-encoded so any bytes survive and nothing is ever on a command line.
 */
export function heredocBase64(content: string | Buffer): string {
  const b64 = Buffer.from(content).toString('base64').replace(/(.{76})/g, '$1\n');
  return `base64 -d <<'__PROVISION_EOF__'\n${b64}\n__PROVISION_EOF__`;
}
