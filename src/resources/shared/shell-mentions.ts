/**
 * What a piece of shell text names: the simple commands it runs (words, with
 * simple variables resolved) and the absolute paths in them. Used to tell
 * what a guard reads or a package's maintainer script may change, on the rule
 * "a script touches what it names". A lexer, not an interpreter: branches,
 * loops and functions are all taken as run.
 */

/** One simple command: its words (quotes removed, known variables expanded) and where it sits. */
export interface SimpleCommand {
  /** Words, the first being the program (assignments before it are left out). */
  words: string[];
  /** Words that follow a redirection (`> FILE`): written to (or read, for `<`). */
  redirects: Array<{ op: string; target: string }>;
  /** 1-based line of its first word. */
  line: number;
}

/** Marks an unknown part of a word (a variable or command substitution nobody assigned). */
export const UNKNOWN = '\u0000';

/** Shell keywords that are not programs. */
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'for', 'in', 'case', 'esac', '!', '{', '}', 'function', 'select']);

/**
 * Splits shell text into simple commands. Comments and here-document bodies
 * are skipped; `$(...)` and backquotes start commands of their own; simple
 * `NAME=value` assignments (to literal text) are remembered and expanded in
 * later words; `$DPKG_ROOT` is empty (dpkg's normal case).
 */
export function simpleCommands(text: string): SimpleCommand[] {
  const vars = new Map<string, string>([['DPKG_ROOT', '']]);
  const commands: SimpleCommand[] = [];
  for (const raw of lexCommands(text)) {
    const words = raw.words.map((w) => expand(w, vars));
    let i = 0;
    // Leading assignments: remembered when the command is nothing else.
    while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(raw.words[i]!.text)) i++;
    if (i === words.length) {
      for (let k = 0; k < i; k++) {
        const text = words[k]!;
        const name = text.slice(0, text.indexOf('='));
        const value = text.slice(text.indexOf('=') + 1);
        if (value.includes(UNKNOWN)) vars.delete(name);
        else vars.set(name, value);
      }
    }
    const rest = words.slice(i);
    // Keywords, and assignments that only set a program's environment (`if LC_ALL=C df ...`).
    while (rest.length > 0 && ((KEYWORDS.has(rest[0]!) && rest[0] !== 'for' && rest[0] !== 'case') || (rest.length > 1 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0]!)))) rest.shift();
    // A loop variable takes values nobody assigned literally here.
    if (rest[0] === 'for' && rest[1] !== undefined) vars.delete(rest[1]);
    if (rest[0] === 'for' || rest[0] === 'case') continue;
    const redirects = raw.redirects.map((r) => ({ op: r.op, target: expand(r.target, vars) }));
    if (rest.length > 0 || redirects.length > 0) commands.push({ words: rest, redirects, line: raw.line });
  }
  return commands;
}

/** A word as lexed: its text, and whether parts of it came from single quotes (never expanded). */
interface RawWord {
  /** The text, quotes removed; `$` kept for expansion, except from single quotes where it is escaped as \u0001. */
  text: string;
}

/** Expands $NAME and ${NAME...} with known variables; unknown ones become UNKNOWN. */
function expand(word: RawWord, vars: ReadonlyMap<string, string>): string {
  return word.text
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:#%/?+=-][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\$[0-9@*#?$!-]/g, (_, braced: string | undefined, plain: string | undefined) => {
      const name = braced ?? plain;
      return name !== undefined && vars.has(name) ? vars.get(name)! : UNKNOWN;
    })
    .replace(/\u0001/g, '$');
}

/** Commands before expansion. */
interface RawCommand {
  words: RawWord[];
  redirects: Array<{ op: string; target: RawWord }>;
  line: number;
}

/** The lexer: words, separators, quotes, comments, here-documents; substitutions are commands of their own. */
function lexCommands(input: string): RawCommand[] {
  const commands: RawCommand[] = [];
  lex(input.replace(/\\\n/g, ' '), 0, false, commands, { line: 1 });
  return commands;
}

