/**
 * The one place shell text is made. `Shell` is shell text that only this
 * module produces: a value becomes shell through `quote` or the `sh` tag, a
 * constant through `trusted`, and pieces are joined by `lines` / `joinShell`.
 * A plain string is not a `Shell`, so interpolating a value unquoted into a
 * script is a compile error wherever a script is expected. At run time a
 * `Shell` is an ordinary string (no cost, scripts compare as text).
 */

declare const shellText: unique symbol;

/** POSIX sh text built by this module's builders (never a raw value). */
export type Shell = string & { readonly [shellText]: true };

/** The only cast to Shell: text this module built. */
function made(text: string): Shell {
  return text as Shell;
}

/** A NUL byte cannot pass through a shell word or a path: refused wherever a value becomes shell. */
export class NulByteError extends Error {
  constructor(what = 'a value') {
    super(`${what} holds a NUL byte (\\0), which no path or shell word can carry`);
    this.name = 'NulByteError';
  }
}

/** Quotes one value as a single POSIX shell word; a NUL byte is refused (a shell would cut the word there). */
export function quote(value: string | number): Shell {
  const s = String(value);
  if (s.includes('\0')) throw new NulByteError();
  if (s !== '' && /^[A-Za-z0-9_\-.,:/@%+=]+$/.test(s)) return made(s);
  return made(`'${s.replace(/'/g, `'\\''`)}'`);
}

/**
 * Marks constant shell text written in provision's own source (a pipeline,
 * a redirect, a function definition) to go in as is. Only a string literal is
 * accepted: a computed string (which may hold a value) is a compile error.
 */
export function trusted<T extends string>(text: IsPattern<T> extends true ? never : T): Shell {
  return made(text);
}

/**
 * Shell text the user writes as a program: a role's command (a `command`
 * resource's `cmd`, a drain command), rendered by src/roles/render.ts with
 * every `{{value}}` in it quoted, or `provision exec`'s command. The one way
 * such text becomes Shell.
 */
export function userText(text: string): Shell {
  if (text.includes('\0')) throw new NulByteError('shell text');
  return made(text);
}

/** A piece of shell text to put into `sh` as is (it is already shell). */
export class Fragment {
  constructor(readonly text: Shell) {}
}

/** Puts already-built shell text into `sh` unquoted: `sh\`if ${insert(test)}; then\``. */
export function insert(text: Shell): Fragment {
  return new Fragment(text);
}

/** Value accepted by `sh`: a string/number is quoted, an array becomes several quoted words, a Fragment is inserted as is. */
export type ShellValue = string | number | readonly (string | number)[] | Fragment;

/**
 * Refuses a Shell passed directly to `sh` (it would be quoted again): pass it
 * through `insert` to put it in as is, or as a string to quote it.
 */
type Unquoted<V> = V extends Shell ? Fragment : V;

/**
 * Template tag that quotes every interpolated value:
 * sh`chmod ${mode} ${path}` → `chmod 0644 '/etc/my file'`.
 */
export function sh<const V extends readonly ShellValue[]>(strings: TemplateStringsArray, ...values: V & { [K in keyof V]: Unquoted<V[K]> }): Shell {
  let out = strings[0] ?? '';
  (values as readonly ShellValue[]).forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return made(out);
}

function render(v: ShellValue): string {
  if (v instanceof Fragment) return v.text;
  if (Array.isArray(v)) return v.map((x) => quote(x)).join(' ');
  return quote(v as string | number);
}

/** A part of `lines`: Shell, a string literal written in provision's source (a constant), or false/undefined (left out); never a computed string. */
type Line<V> = V extends Shell ? V : V extends string ? (IsPattern<V> extends true ? never : V) : V;

/** Whether a string type stands for many strings (`string`, or a template like `rm ${string}`) rather than one literal. */
type IsPattern<S extends string> = {} extends Record<S, 0> ? true : false;

/** Joins script lines, leaving out the ones that are false or undefined (optional steps). String literals are constants and go in as is. */
export function lines<V extends readonly (string | false | undefined)[]>(...parts: V & { [K in keyof V]: Line<V[K]> }): Shell {
  return made((parts as readonly (string | false | undefined)[]).filter((p): p is string => typeof p === 'string').join('\n'));
}

/** A shell variable's name, or any other identifier (a MySQL status field), checked to be one: `variable('tmp')` → `tmp`. */
export function variable(name: string): Shell {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a shell variable name: ${JSON.stringify(name)}`);
  return made(name);
}

/** Joins shell pieces with a separator that is itself shell (`' '`, `' && '`, `'\n'`, `' | '`). */
export function joinShell(parts: readonly Shell[], separator: ' ' | '\n' | ' && ' | ' || ' | ' | ' | '|' | '; ' | ' &&\n' | ''): Shell {
  return made(parts.join(separator));
}

/** Quotes each value and joins them as words: `words(['a b', 'c'])` → `'a b' c`. */
export function words(values: readonly (string | number)[]): Shell {
  return joinShell(values.map((v) => quote(v)), ' ');
}

/**
 * A here-document that writes `content` to stdout of the given command,
 * base64-encoded so any bytes survive and nothing is ever on a command line
 * (a newline in a value can never end the document early).
 */
export function heredocBase64(content: string | Buffer): Shell {
  const b64 = Buffer.from(content).toString('base64').replace(/(.{76})/g, '$1\n');
  return made(`base64 -d <<'__PROVISION_EOF__'\n${b64}\n__PROVISION_EOF__`);
}

/**
 * `command` reading `content` verbatim on its stdin from a quoted here-document:
 * nothing in it is expanded, and a shell writes a small one itself (no process
 * started, unlike base64). The end marker is on no line of the content; a line
 * end is added when the content lacks one. A NUL byte is refused (no shell text holds one).
 */
export function heredoc(command: Shell, content: string): Shell {
  if (content.includes('\0')) throw new NulByteError('a here-document');
  const text = content.endsWith('\n') ? content : `${content}\n`;
  const taken = new Set(text.split('\n'));
  let marker = 'PROVISION_TEXT';
  for (let n = 1; taken.has(marker); n++) marker = `PROVISION_TEXT_${n}`;
  return made(`${command} <<'${marker}'\n${text}${marker}`);
}
