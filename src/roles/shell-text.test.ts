import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { MASK, Secret, clearSecretsForTests, redact } from '../secrets.js';
import { renderShellText, renderValue } from './render.js';

const at = { file: 'roles/web/role.yaml', line: 10, col: 5 };
const dir = mkdtempSync(join(tmpdir(), 'provision-shell-text-'));
const PWNED = join(dir, 'PWNED');
afterEach(() => rmSync(PWNED, { force: true }));

/** The hostile values, each of which runs `touch PWNED` if it is ever read as shell. */
const HOSTILE = [
  `/etc/provision/tls/x"; touch ${PWNED}; echo "`,
  `/opt/Sumo$(touch ${PWNED})`,
  `7.0\nPROVISION_SUMO\ntouch ${PWNED}`,
  `'; touch ${PWNED}; '`,
  `\`touch ${PWNED}\``,
  `a\\'; touch ${PWNED} #`,
];

/** Runs rendered shell text with printf standing in for every command, and returns what it printed. */
function run(text: string): string {
  return execFileSync('sh', ['-c', text]).toString();
}

describe('role shell text: every {{value}} is one quoted word', () => {
  it.each(HOSTILE)('%j stays a value in cmd, unless and validate positions', (value) => {
    const context = { v: value, list: [value, 'b c'] };
    const rendered = [
      renderShellText("printf '%s|' {{v}}", context, at, 'h'),
      renderShellText("printf '%s|' -keyout {{v}} {{v}}/config/user.properties", context, at, 'h'),
      renderShellText('printf \'%s|\' "$(printf %s {{v}})"', context, at, 'h'),
      renderShellText("printf '%s|' {{list}}", context, at, 'h'),
    ];
    expect(run(rendered[0]!)).toBe(`${value}|`);
    expect(run(rendered[1]!)).toBe(`-keyout|${value}|${value}/config/user.properties|`);
    expect(run(rendered[2]!)).toBe(`${value}|`);
    expect(run(rendered[3]!)).toBe(`${value}|b c|`);
    expect(existsSync(PWNED)).toBe(false);
  });

  it.each([
    ['a secret is quoted as its value', 'echo {{s}}', { s: new Secret("p'w d") }, "echo 'p'\\''w d'"],
    ['a helper call is quoted as a whole', 'echo {{join list "-"}}', { list: ['a b', 'c'] }, "echo 'a b-c'"],
    ['block helpers keep working', 'echo{{#if on}} {{x}}{{/if}}', { on: true, x: 'y z' }, "echo 'y z'"],
    ['null renders as an empty word', 'echo {{n}}', { n: null }, "echo ''"],
    ['a number', 'sleep {{n}}', { n: 30 }, 'sleep 30'],
    ['a # inside a word or a parameter is not a comment', 'echo a#{{v}} ${#x} $# {{v}}', { v: 'b c' }, "echo a#'b c' ${#x} $# 'b c'"],
    ['text without values is untouched', "test \"$(stat -c %U)\" = 'root'", {}, "test \"$(stat -c %U)\" = 'root'"],
    ['{{{triple}}} is the opt-out: inserted as shell', 'echo {{{raw}}}', { raw: 'a; b' }, 'echo a; b'],
  ])('%s', (_, text, context, expected) => {
    expect(renderShellText(text, context, at, 'h')).toBe(expected);
  });

  it.each([
    ['inside double quotes', '-out "{{v}}"', /\{\{v\}\} stands inside double quotes in shell text/],
    ['inside single quotes', "echo '{{v}}'", /\{\{v\}\} stands inside single quotes in shell text/],
    ['inside a here-document', "install <<'EOF'\nprovision.dir={{v}}\nEOF", /\{\{v\}\} stands inside a here-document in shell text/],
    ['inside a here-document whose end word is quoted with spaces', "cat <<'E O F'\n{{v}}\nE O F", /inside a here-document/],
    ['inside a here-document whose end word is backslash-quoted', 'cat <<\\EOF\n{{v}}\nEOF', /inside a here-document/],
    ['inside a here-document whose end word has other characters', 'cat <<"E!"\n{{v}}\nE!', /inside a here-document/],
    ['in a here-document\'s end word', 'cat <<EOF{{v}}\nx\nEOF', /end word is not plain text/],
    ['inside an unquoted here-document with tabs', 'install <<-EOF\n\tdir={{v}}\n\tEOF', /inside a here-document/],
    ['inside a # comment (a line break in it would end the comment)', 'echo hi # {{v}}', /\{\{v\}\} stands inside a # comment in shell text/],
    ['inside a comment line', '# was {{v}}\necho b', /inside a # comment/],
    ['a variable that is not defined', 'echo {{nope}}', /template variable 'nope' is not defined/],
    ['holding a NUL byte (a shell word would end there)', 'rm -rf -- {{nul}}', /NUL byte/],
  ])('refuses a value %s, at the key', (_, text, message) => {
    let error: unknown;
    try {
      renderShellText(text, { v: 'x', nul: '/usr/l\u0000ib' }, at, 'h');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(message);
    expect((error as UserError).position).toEqual(at);
  });

  // The template's own constructs change the text between template and output; each would put the value where its quoting does not hold.
  it.each([
    ['`~` joining it onto a here-document\'s end line', 'cat <<EOF\nEOF\n{{~v}}', /once the template's blocks and ~ are applied, a value stands inside a here-document/],
    ['a block dropping the here-document\'s end line', 'cat <<EOF\n{{#if off}}\nEOF\n{{/if}}\n{{v}}\nEOF', /inside a here-document/],
    ['a block completing a here-document operator', 'cat <{{#if on}}<{{/if}}EOF\n{{v}}\nEOF', /inside a here-document/],
    ['a block dropping a closing double quote', 'echo "{{#if off}}"{{/if}}{{v}}"', /inside double quotes/],
    ['an escaped backslash before it (Handlebars leaves one)', 'echo \\\\{{v}}', /right after a backslash/],
    ['inside backquotes', 'echo `echo {{v}}`', /inside backquotes/],
    ['a block leaving a # at the start of a word', 'echo x {{#if off}}y{{/if}}#{{v}}', /inside a # comment/],
  ])('refuses a value moved by %s, and runs nothing', (_, text, message) => {
    let error: unknown;
    try {
      run(renderShellText(text, { v: `a;$(touch ${PWNED})\ntouch ${PWNED}`, on: true, off: false }, at, 'h'));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(message);
    expect(existsSync(PWNED)).toBe(false);
  });

  it('a value after a here-document ends is a word again', () => {
    expect(renderShellText("cat <<'EOF'\nx\nEOF\necho {{v}}", { v: 'a b' }, at, 'h')).toBe("cat <<'EOF'\nx\nEOF\necho 'a b'");
  });

  it('renderValue with shell: a whole-variable list becomes words, not a list', () => {
    expect(renderValue('{{cmd}} %s', { cmd: ['python3', '-m', 'json.tool'] }, at, 'h', true)).toBe('python3 -m json.tool %s');
    expect(renderValue('{{cmd}}', { cmd: ['a b'] }, at, 'h', true)).toBe("'a b'");
  });
});

describe('shipped roles', () => {
  const roles = readdirSync('roles').filter((name) => existsSync(join('roles', name, 'role.yaml')));
  it.each(roles)('%s never uses the {{{ }}} opt-out', (name) => {
    expect(readFileSync(join('roles', name, 'role.yaml'), 'utf8')).not.toContain('{{{');
  });
});

describe('a secret written through a format helper in shell text is masked where the command is shown', () => {
  afterEach(() => clearSecretsForTests());
  // Each word the secret is made of: none may be left in the shown command, whatever the encodings around it.
  const WORDS = ['alpha1', 'bravo2', 'charlie3', 'delta4', 'echo5', 'foxtrot6', 'golf7'];
  const SECRET = `alpha1'bravo2\\charlie3"delta4 ü echo5$foxtrot6%golf7`;

  it.each(['properties', 'mysql_option', 'systemd_env', 'systemd_value', 'json', 'nginx', 'one_line'])(
    '{{%s secret}}, then shell-quoted (a command resource shows its first line in plan and --json)',
    (helper) => {
      const context = { tok: new Secret(SECRET.replace(helper === 'nginx' ? '$' : '', '')) };
      const shown = redact(renderShellText(`printf '%s\\n' token={{${helper} tok}} | cat`, context, at, 'h'));
      expect(shown).toContain(MASK);
      for (const word of WORDS) expect(shown).not.toContain(word);
    },
  );
});
