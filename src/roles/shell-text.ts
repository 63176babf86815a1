/**
 * Role text that becomes shell (a command's `cmd` and `unless`, a file's
 * `validate`, a load balancer's drain commands): before it is rendered, every
 * `{{value}}` in it is rewritten to `{{shell_quote value}}`, so each value
 * becomes one quoted shell word (a list: one word per item), whatever it
 * holds. A value can only stand where a word can: outside quotes, here-documents
 * and `#` comments (inside those, quoting would not hold: a `"` or a newline in
 * the value would end them), and not where a shell runs a word as code or reads
 * it as a variable name (eval, sh -c's command string, read, ...), nor right
 * after a `$`; anywhere else is an error naming the value. In text with
 * arithmetic (where bash evaluates `a[$(command)]`, also in a variable's value;
 * sh -c's script is read for it too), every value must be an integer. The text
 * is read as dash and bash read it (line continuations joined); where they
 * differ, no value may follow. A value the rewrite did not reach is refused.
 * `{{{value}}}` (triple braces) inserts a value as shell text, unquoted: the
 * documented opt-out, which no shipped role uses. Pure.
 */

import { codePlace, commandNames, commandString, DECLARES } from './shell-code-places.js';

/** The helper that quotes a value as shell words (registered by render.ts). */
export const SHELL_QUOTE_HELPER = 'shell_quote';

/** The helper that writes a value standing in shell text with arithmetic: only an integer (registered by render.ts). */
export const SHELL_INTEGER_HELPER = 'shell_integer';

/** What shell_quote writes in place of a value when the rendered text's shape is checked (a value mustache to the scanner). */
export const VALUE_MARK = '{{provision_value}}';

/** What shell_integer writes in place of a value when the shape is checked. */
const INTEGER_MARK_NAME = 'provision_integer';
export const INTEGER_MARK = `{{${INTEGER_MARK_NAME}}}`;

/** A value shell_integer writes: an integer literal, which no shell reads as anything but a number. */
const INTEGER = /^-?[0-9]+$/;

/** `text` when it is an integer literal; otherwise an error naming the value (`name`, when it is a variable) and the arithmetic place. */
export function shellInteger(text: string, name: string | undefined, place: string): string {
  if (INTEGER.test(text)) return text;
  throw new ShellTemplateError(`${name === undefined ? 'a value' : `{{${name}}}`} ${integerRule(place)}`);
}

/**
 * Checks where the values stand in rendered shell text whose values are
 * VALUE_MARKs: as in the template, only where a word can (the template's
 * blocks, `~` and backslashes can change that between template and output),
 * and never after a backslash or inside backquotes.
 */
