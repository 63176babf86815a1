/**
 * Role text that becomes shell (a command's `cmd` and `unless`, a file's
 * `validate`, a load balancer's drain commands): before it is rendered, every
 * `{{value}}` in it is rewritten to `{{shell_quote value}}`, so each value
 * becomes one quoted shell word (a list: one word per item), whatever it
 * holds. A value can only stand where a word can: outside quotes, here-documents
 * and `#` comments (inside those, quoting would not hold: a `"` or a newline in
 * the value would end them); anywhere else is an error naming the value.
 * `{{{value}}}` (triple braces) inserts a value as shell text, unquoted: the
 * documented opt-out, which no shipped role uses. Pure.
 */

/** The helper that quotes a value as shell words (registered by render.ts). */
export const SHELL_QUOTE_HELPER = 'shell_quote';

/** What shell_quote writes in place of a value when the rendered text's shape is checked (a value mustache to the scanner). */
export const VALUE_MARK = '{{provision_value}}';

/**
 * Checks where the values stand in rendered shell text whose values are
 * VALUE_MARKs: as in the template, only where a word can (the template's
 * blocks, `~` and backslashes can change that between template and output),
 * and never after a backslash or inside backquotes.
 */
export function checkValuePlaces(shape: string): void {
  try {
    quoteShellTemplate(shape, () => false);
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

/** Where the scanner is in the shell text: plain words, or inside double quotes. */
type Context = 'plain' | 'double';

/**
 * The template text with each value mustache quoted as shell. `isHelper`
 * tells a helper called without arguments (`{{internal_tls_name}}`) from a variable.
 */
export function quoteShellTemplate(text: string, isHelper: (name: string) => boolean): string {
  const stack: Context[] = ['plain'];
  let out = '';
  // The delimiter of a here-document whose body starts at the next line, and the body's delimiter while in it.
  let pending: { word: string; tabs: boolean } | undefined;
  let body: { word: string; tabs: boolean } | undefined;
  let lineStart = true;
  for (let i = 0; i < text.length; ) {
    if (lineStart && body) {
      const end = text.indexOf('\n', i);
      const line = text.slice(i, end < 0 ? undefined : end);
      if ((body.tabs ? line.replace(/^\t+/, '') : line) === body.word) body = undefined;
    }
    lineStart = false;
    if (text.startsWith('{{{', i)) {
      const end = text.indexOf('}}}', i);
      if (end < 0) return out + text.slice(i);
      out += text.slice(i, end + 3);
      i = end + 3;
      continue;
    }
    if (text.startsWith('{{', i)) {
      const end = text.indexOf('}}', i);
      if (end < 0) return out + text.slice(i);
      const inner = text.slice(i + 2, end);
      const open = inner.startsWith('~') ? '~' : '';
      const close = inner.endsWith('~') ? '~' : '';
      const expr = inner.slice(open.length, inner.length - close.length).trim();
      if (isBlockSyntax(expr)) {
        out += text.slice(i, end + 2);
      } else {
        const where = body ? 'inside a here-document' : stack[stack.length - 1] === 'double' ? 'inside double quotes' : undefined;
        if (where) throw new ShellTemplateError(`{{${expr}}} stands ${where} in shell text, where its quoting would not hold: values are quoted for you, so write it outside quotes (e.g. -out {{${expr}}}) and pass here-document content another way (e.g. printf '%s\\n' key={{${expr}}} | command)`);
        out += `{{${open}${SHELL_QUOTE_HELPER} ${quotedExpression(expr, isHelper)}${close}}}`;
      }
      i = end + 2;
      continue;
    }
    const c = text[i]!;
    const state = stack[stack.length - 1]!;
    if (c === '\n') {
      if (pending) {
        body = pending;
        pending = undefined;
      }
      lineStart = true;
      out += c;
      i++;
      continue;
    }
    if (body) {
      out += c;
      i++;
      continue;
    }
    if (c === '\\') {
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === '#' && state === 'plain' && /^$|[\s;&|()<>]$/.test(out.slice(-1))) {
      // A comment runs to the end of the line: a newline in a value there would end it and run the rest.
      const end = text.indexOf('\n', i);
      const comment = text.slice(i, end < 0 ? undefined : end);
      const value = firstValue(comment);
      if (value !== undefined) throw new ShellTemplateError(`{{${value}}} stands inside a # comment in shell text, where a line break in it would end the comment: take it out of the comment`);
      out += comment;
      i += comment.length;
      continue;
    }
    if (c === "'" && state === 'plain') {
      const end = text.indexOf("'", i + 1);
      const quoted = text.slice(i, end < 0 ? undefined : end + 1);
      const value = firstValue(quoted);
      if (value !== undefined) throw new ShellTemplateError(`{{${value}}} stands inside single quotes in shell text, where its quoting would not hold: values are quoted for you, so write it outside quotes`);
      out += quoted;
      i += quoted.length;
      continue;
    }
    if (c === '"') {
      if (state === 'double') stack.pop();
      else stack.push('double');
    } else if (c === '$' && text[i + 1] === '(') {
      stack.push('plain');
      out += '$(';
      i += 2;
      continue;
    } else if (c === '(' && state === 'plain') {
      stack.push('plain');
    } else if (c === ')' && state === 'plain' && stack.length > 1) {
      stack.pop();
    } else if (c === '<' && state === 'plain' && text[i + 1] === '<' && text[i + 2] !== '<') {
      // The end word as the shell reads it: quotes and backslashes removed (<<'E O F', <<\\EOF, <<"E"OF).
      const m = /^<<(-?)[ \t]*((?:[^\s;&|()<>'"\\{]|\\.|'[^'\n]*'|"[^"\n]*")+)/.exec(text.slice(i));
      if (!m || text.startsWith('{{', i + m[0].length)) {
        const value = firstValue(text.slice(i));
        if (value !== undefined) throw new ShellTemplateError(`{{${value}}} comes after a here-document whose end word is not plain text, so where it stands cannot be known: write the end word as text (<<'EOF')`);
      } else {
        pending = { word: m[2]!.replace(/\\(.)|['"]/g, '$1'), tabs: m[1] === '-' };
        out += m[0];
        i += m[0].length;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
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