/**
 * Lexes from `start` into `out` until the end, or until the `)` closing a `$(` when `inner`;
 * returns the index after where it stopped. What a substitution prints is unknown to the word
 * around it (UNKNOWN); its own command goes to `out` like any other.
 */
function lex(text: string, start: number, inner: boolean, out: RawCommand[], at: { line: number }): number {
  let current: RawCommand = { words: [], redirects: [], line: at.line };
  let word: string | undefined;
  let pendingRedirect: string | undefined;
  const heredocs: Array<{ end: string; strip: boolean }> = [];
  const finishWord = (): void => {
    if (word === undefined) return;
    if (pendingRedirect !== undefined) {
      current.redirects.push({ op: pendingRedirect, target: { text: word } });
      pendingRedirect = undefined;
    } else {
      if (current.words.length === 0) current.line = at.line;
      current.words.push({ text: word });
    }
    word = undefined;
  };
  const finishCommand = (): void => {
    finishWord();
    if (current.words.length > 0 || current.redirects.length > 0) out.push(current);
    current = { words: [], redirects: [], line: at.line };
  };
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      finishCommand();
      at.line++;
      i++;
      // Here-document bodies start on the next line; their text is data, not commands.
      while (heredocs.length > 0) {
        const { end, strip } = heredocs.shift()!;
        while (i < text.length) {
          const eol = text.indexOf('\n', i);
          const bodyLine = text.slice(i, eol < 0 ? text.length : eol);
          i = eol < 0 ? text.length : eol + 1;
          at.line++;
          if ((strip ? bodyLine.replace(/^\t+/, '') : bodyLine) === end) break;
        }
      }
      continue;
    }
    if (c === '#' && word === undefined) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === ' ' || c === '\t') {
      finishWord();
      i++;
      continue;
    }
    if (c === ')' && inner) {
      finishCommand();
      return i + 1;
    }
    if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      finishCommand();
      i++;
      continue;
    }
    if (c === '$' && text[i + 1] === '(' && text[i + 2] !== '(') {
      i = lex(text, i + 2, true, out, at);
      word = (word ?? '') + UNKNOWN;
      continue;
    }
    if (c === '`') {
      const end = text.indexOf('`', i + 1);
      const stop = end < 0 ? text.length : end;
      lex(text.slice(0, stop), i + 1, false, out, at);
      word = (word ?? '') + UNKNOWN;
      i = stop + 1;
      continue;
    }
    if (c === '<' && text[i + 1] === '<' && text[i + 2] !== '<') {
      finishWord();
      let j = i + 2;
      const strip = text[j] === '-';
      if (strip) j++;
      while (text[j] === ' ' || text[j] === '\t') j++;
      const m = /^(['"]?)([^\s'";|&<>()]+)\1/.exec(text.slice(j));
      if (m) heredocs.push({ end: m[2]!, strip });
      i = j + (m ? m[0].length : 0);
      continue;
    }
    if (c === '>' || c === '<') {
      finishWord();
      let op = c;
      if (text[i + 1] === '>' || text[i + 1] === '&' || text[i + 1] === '|') op += text[++i]!;
      i++;
      // `>&2` and `2>&1` duplicate descriptors: no file.
      if (op.endsWith('&')) {
        while (text[i] === ' ') i++;
        if (/[0-9-]/.test(text[i] ?? '')) {
          while (i < text.length && /[0-9-]/.test(text[i]!)) i++;
          continue;
        }
      }
      pendingRedirect = op;
      continue;
    }
    if (word === undefined && /^[0-9]+[<>]/.test(text.slice(i, i + 4))) {
      // A descriptor number before a redirection.
      while (/[0-9]/.test(text[i]!)) i++;
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const quoted = text.slice(i + 1, end < 0 ? text.length : end);
      at.line += (quoted.match(/\n/g) ?? []).length;
      word = (word ?? '') + quoted.replace(/\$/g, '\u0001');
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let quoted = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) {
          quoted += text[j + 1];
          j += 2;
        } else if (text[j] === '$' && text[j + 1] === '(' && text[j + 2] !== '(') {
          j = lex(text, j + 2, true, out, at);
          quoted += UNKNOWN;
        } else if (text[j] === '`') {
          const end = text.indexOf('`', j + 1);
          const stop = end < 0 ? text.length : end;
          lex(text.slice(0, stop), j + 1, false, out, at);
          quoted += UNKNOWN;
          j = stop + 1;
        } else {
          if (text[j] === '\n') at.line++;
          quoted += text[j];
          j++;
        }
      }
      word = (word ?? '') + quoted;
      i = j + 1;
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[i + 1];
      i += 2;
      continue;
    }
    word = (word ?? '') + c;
    i++;
  }
  finishCommand();
  return i;
}