export function checkValuePlaces(shape: string): void {
  try {
    const first = scanShellText(shape, () => false, undefined, true);
    if (first.arithmetic !== undefined) scanShellText(shape, () => false, first.arithmetic, true);
  } catch (err) {
    if (!(err instanceof ShellTemplateError)) throw err;
    throw new ShellTemplateError(`once the template's blocks and ~ are applied, a value ${err.message.replace(/^\{\{provision_value\}\} /, '')}`);
  }
  for (let at = shape.indexOf(VALUE_MARK); at >= 0; at = shape.indexOf(VALUE_MARK, at + 1)) {
    if (shape[at - 1] === '\\') throw new ShellTemplateError('a value stands right after a backslash in shell text, which would end its quoting: put a space or other text between them');
    if ((shape.slice(0, at).match(/`/g)?.length ?? 0) % 2 === 1) throw new ShellTemplateError('a value stands inside backquotes in shell text, where its quoting would not hold: use $( ) instead');
  }
}

/** Why role shell text cannot be rendered with its values quoted. */
export class ShellTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShellTemplateError';
  }
}

/**
 * A construct the scanner is inside: shell commands (read word by word),
 * double quotes, or a place that bash reads as arithmetic (`$(( ))`, `(( ))`,
 * `$[ ]`, `[[ ]]`, an array subscript) or a `${ }` expansion, where a value
 * may only be an integer.
 */
interface Frame {
  kind: 'command' | 'double' | 'integer';
  /** The text that ends it ('' for the whole text). */
  close: string;
  /** Command frames: the words of the simple command so far and the word being read, as written. */
  words: string[];
  word: string;
  /** A command frame opened by `$(`: part of a word of the enclosing command, not a command of its own. */
  substitution?: boolean;
  /** Command frames: the `case` commands open in it, innermost last: reading its word, a pattern (whose `)` closes no frame), or an item's commands. */
  cases: Array<'subject' | 'pattern' | 'commands'>;
}

/** What scanning shell text found: the text with its values rewritten, and the first place bash reads as arithmetic. */
interface Scan {
  out: string;
  arithmetic: string | undefined;
}

/**
 * The template text with each value mustache quoted as shell. `isHelper`
 * tells a helper called without arguments (`{{internal_tls_name}}`) from a variable.
 * In text where bash reads arithmetic, every value must be an integer: bash
 * evaluates `a[$(command)]` in arithmetic, in a quoted operand as in a
 * variable's value ($((n + 1)) after n={{value}}), so such values go through
 * shell_integer instead, which refuses anything else when rendering.
 */
export function quoteShellTemplate(text: string, isHelper: (name: string) => boolean): string {
  const first = scanShellText(text, isHelper, undefined, false);
  const quoted = first.arithmetic === undefined ? first.out : scanShellText(text, isHelper, first.arithmetic, false).out;
  checkEveryValueQuoted(quoted);
  return quoted;
}

/**
 * Every `{{value}}` of the quoted template must have become shell_quote or
 * shell_integer (`{{{value}}}` is the opt-out, `\{{` no mustache): one the
 * scanner did not rewrite would go into the shell as it is, so it is refused,
 * whatever let it through.
 */
export function checkEveryValueQuoted(quoted: string): void {
  for (const m of quoted.matchAll(/(\\*)(?:\{\{\{[\s\S]*?\}\}\}|\{\{~?([\s\S]*?)~?\}\})/g)) {
    const expr = m[2]?.trim();
    // An escaped \\{{, a triple-brace opt-out, template structure, or a brace Handlebars itself will refuse.
    if (m[1]!.length % 2 === 1 || expr === undefined || isBlockSyntax(expr) || expr.startsWith('{')) continue;
    if (!expr.startsWith(`${SHELL_QUOTE_HELPER} `) && !expr.startsWith(`${SHELL_INTEGER_HELPER} `)) {
      throw new ShellTemplateError(`{{${expr}}} stands where the shell text around it cannot be read, so it cannot be quoted: put a space before it`);
    }
  }
}

/** Scans shell text; with `integers` (the place that requires them), every value is written through shell_integer. `shape`: the values are marks (checkValuePlaces). */
function scanShellText(template: string, isHelper: (name: string) => boolean, integers: string | undefined, shape: boolean): Scan {
  // The text still to read loses its line continuations (\ and a newline) as the shell's does, so `$\<newline>((` reads as `$((`; `out` keeps them.
  let text = template;
  const stack: Frame[] = [commandFrame('')];
  let arithmetic: string | undefined;
  // Text after which dash and bash read the rest differently: no value may follow it, and one before it must be an integer.
  let unsure: string | undefined;
  const doubt = (reason: string): void => {
    unsure ??= reason;
    arithmetic ??= reason;
  };
  let out = '';
  // The delimiter of a here-document whose body starts at the next line, and the body's delimiter while in it (quoted: nothing in the body expands).
  let pending: HereDocument | undefined;
  let body: HereDocument | undefined;
  let lineStart = true;
  const top = (): Frame => stack[stack.length - 1]!;
  /** The innermost command frame: the one whose word the text being read belongs to. */
  const command = (): Frame => [...stack].reverse().find((f) => f.kind === 'command')!;
  const write = (chunk: string): void => {
    out += chunk;
    command().word += chunk;
  };
  /** Removes the line continuations from `at` on, `length` characters far at most (stopping at a quote or another backslash), from the text still to read; `out` keeps them. */
  const joinLines = (at: number, length: number): void => {
    for (let k = at; k < at + length && k < text.length && !/['"]/.test(text[k]!); ) {
      if (!text.startsWith('\\\n', k)) {
        if (text[k] === '\\') return;
        k++;
        continue;
      }
      out += '\\\n';
      text = text.slice(0, k) + text.slice(k + 2);
    }
  };
  const endWord = (frame: Frame): void => {
    const word = frame.word;
    const shell = commandString(frame.words, word);
    // A word that expands ($x, $( )) where a shell runs code or reads a name: a variable set from a value may reach it.
    const expanding = /[$`]/.test(word.replace(/'[^']*'/g, '')) ? codePlace(frame.words, word) : undefined;
    arithmetic ??= expanding && `an expansion ${expanding}`;
    // A subscript in a name bash reads (read 'a[n]', [ -v a[n] ]) is arithmetic: n's value is evaluated.
    const subscript = shell === undefined && word.includes('[') ? codePlace(frame.words, word) : undefined;
    arithmetic ??= subscript && `a subscript ${subscript}`;
    // The script of sh -c '...': arithmetic in it reads the arguments and the variables a value may have set.
    arithmetic ??= shell && scriptArithmetic(word, shell);
    if (word !== '') {
      followCase(frame, word);
      frame.words.push(word);
    }
    frame.word = '';
    const declares = commandNames(frame.words).find((name) => DECLARES.has(name));
    arithmetic ??= declares && (declares === 'let' ? 'let' : `${declares} (whose -i variables are arithmetic)`);
  };
  const endCommand = (frame: Frame): void => {
    endWord(frame);
    frame.words = [];
  };
  const open = (opener: string, frame: Frame, place?: string): void => {
    if (place !== undefined) arithmetic ??= place;
    write(opener);
    stack.push(frame);
  };
  for (let i = 0; i < text.length; ) {
    if (lineStart && body) {
      const end = text.indexOf('\n', i);
      const line = text.slice(i, end < 0 ? undefined : end);
      const delimiter = (l: string): boolean => (body!.tabs ? l.replace(/^\t+/, '') : l) === body!.word;
      if (delimiter(line)) {
        body = undefined;
      } else if (!body.quoted && delimiter(logicalLine(text.slice(i)))) {
        // bash joins the lines into the end word and ends the here-document there; dash reads on.
        doubt('a here-document end word split by a line continuation (bash ends the here-document there, dash does not)');
      }
    }
    lineStart = false;
    if (text.startsWith('{{{', i)) {
      const end = text.indexOf('}}}', i);
      if (end < 0) return { out: out + text.slice(i), arithmetic };
      write(text.slice(i, end + 3));
      i = end + 3;
      continue;
    }
    if (text.startsWith('{{', i)) {
      const end = text.indexOf('}}', i);
      if (end < 0) return { out: out + text.slice(i), arithmetic };
      const inner = text.slice(i + 2, end);
      const tildeOpen = inner.startsWith('~') ? '~' : '';
      const tildeClose = inner.endsWith('~') ? '~' : '';
      const expr = inner.slice(tildeOpen.length, inner.length - tildeClose.length).trim();
      if (isBlockSyntax(expr)) {
        write(text.slice(i, end + 2));
      } else {
        const where = body ? 'inside a here-document' : top().kind === 'double' ? 'inside double quotes' : undefined;
        if (where) throw new ShellTemplateError(`{{${expr}}} stands ${where} in shell text, where its quoting would not hold: values are quoted for you, so write it outside quotes (e.g. -out {{${expr}}}) and pass here-document content another way (e.g. printf '%s\\n' key={{${expr}}} | command)`);
        if (unsure) throw new ShellTemplateError(`{{${expr}}} comes after ${unsure} in shell text, so where it stands cannot be known: write that part another way`);
        const frame = top();
        if (frame.kind === 'command') {
          const refused = codePlace(frame.words, frame.word);
          if (refused) throw new ShellTemplateError(`{{${expr}}} stands ${refused} in shell text, where its quoting would not hold: pass it to a script as an argument instead (sh -c '... "$1"' sh {{${expr}}}, a script without arithmetic or eval)`);
        }
        const place = integers ?? arithmetic ?? (stack.some((f) => f.kind === 'integer') ? INSIDE_EXPANSION : undefined);
        if (place === undefined) {
          write(`{{${tildeOpen}${SHELL_QUOTE_HELPER} ${quotedExpression(expr, isHelper)}${tildeClose}}}`);
        } else {
          if (shape && expr !== INTEGER_MARK_NAME) throw new ShellTemplateError(`{{${expr}}} ${integerRule(place)}`);
          write(`{{${tildeOpen}${SHELL_INTEGER_HELPER} ${quotedExpression(expr, isHelper)} place=${JSON.stringify(place)}${tildeClose}}}`);
        }
      }
      i = end + 2;
      continue;
    }
    const c = text[i]!;
    const frame = top();
    if (c === '\n') {
      if (pending) {
        body = pending;
        pending = undefined;
      }
      lineStart = true;
      if (frame.kind === 'command') endCommand(frame);
      out += c;
      if (frame.kind !== 'command') command().word += c;
      i++;
      continue;
    }
    if (c === '\\' && !body?.quoted) {
      // A line continuation joins lines (in an unquoted here-document too); a backslash quotes the next character.
      if (text[i + 1] === '\n') {
        joinLines(i, 1);
      } else {
        write(text.slice(i, i + 2));
        i += 2;
      }
      continue;
    }
    if (body) {
      // An unquoted here-document expands $(( )) and ${ } too: where a variable set from a value may be read as arithmetic.
      if (!body.quoted && c === '$') joinLines(i + 1, 3);
      const expansion = !body.quoted && c === '$' ? EXPANSIONS.find((e) => text.startsWith(e.opener, i)) : undefined;
      arithmetic ??= expansion && arithmeticPlace(expansion, text.slice(i));
      write(c);
      i++;
      continue;
    }
    if ('$([<)]'.includes(c)) joinLines(i + 1, 3);
    if (frame.kind === 'integer' && frame.close !== '' && text.startsWith(frame.close, i)) {
      write(frame.close);
      i += frame.close.length;
      stack.pop();
      continue;
    }
    if (frame.kind === 'double' && c === '"') {
      stack.pop();
      write(c);
      i++;
      continue;
    }
    if (c === '$' && text.startsWith('{{', i + 1) && !text.startsWith('{{{', i + 1)) {
      // ${{value}} or $ then a value: bash reads $'...' and $"..." as its own quoting, so the value's quoting would not hold.
      const value = firstValue(text.slice(i + 1, text.indexOf('}}', i) + 2));
      if (value !== undefined) throw new ShellTemplateError(`{{${value}}} stands right after a $ in shell text, where its quoting would not hold (bash reads $'...' as its own quoting): put a space or other text between them`);
      write(c);
      i++;
      continue;
    }
    const expansion = c === '$' ? EXPANSIONS.find((e) => text.startsWith(e.opener, i)) : undefined;
    if (expansion) {
      open(expansion.opener, expansion.place === undefined ? { ...commandFrame(')'), substitution: true } : integerFrame(expansion.close), arithmeticPlace(expansion, text.slice(i)));
      i += expansion.opener.length;
      continue;
    }
    if (frame.kind === 'double') {
      write(c);
      i++;
      continue;
    }
    if (c === '$' && text[i + 1] === "'") {
      // bash's $'...', where \' does not end the string; dash reads $ and a '...' that ends at the first '.
      const end = ansiCEnd(text, i + 2);
      const quoted = text.slice(i, end < 0 ? undefined : end + 1);
      const value = firstValue(quoted);
      if (value !== undefined) throw new ShellTemplateError(`{{${value}}} stands inside $'...' in shell text, where its quoting would not hold: values are quoted for you, so write it outside quotes`);
      if (end !== text.indexOf("'", i + 2)) doubt("$'...' with an escaped ' in it (bash and dash end it at different places)");
      write(quoted);
      i += quoted.length;
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const quoted = text.slice(i, end < 0 ? undefined : end + 1);
      const value = firstValue(quoted);
      if (value !== undefined) throw new ShellTemplateError(`{{${value}}} stands inside single quotes in shell text, where its quoting would not hold: values are quoted for you, so write it outside quotes`);
      write(quoted);
      i += quoted.length;
      continue;
    }
    if (c === '"') {
      open(c, { kind: 'double', close: '"', words: [], word: '', cases: [] });
      i++;
      continue;
    }
    if (frame.kind === 'integer') {
      if (c === '(' || c === '[') open(c, integerFrame(c === '(' ? ')' : ']'));
      else write(c);
      i++;
      continue;
    }
    // A command frame from here on.
    const atCommand = commandNames(frame.words).length === 0;
    const casePart = frame.cases[frame.cases.length - 1];
    // A # starts a comment only at the start of a word (after a blank or an operator such as ; or >), not inside one (a\ #b, $(x)#b).
    if (c === '#' && (frame.word === '' || /(^|[^\\])(\\\\)*[<>]$/.test(frame.word))) {
      // A comment runs to the end of the line: a newline in a value there would end it and run the rest.
      const end = text.indexOf('\n', i);
      const comment = text.slice(i, end < 0 ? undefined : end);
      const value = firstValue(comment);
      if (value !== undefined) throw new ShellTemplateError(`{{${value}}} stands inside a # comment in shell text, where a line break in it would end the comment: take it out of the comment`);
      out += comment;
      i += comment.length;
      continue;
    }
    if (c === '(' && /^[A-Za-z_]\w*\+?=$/.test(frame.word)) {
      // An array assignment, also as a builtin's argument (export a=( ), readonly -a a=( )).
      open(c, integerFrame(')'), 'an array assignment (its [subscripts] are arithmetic)');
      i++;
      continue;
    }
    if (text.startsWith('((', i) && casePart !== 'pattern') {
      // Arithmetic, also right after a reserved word (for((, while((, then(( ).
      endWord(frame);
      open('((', integerFrame('))'), '(( ))');
      i += 2;
      continue;
    }
    if (frame.word === '' && /^\[\[\s/.test(text.slice(i))) {
      // [[ ]], also after words that are not the command (time -p [[ ]]).
      open('[[', integerFrame(']]'), '[[ ]] (its -eq, -lt and like operands are arithmetic)');
      i += 2;
      continue;
    }
    if (c === '[' && atCommand && /^[A-Za-z_]\w*$/.test(frame.word)) {
      open(c, integerFrame(']'), 'an array subscript');
      i++;
      continue;
    }
    if (c === '(' && casePart === 'pattern' && frame.word === '') {
      // A case pattern's optional opening parenthesis.
      write(c);
      i++;
      continue;
    }
    if (c === '(') {
      endCommand(frame);
      open(c, commandFrame(')'));
      i++;
      continue;
    }
    if (c === ')') {
      endCommand(frame);
      if (frame.cases[frame.cases.length - 1] === 'pattern') {
        // The end of a case pattern (its esac read): the item's commands follow.
        frame.cases[frame.cases.length - 1] = 'commands';
        write(c);
      } else if (frame.close === ')') {
        stack.pop();
        write(c);
        if (!frame.substitution) endCommand(command());
      } else {
        write(c);
      }
      i++;
      continue;
    }
    if (c === ' ' || c === '\t') {
      endWord(frame);
      out += c;
      i++;
      continue;
    }
    if (c === ';' || c === '&' || c === '|') {
      endCommand(frame);
      // ;; ;& ;;& end a case item: a pattern follows.
      const itemEnd = /^(;;&?|;&)/.exec(text.slice(i))?.[0];
      if (itemEnd && casePart === 'commands') frame.cases[frame.cases.length - 1] = 'pattern';
      out += itemEnd && casePart === 'commands' ? itemEnd : c;
      i += itemEnd && casePart === 'commands' ? itemEnd.length : 1;
      continue;
    }
    if (text.startsWith('<<<', i)) {
      // A here-string: its word is an ordinary word.
      write('<<<');
      i += 3;
      continue;
    }
    if (c === '<' && text[i + 1] === '<') {
      // The end word as the shell reads it: quotes and backslashes removed (<<'E O F', <<\\EOF, <<"E"OF).
      const m = /^<<(-?)[ \t]*((?:[^\s;&|()<>'"\\{]|\\.|'[^'\n]*'|"[^"\n]*")+)/.exec(text.slice(i));
      if (!m || text.startsWith('{{', i + m[0].length)) {
        const value = firstValue(text.slice(i));
        if (value !== undefined) throw new ShellTemplateError(`{{${value}}} comes after a here-document whose end word is not plain text, so where it stands cannot be known: write the end word as text (<<'EOF')`);
      } else {
        pending = { word: m[2]!.replace(/\\(.)|['"]/g, '$1'), tabs: m[1] === '-', quoted: /['"\\]/.test(m[2]!) };
        // An end word continued on the next line (<<EO\<newline>F): bash and dash may not agree on it.
        if (text.startsWith('\\\n', i + m[0].length)) doubt('a here-document end word split by a line continuation');
        write(m[0]);
        i += m[0].length;
        continue;
      }
    }
    write(c);
    i++;
  }
  endWord(command());
  return { out, arithmetic };
}

/** A here-document's end word; quoted (<<'EOF', <<\EOF): its body is literal. */
interface HereDocument {
  word: string;
  tabs: boolean;
  quoted: boolean;
}

/** Follows `case WORD in PATTERN) ... ;; esac` through the words of a command frame, so a pattern's `)` is read as no closing parenthesis. */
function followCase(frame: Frame, word: string): void {
  const part = frame.cases[frame.cases.length - 1];
  if (frame.words.length === 0 && word === 'esac' && part !== undefined && part !== 'subject') {
    frame.cases.pop();
  } else if (frame.words.length === 0 && word === 'case' && part !== 'pattern') {
    frame.cases.push('subject');
  } else if (part === 'subject' && (frame.words.length === 2 || frame.words.length === 0) && word === 'in') {
    // `in` after the word, on its line or the next.
    frame.cases[frame.cases.length - 1] = 'pattern';
    frame.words = [];
    return;
  }
}

/** The line at the start of `text` with the lines that line continuations join to it (a line ending in an odd number of backslashes). */
function logicalLine(text: string): string {
  let line = '';
  for (const physical of text.split('\n')) {
    if (!/(^|[^\\])(\\\\)*\\$/.test(physical)) return line + physical;
    line += physical.slice(0, -1);
  }
  return line;
}

/** Where bash's $'...' starting at `from` (after $') ends: the first ' no backslash escapes; -1 if none. */
function ansiCEnd(text: string, from: number): number {
  for (let k = from; k < text.length; k++) {
    if (text[k] === '\\') k++;
    else if (text[k] === "'") return k;
  }
  return -1;
}

/** The arithmetic in the script of `shell -c WORD` (read with its quotes removed, roughly as the shell passes it on), where the arguments and the variables a value may have set are read. */
function scriptArithmetic(word: string, shell: string): string | undefined {
  const script = word.replace(/'([^']*)'|\\(.)|"/g, (_, single: string | undefined, escaped: string | undefined) => single ?? escaped ?? '');
  let found: string | undefined;
  try {
    found = scanShellText(script, () => false, undefined, false).arithmetic;
  } catch (err) {
    if (!(err instanceof ShellTemplateError)) throw err;
    found = 'text it cannot read';
  }
  return found && `${found} in the command string of ${shell} -c`;
}

function commandFrame(close: string): Frame {
  return { kind: 'command', close, words: [], word: '', cases: [] };
}

function integerFrame(close: string): Frame {
  return { kind: 'integer', close, words: [], word: '', cases: [] };
}

/** What a value inside `${ }` that is not arithmetic itself is told. */
const INSIDE_EXPANSION = '${ } (bash reads its offsets and subscripts as arithmetic, and ${name@P} runs the $( ) of a value)';

/** Expansions that start with `$`: command substitution is commands again; the others are places for integers only. */
const EXPANSIONS: ReadonlyArray<{ opener: string; close: string; place?: string }> = [
  { opener: '$((', close: '))', place: '$(( ))' },
  { opener: '$(', close: ')' },
  { opener: '$[', close: ']', place: '$[ ]' },
  { opener: '${', close: '}', place: INSIDE_EXPANSION },
];

/** `${name}`, `${#name}`, `${name:-word}`, `${name/pattern/text}` and the like: a `${ }` with no offset, subscript, indirection or transformation (`${name@P}` runs the value's $( )). */
const SAFE_PARAMETER = /^\$\{(#?[A-Za-z_]\w*(\[([0-9]+|[@*])\])?|#?[0-9]+|#?[@*#?$!-])(\}|:?[-=?+]|##?|%%?|\/|\^\^?|,,?)/;

/** The arithmetic an expansion at the start of `rest` reads, if any. */
function arithmeticPlace(expansion: { opener: string; place?: string }, rest: string): string | undefined {
  return expansion.opener === '${' && SAFE_PARAMETER.test(rest) ? undefined : expansion.place;
}

/** Why a value that is not an integer is refused in text with arithmetic at `place`. */
export function integerRule(place: string): string {
  return `stands in shell text with ${place}: bash evaluates arithmetic as code (a[$(command)]), also in a quoted value and in a variable set from one, so only an integer may stand in such text, and this one is not (compare with test or [ ] instead, which read no arithmetic)`;
}

/**
 * The arguments of shell_quote for a mustache's expression: a helper call as a
 * sub-expression; a variable as it is, then its name (a helper's argument is
 * not checked by strict mode, so shell_quote says itself that it is not defined).
 */
function quotedExpression(expr: string, isHelper: (name: string) => boolean): string {
  const head = /^[^\s(]+/.exec(expr)?.[0] ?? expr;
  if (expr !== head || isHelper(head)) return `(${expr})`;
  return `${expr} ${JSON.stringify(expr)}`;
}

/** `{{#if x}}`, `{{/if}}`, `{{else}}`, `{{! comment}}`, `{{> partial}}`: template structure, not a value. */
function isBlockSyntax(expr: string): boolean {
  return /^[#/^!>]|^else\b|^$/.test(expr);
}

/** The expression of the first value mustache in `text` (triple-brace ones are not values to quote), if any. */
function firstValue(text: string): string | undefined {
  for (const m of text.matchAll(/\{\{\{[\s\S]*?\}\}\}|\{\{~?([\s\S]*?)~?\}\}/g)) {
    const expr = m[1]?.trim();
    if (expr !== undefined && !isBlockSyntax(expr)) return expr;
  }
  return undefined;
}
