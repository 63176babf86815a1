import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { MASK, Secret, clearSecretsForTests, redact } from '../secrets.js';
import { renderShellText, renderValue } from './render.js';
import { checkEveryValueQuoted } from './shell-text.js';

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
    ['a block completing $(( ))', 'echo $({{#if on}}({{/if}} {{v}} ))', /once the template's blocks and ~ are applied, a value stands in shell text with \$\(\( \)\)/],
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

/** A value that runs `touch PWNED` wherever bash or dash evaluates it as arithmetic, a variable name or code. */
const EVALUATED = `a[$(touch ${PWNED})]`;

/** Renders shell text with `v` set to `value` and runs it with each shell; returns the error if rendering refused it. */
function renderAndRun(text: string, value: unknown, shells: readonly string[]): unknown {
  try {
    const rendered = renderShellText(text, { v: value }, at, 'h');
    for (const shell of shells) execFileSync(shell, ['-c', rendered], { stdio: 'ignore' });
  } catch (err) {
    return err;
  }
  return undefined;
}

// Where a quoted word is still evaluated: bash (and dash in $(( ))) runs the $( ) of `a[$(...)]` there.
describe('role shell text: no value where a shell evaluates it as arithmetic, a name or code', () => {
  const INTEGER_ONLY = /stands in shell text with .*only an integer may stand in such text/;
  it.each([
    ['the report: $(( )) in an unless probe', 'test $(( {{v}} + 1 )) -gt 0', `1+$(touch ${PWNED})`, INTEGER_ONLY],
    ['$(( ))', 'echo $(( {{v}} ))', EVALUATED, /with \$\(\( \)\)/],
    ['$(( )) inside double quotes', 'echo "$(( {{v}} ))"', EVALUATED, INTEGER_ONLY],
    ['$(( )) inside ${ }', 'echo $(( ${x:-{{v}} } + 1 ))', EVALUATED, INTEGER_ONLY],
    ['$( ) inside $(( ))', 'echo $(( $(printf %s {{v}}) ))', EVALUATED, INTEGER_ONLY],
    ["bash's (( ))", '(( {{v}} ))', EVALUATED, /with \(\( \)\)/],
    ["bash's $[ ]", 'echo $[ {{v}} ]', EVALUATED, /with \$\[ \]/],
    ["bash's [[ -eq ]]", '[[ {{v}} -eq 1 ]]', EVALUATED, /with \[\[ \]\]/],
    ["bash's [[ -v ]]", '[[ -v {{v}} ]]', EVALUATED, INTEGER_ONLY],
    ['a variable set from a value, then read as arithmetic', 'n={{v}}; echo $((n + 1))', EVALUATED, INTEGER_ONLY],
    ['a variable set from a value, then read as arithmetic in a here-document', 'n={{v}}\ncat <<EOF\n$((n + 1))\nEOF', EVALUATED, INTEGER_ONLY],
    ['a variable set from a value, then compared in [[ ]]', 'n={{v}}\n[[ $n -gt 1 ]]', EVALUATED, INTEGER_ONLY],
    ['an array subscript', 'a[{{v}}]=1', EVALUATED, /with an array subscript/],
    ['a subscript in ${ }', 'echo ${a[{{v}}]}', EVALUATED, INTEGER_ONLY],
    ['a substring offset in ${ }', 'x=abc; echo ${x:0:{{v}} }', EVALUATED, INTEGER_ONLY],
    ['a default in ${ } inside double quotes', 'echo "${x:-{{v}} }"', EVALUATED, INTEGER_ONLY],
    ['a default in ${ }', 'echo ${x:-{{v}} }', EVALUATED, INTEGER_ONLY],
    ['a variable set from a value, then prompt-expanded', 'x={{v}}; echo ${x@P}', `$(touch ${PWNED})`, INTEGER_ONLY],
    ['an integer variable, then an assignment', 'declare -i n\nn={{v}}', EVALUATED, INTEGER_ONLY],
    ['an array assignment', 'a=([{{v}}]=1)', EVALUATED, /with an array assignment/],
    ['a variable set from a value, then read as a name', 'x={{v}}; read -r "$x" </dev/null', EVALUATED, /with an expansion in the arguments of read/],
    ['a variable set from a value, then in PS4', 'x={{v}}; PS4=$x; set -x; :', `$(touch ${PWNED})`, /with an expansion in the value of PS4/],
    ['a variable set from a value, then in eval', 'x={{v}}; eval "$x"', `touch ${PWNED}`, /with an expansion in the arguments of eval/],
    ['let', 'let n={{v}}', EVALUATED, /in the arguments of let/],
    ['declare -i', 'declare -i n={{v}}', EVALUATED, /in the arguments of declare/],
    ['typeset -i', 'typeset -i n={{v}}', EVALUATED, /in the arguments of typeset/],
    ['local -i', 'f() { local -i n={{v}}; }; f', EVALUATED, /in the arguments of local/],
    ['eval', 'eval printf %s {{v}}', EVALUATED, /in the arguments of eval, which runs them as shell code/],
    ['command eval', 'command eval printf %s {{v}}', EVALUATED, /arguments of eval/],
    ['trap', 'trap {{v}} EXIT', EVALUATED, /arguments of trap/],
    ['alias', 'alias x={{v}}\nx', EVALUATED, /arguments of alias/],
    ['compgen -W', 'compgen -W {{v}}', EVALUATED, /arguments of compgen/],
    ['sh -c, the value as the command string', 'sh -c {{v}}', `$(touch ${PWNED})`, /in the command string of sh -c/],
    ['sh -c, the value ending the command string', "sh -c 'printf %s '{{v}}", `$(touch ${PWNED})`, /command string of sh -c/],
    ['bash -ec after a wrapper', 'timeout 5 /bin/bash -ec {{v}}', `$(touch ${PWNED})`, /command string of bash -c/],
    ['su -c', 'su -c {{v}} root', `$(touch ${PWNED})`, /command string of su -c/],
    ['PS4, which set -x expands', 'PS4={{v}}; set -x; true', `$(touch ${PWNED})`, /in the value of PS4/],
    ['an exported ENV', 'export ENV={{v}}', `$(touch ${PWNED})`, /in the value of ENV/],
    ['read', 'read {{v}} </dev/null', EVALUATED, /arguments of read, which reads variable names/],
    ['printf -v', 'printf -v {{v}} %s x', EVALUATED, /variable name of printf -v/],
    ['test -v', 'test -v {{v}}', EVALUATED, /variable name of -v/],
    ['[ -v ]', '[ -v {{v}} ]', EVALUATED, /variable name of -v/],
    ['unset', 'a=(1); unset {{v}}', EVALUATED, /arguments of unset/],
    ['export, as the name', 'export {{v}}', EVALUATED, /variable name of export/],
    // A value right after $: ${{v}} would open ${ } and leave the value raw; bash reads $'...' and $"..." as its own quoting.
    ['${ } opened right before it', 'echo ${{v}}', `x; touch ${PWNED}`, /right after a \$ in shell text/],
    ['${ } opened right before it, in a word', 'echo admin:${{v}}', `x; touch ${PWNED}`, /right after a \$/],
    ['${ } opened right before it, in $(( ))', 'echo $(( ${{v}} ))', `x))$(touch ${PWNED})$((1`, /right after a \$/],
    ['$ and a line continuation before it', 'echo $\\\n{{v}}', `\\'; touch ${PWNED}; #`, /right after a \$/],
    ['$ that ~ joins to it', 'echo $ {{~v}}', `\\'; touch ${PWNED}; #`, /once the template's blocks and ~ are applied, a value stands right after a \$/],
    // Arithmetic the shell reads where the text hides it: every value of the text must be an integer.
    ['$ and (( split by a line continuation', 'n={{v}}; echo $\\\n((n+1))', EVALUATED, /with \$\(\( \)\)/],
    ['( and ( split by a line continuation', 'n={{v}}; (\\\n(n+1))', EVALUATED, /with \(\( \)\)/],
    ['$(( )) after an escaped blank and # (no comment)', 'n={{v}}; echo \\ #$((n+1))', EVALUATED, /with \$\(\( \)\)/],
    ['$(( )) after $( ) and # (no comment)', 'n={{v}}; echo $(true)#$((n+1))', EVALUATED, /with \$\(\( \)\)/],
    ['$(( )) after a line continuation and #', 'n={{v}}; echo a\\\n#$((n+1))', EVALUATED, /with \$\(\( \)\)/],
    ["$(( )) after $'\\'' (bash and dash end it at different places)", "n={{v}}; echo $'\\'' $((n+1)) 'x'", EVALUATED, /with \$'...' with an escaped ' in it/],
    ["a value after $'\\''", "echo $'\\'' {{v}} 'x'", `'; touch ${PWNED}; '`, /comes after \$'...' with an escaped ' in it/],
    ['for((', 'n={{v}}; for((i=0;i<n;i++)); do break; done', EVALUATED, /with \(\( \)\)/],
    ['while((', 'n={{v}}; while((n)); do break; done', EVALUATED, /with \(\( \)\)/],
    ['if((', 'n={{v}}; if((n)); then :; fi', EVALUATED, /with \(\( \)\)/],
    ['then((', 'n={{v}}; if true; then((n)); fi', EVALUATED, /with \(\( \)\)/],
    ['time -p [[ ]]', 'n={{v}}; time -p [[ $n -eq 1 ]] 2>/dev/null', EVALUATED, /with \[\[ \]\]/],
    ["printf -v 'a[n]'", "n={{v}}; printf -v 'a[n]' %s x", EVALUATED, /with a subscript as the variable name of printf -v/],
    ["read 'a[n]'", "n={{v}}; read -r 'a[n]' </dev/null", EVALUATED, /with a subscript in the arguments of read/],
    ["test -v 'a[n]'", "n={{v}}; test -v 'a[n]'", EVALUATED, /with a subscript as the variable name of -v/],
    ['[ -v a[n] ]', 'n={{v}}; [ -v a[n] ]', EVALUATED, /with a subscript as the variable name of -v/],
    ['readonly -a a=( )', 'readonly -a arr=([{{v}}]=1)', EVALUATED, /with an array assignment/],
    ['export a=( )', 'export arr=([{{v}}]=1)', EVALUATED, /with an array assignment/],
    // The script of sh -c is read too: the README's `sh -c '... "$1"' sh {{v}}` holds only for a script without arithmetic or eval.
    ["sh -c's script, with $1 in $(( ))", "bash -c 'echo $(( $1 + 1 ))' sh {{v}}", EVALUATED, /with \$\(\( \)\) in the command string of bash -c/],
    ["sh -c's script, with a variable set from a value in $(( ))", "n={{v}} bash -c 'echo $((n+1))'", EVALUATED, /in the command string of bash -c/],
    ["sh -c's script, with $1 in eval", `sh -c 'eval "$1"' sh {{v}}`, `touch ${PWNED}`, /with an expansion in the arguments of eval.* in the command string of sh -c/],
    // Where the shells end a here-document or a pattern, and the scanner must too.
    ['a here-document whose line before the end word ends in \\', 'cat >/dev/null <<EOF\nfoo\\\nEOF\necho {{v}}\nEOF', `$(touch ${PWNED})`, /inside a here-document/],
    ['a here-document operator split by a line continuation', 'cat >/dev/null <\\\n<EOF\n{{v}}\nEOF', `$(touch ${PWNED})`, /inside a here-document/],
    ['a here-document end word split by a line continuation (bash ends there, dash does not)', 'cat >/dev/null <<EOF\nEO\\\nF\necho {{v}}\nEOF', `$(touch ${PWNED})`, /inside a here-document/],
    ['a value after a here-document end word split by a line continuation', 'cat >/dev/null <<EOF\nEO\\\nF\nEOF\necho {{v}}', `x; touch ${PWNED}`, /comes after a here-document end word split by a line continuation/],
    ['double quotes in a case item inside "$( )"', 'echo "arch: $(case $(uname -m) in x86_64) echo "{{v}}";; *) echo other;; esac)"', `$(touch ${PWNED})`, /inside double quotes/],
    ['double quotes in a case item inside "$( )", with in on its own line', 'x="$(case a\nin\n a) echo "{{v}}";; esac)"', `$(touch ${PWNED})`, /inside double quotes/],
    // More commands that run a value.
    ['sh "-c", the flag quoted', 'sh "-c" {{v}}', `touch ${PWNED}`, /command string of sh -c/],
    ['script -c', 'script -qc {{v}} /dev/null', `touch ${PWNED}`, /command string of script -c/],
    ['env -S', 'env -S {{v}}', `touch ${PWNED}`, /in the string of env -S/],
    ['su --session-command=', 'su --session-command={{v}}', `touch ${PWNED}`, /command string of su -c/],
    ['a here-string bash reads as its script', 'bash <<< {{v}}', `touch ${PWNED}`, /as the here-string bash reads as its script/],
    ["eval, after a quoted '<' (an argument, no redirection)", "eval '<' {{v}}", EVALUATED, /arguments of eval/],
    ["printf's first argument (bash reads -vNAME)", 'printf {{v}} hello >/dev/null', `-va[$(touch ${PWNED})]`, /as printf's first argument/],
  ])('refuses a value in %s, and runs nothing', (_, text, value, message) => {
    const error = renderAndRun(text, value, ['sh', 'bash']);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(message);
    expect((error as UserError).message).not.toContain('touch');
    expect((error as UserError).position).toEqual(at);
    expect(existsSync(PWNED)).toBe(false);
  });

  it.each([
    ['a word', "printf '%s|' {{v}}", ['sh', 'bash']],
    ['a case word and pattern', "case {{v}} in {{v}}) printf '%s|' {{v}};; esac", ['sh', 'bash']],
    ['a here-string', 'cat <<< {{v}}', ['bash']],
    ['an argument of sh -c', "sh -c 'printf \"%s|\" \"$1\"' sh {{v}}", ['sh', 'bash']],
    ['the value of export', 'export X={{v}}; printf \'%s|\' "$X"', ['sh', 'bash']],
    ['the value of printf -v', 'printf -v x %s {{v}}; printf \'%s|\' "$x"', ['bash']],
    ['a test operand', "[ {{v}} = x ] || printf '%s|' {{v}}", ['sh', 'bash']],
    ['beside a ${ } without arithmetic', "printf '%s|' ${HOME:+} ${HOME#/} {{v}}", ['sh', 'bash']],
    ["beside bash's ${ } pattern substitution", "printf '%s|' ${HOME/x/y} {{v}}", ['bash']],
    ['beside "${10}" and ${PIPESTATUS[0]}', "printf '%s|' {{v}} \"${10}\"; exit ${PIPESTATUS[0]}", ['bash']],
    ['after a quoted here-document with $(( )) in its literal body', "cat >/dev/null <<'EOF'\nx=$((1+2))\nEOF\nprintf '%s|' {{v}}", ['sh', 'bash']],
    ['after a quoted here-document whose line before the end word ends in \\', "cat >/dev/null <<'EOF'\nfoo\\\nEOF\nprintf '%s|' {{v}}", ['sh', 'bash']],
    ['after an unquoted here-document continued past an end word', "cat >/dev/null <<EOF\nfoo \\\nEOF\nEOF\nprintf '%s|' {{v}}", ['sh', 'bash']],
    ['after a line continuation', "printf '%s|' \\\n  {{v}}", ['sh', 'bash']],
    ['after $ and a blank', "printf '%s|' $ {{v}}", ['sh', 'bash']],
    ['in a case item inside $( )', 'x=$(case a in (a) printf %s {{v}};; esac); printf \'%s|\' "$x"', ['sh', 'bash']],
    ['after "$(case ...)"', 'x="$(case a in a) echo hi;; esac)"; printf \'%s|\' {{v}}', ['sh', 'bash']],
    ['a here-string read splits', 'IFS=: read -r a b <<< {{v}}', ['bash']],
    ['a file read reads', 'read -r x < {{v}} 2>/dev/null || true', ['sh', 'bash']],
  ])('a value as %s stays a word', (_, text, shells) => {
    expect(renderAndRun(text, EVALUATED, shells)).toBeUndefined();
    expect(existsSync(PWNED)).toBe(false);
  });

  it.each([
    ['$(( ))', 'echo $(( {{v}} + 1 ))', 41, ['sh', 'bash'], 42],
    ['$(( )), a string', 'echo $(( {{v}} + 1 ))', '41', ['sh', 'bash'], 42],
    ['$(( )), a secret', 'echo $(( {{v}} + 1 ))', new Secret('-3000'), ['sh', 'bash'], -2999],
    ['a variable, then $(( ))', 'n={{v}}; echo $((n + 1))', 41, ['sh', 'bash'], 42],
    ['[[ -eq ]]', '[[ {{v}} -eq 41 ]] && echo 42', 41, ['bash'], 42],
    ['an array subscript', 'a[{{v}}]=42; echo ${a[41]}', 41, ['bash'], 42],
  ])('an integer in %s is written as it is', (_, text, value, shells, printed) => {
    const rendered = renderShellText(text, { v: value }, at, 'h');
    for (const shell of shells) expect(execFileSync(shell, ['-c', rendered]).toString()).toBe(`${printed}\n`);
  });

  it.each([['a float', 1.5], ['a list', [1, 2]], ['null', null], ['a leading +', '+1'], ['a space', '1 ']])('%s is no integer', (_, value) => {
    expect(() => renderShellText('echo $(( {{v}} ))', { v: value }, at, 'h')).toThrow(INTEGER_ONLY);
  });
});

// The last guard: a {{value}} the scanner did not rewrite (as ${{v}} once was) is refused, never rendered raw.
describe('a value left unquoted in the quoted template', () => {
  it.each([
    ['refused', 'echo ${{v}}', /\{\{v\}\} stands where the shell text around it cannot be read/],
    ['refused in a block', 'echo {{#if on}}${{v}}{{/if}}', /\{\{v\}\} stands where/],
  ])('is %s: %j', (_, quoted, message) => {
    expect(() => checkEveryValueQuoted(quoted)).toThrow(message);
  });
  it.each(['echo {{shell_quote v "v"}} {{{raw}}} \\{{literal}} {{#if on}}{{shell_integer n "n" place="x"}}{{/if}}'])('passes quoted values, the opt-out and escaped braces: %j', (quoted) => {
    expect(checkEveryValueQuoted(quoted)).toBeUndefined();
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