/** An absolute path inside a word (after `=` or `:` too, as in --home=/x or PATH=a:/b). */
const PATH_IN_WORD = /(?:^|[=:\s,])(\/[A-Za-z0-9_.+@%~\u0000-][^\s'"`;|&<>(){},:]*)/g;

/**
 * The absolute paths a word names; a part that is not known (a variable, a glob) makes it a subtree:
 * the directory before it, or, within a name, every path that starts so (written with a final `*`).
 */
export function pathsIn(word: string): Array<{ path: string; tree: boolean }> {
  const found: Array<{ path: string; tree: boolean }> = [];
  for (const m of word.matchAll(PATH_IN_WORD)) {
    const raw = m[1]!;
    const cut = raw.search(/[\u0000*?[]/);
    if (cut < 0) {
      const path = normalise(raw);
      if (path !== undefined) found.push({ path, tree: false });
      continue;
    }
    // /etc/ufw/$f → the directory /etc/ufw, as a whole; /var/lib/mysql-$v → whatever starts so: /var/lib/mysql-*.
    const slash = raw.lastIndexOf('/', cut);
    const dir = normalise(raw.slice(0, slash)) ?? '/';
    const partial = raw.slice(slash + 1, cut);
    found.push({ path: partial === '' ? dir : `${dir === '/' ? '' : dir}/${partial}*`, tree: true });
  }
  // Devices and kernel files are no resource's business (`>/dev/null` writes nothing).
  return found.filter((p) => !/^\/(dev|proc|sys)(\/|$)/.test(p.path));
}

/** "/etc//x/./y/" → "/etc/x/y"; paths with ".." are not trusted (undefined). */
function normalise(path: string): string | undefined {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return undefined;
  return `/${parts.join('/')}`;
}

/**
 * Every absolute path shell text names anywhere (arguments, quoted strings,
 * here-documents), each as the directory it may change: a variable or glob
 * in it makes it the directory before that part.
 */
export function namedTrees(text: string): string[] {
  const words = text.replace(/\$\{?[A-Za-z0-9_@*#?$!-]/g, UNKNOWN).replace(/['"`;|&<>(){}\\]/g, ' ');
  return [...new Set(pathsIn(words.replace(/\s+/g, ' ')).map((p) => p.path))];
}

/** What shell text names: absolute paths (whole subtrees where a part is not known) and the programs it runs. */
export function shellMentions(text: string): { paths: string[]; trees: string[]; programs: string[] } {
  const paths = new Set<string>();
  const trees = new Set<string>();
  const programs = new Set<string>();
  for (const command of simpleCommands(text)) {
    const program = command.words[0];
    if (program !== undefined && !program.includes(UNKNOWN)) {
      if (program.startsWith('/')) paths.add(program);
      else programs.add(program);
    }
    for (const word of [...command.words, ...command.redirects.map((r) => r.target)]) {
      for (const p of pathsIn(word)) (p.tree ? trees : paths).add(p.path);
    }
  }
  return { paths: [...paths], trees: [...trees], programs: [...programs] };
}
