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
    ['that is a mapping (no one word: it was written [object Object])', 'echo {{map}}', /a mapping in shell text: expected a string, number or boolean, or a list of them/],
    ['that is a list holding a list', 'echo {{nested}}', /a list in shell text: expected a string, number or boolean, or a list of them/],
  ])('refuses a value %s, at the key', (_, text, message) => {
    let error: unknown;
    try {
      renderShellText(text, { v: 'x', nul: '/usr/l\u0000ib', map: { a: 1 }, nested: ['a', ['b', 'c']] }, at, 'h');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(message);
    expect((error as UserError).position).toEqual(at);
  });

  // The template's own constructs change the text between template and output; each would put the value where its quoting does not hold.
  it.each([
    ['`~` joining it onto a here-document\'s end line', "cat <<'EOF'\nEOF\n{{~v}}", /once the template's blocks and ~ are applied, a value stands inside a here-document/],
    ['a block dropping the here-document\'s end line', 'cat <<EOF\n{{#if off}}\nEOF\n{{/if}}\n{{v}}\nEOF', /inside a here-document/],
    ['a block completing a here-document operator', 'cat <{{#if on}}<{{/if}}EOF\n{{v}}\nEOF', /inside a here-document/],
    ['a block dropping a closing double quote', 'echo "{{#if off}}"{{/if}}{{v}}"', /inside double quotes/],
    ['an escaped backslash before it (Handlebars leaves one)', 'echo \\\\{{v}}', /right after a backslash/],
    ['inside backquotes', 'echo `echo {{v}}`', /with backquotes/],
    ['a block leaving a # at the start of a word', 'echo x {{#if off}}y{{/if}}#{{v}}', /inside a # comment/],
    ['a block completing $(( ))', 'echo $({{#if on}}({{/if}} {{v}} ))', /once the template's blocks and ~ are applied, a value stands in shell text with \$\(\( \)\)/],
    // Handlebars reads {{else}} as structure, which quoting leaves alone: a variable named else must not become a value.
    ['{{else}} with a variable of that name', 'echo {{else}}', /template syntax error/],
    ['{{else.x}} with a variable of that name', 'echo {{else.x}}', /template syntax error/],
  ])('refuses a value moved by %s, and runs nothing', (_, text, message) => {
    let error: unknown;
    const v = `a;$(touch ${PWNED})\ntouch ${PWNED}`;
    try {
      run(renderShellText(text, { v, else: Object.assign(new String(v), { x: v }), on: true, off: false }, at, 'h'));
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
    ['after a line continuation', "printf '%s|' \\\n  {{v}}", ['sh', 'bash']],
    ['after $ and a blank', "printf '%s|' $ {{v}}", ['sh', 'bash']],
    ['an argument of sh -c after a wrapper', "timeout 10 sh -c 'printf \"%s|\" \"$1\"' sh {{v}}", ['sh', 'bash']],
    ['an operand of sh after --', "sh -- /dev/null {{v}}", ['sh', 'bash']],
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

/** A value that runs `touch PWNED` wherever a shell reads it unquoted. */
const SUBSTITUTED = `$(touch ${PWNED})`;

// Where the scanner could read a construct wrongly, it does not try: values there must be integers (or, for a list, a command's plain arguments).
describe('role shell text: constructs the scanner cannot read for sure', () => {
  const LIST = /a list value stands .*may only stand as a whole word among a command's plain arguments/;
  it.each([
    ['a here-document whose line has a quote spanning lines', 'cat >/dev/null <<EOF; printf \'%s\\n\' "one\nEOF\ntwo"\n{{v}}\nEOF', { v: SUBSTITUTED }, /here-document before it that is not a plain quoted one/],
    ['a here-document whose line has $( ) spanning lines', 'cat >/dev/null <<EOF; x=$(echo a\nEOF\n)\n{{v}}\nEOF', { v: SUBSTITUTED }, /here-document before it/],
    ['two here-documents on a line', 'cat >/dev/null <<A <<B\nx\nB\nA\n{{v}}\nB', { v: SUBSTITUTED }, /here-document before it/],
    ['a here-document end word with {', 'cat >/dev/null <<E{OF\nE\n{{v}}\nE{OF', { v: SUBSTITUTED }, /here-document before it/],
    ['a here-document end word with ${ }', 'cat >/dev/null <<${x}\n$\n{{v}}\n${x}', { v: SUBSTITUTED }, /here-document before it/],
    ['a # right after a case pattern', 'case x in\n  x)# {{v}}\n  ;;\nesac', { v: `x\ntouch ${PWNED} #` }, /with a case command in it/],
    ['a case after do inside "$( )"', 'echo "$(for i in 1; do case $i in 1) echo "{{v}}";; esac; done)"', { v: SUBSTITUTED }, /a case command in it|inside double quotes/],
    ['a case after { inside "$( )"', 'echo "$({ case x in x) echo "{{v}}";; esac; })"', { v: SUBSTITUTED }, /a case command in it|inside double quotes/],
    ['a case word and pattern', "case {{v}} in {{v}}) printf '%s|' {{v}};; esac", { v: EVALUATED }, /with a case command in it/],
    ['after "$(case ...)"', 'x="$(case a in a) echo hi;; esac)"; printf \'%s|\' {{v}}', { v: EVALUATED }, /with a case command in it/],
    ['backquotes around double quotes, after a quoted backquote', 'echo \'`\' "`echo "{{v}}"`"', { v: SUBSTITUTED }, /with backquotes/],
    ['backquotes, after a backquote in a comment', '# a ` here\nx=`basename {{v}}`', { v: `\`;touch ${PWNED};\`` }, /with backquotes/],
    ['an escaped {{ hiding a quote from the shape check', 'echo \\{{ " }} {{#if f}}"{{/if}} {{v}} \\{{ " }}', { v: SUBSTITUTED, f: false }, /inside double quotes/],
    ['a Handlebars comment holding a quote', 'echo \\{{ " }} {{!-- }} " --}} {{v}} \\{{ " }}', { v: SUBSTITUTED }, /inside double quotes/],
    ["a ' inside \"${x:-...}\" (dash reads it as a character)", 'echo "${x:-\'}" \'}" {{v}}', { v: `;touch ${PWNED};'` }, /with a quote inside \$\{ \} in it/],
    ['among the options of sh', 'sh {{w}} {{v}}', { w: '-c', v: `touch ${PWNED}` }, /where sh reads options/],
    ['among the options of sudo', 'sudo -n {{w}} {{v}} 2>/dev/null', { w: '-s', v: `touch ${PWNED}` }, /where sudo reads options/],
    ["among the options of sh, after an option's argument", 'sh -o errexit {{w}} {{v}}', { w: '-c', v: `touch ${PWNED}` }, /where sh reads options/],
    ['a case word split by a line continuation', 'ca\\\nse x in\n  x)# {{v}}\n  ;;\nesac', { v: `x\ntouch ${PWNED} #` }, /with a case command in it/],
    ['an alias standing for case', 'alias c=case\nc x in\n  x)# {{v}}\n  ;;\nesac', { v: `x\ntouch ${PWNED} #` }, /with an alias in it/],
    ['right after another value in [ ] (bash reads -v NAME)', '[ {{w}} {{v}} ]', { w: '-v', v: EVALUATED }, /right after another value in the operands of \[/],
    ['after eval and a process substitution', 'eval <(true) {{v}}', { v: EVALUATED }, /arguments of eval/],
    ['after time -p eval', 'time -p eval {{v}}', { v: EVALUATED }, /arguments of eval/],
    ['a list in an assignment', 'FOO={{l}} true', { l: ['x', 'touch', PWNED] }, LIST],
    ['a list as a variable\'s value', 'n={{l}}; echo $n', { l: ['x', 'touch', PWNED] }, LIST],
    ['a list after timeout', 'timeout {{l}} true', { l: ['5', 'touch', PWNED] }, LIST],
    ['a list in an assignment after env', 'env LANG={{l}} true', { l: ['C', 'touch', PWNED] }, LIST],
    ['a list in test (bash reads -v NAME)', 'test ! -e {{l}}', { l: ['x', '-o', '-v', EVALUATED] }, LIST],
    ['a list as a here-string', 'IFS=: read -r a b <<< {{l}}', { l: ['x', EVALUATED] }, LIST],
    ['a list as a file read reads', 'read -r x < {{l}}', { l: ['/dev/null', EVALUATED] }, LIST],
    ['an empty list inside a here-document operator', 'cat >/dev/null <{{l}}<EOF\n{{v}}\nEOF', { l: [], v: SUBSTITUTED }, LIST],
    ['an empty list before a #', 'echo a {{l}}#{{v}}', { l: [], v: `x\ntouch ${PWNED} #` }, LIST],
  ])('refuses a value %s, and runs nothing', (_, text, context, message) => {
    let error: unknown;
    try {
      const rendered = renderShellText(text, context, at, 'h');
      for (const shell of ['sh', 'bash']) execFileSync(shell, ['-c', rendered], { stdio: 'ignore' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(message);
    expect(existsSync(PWNED)).toBe(false);
  });

  it.each([
    ['an integer in a case', "case x in x) printf '%s|' {{n}};; esac", { n: 42 }, '42|'],
    ['an integer after an unquoted here-document', "cat >/dev/null <<EOF\nx\nEOF\nprintf '%s|' {{n}}", { n: 42 }, '42|'],
    ['an integer beside backquotes', "printf '%s|' `echo a` {{n}}", { n: 42 }, 'a|42|'],
    ["an escaped Go template in single quotes", "printf '%s|' '\\{{.State.Running}}' {{v}}", { v: 'a b' }, '{{.State.Running}}|a b|'],
    ['an escaped Go template in double quotes', 'printf \'%s|\' "\\{{.Names}}" {{v}}', { v: 'a b' }, '{{.Names}}|a b|'],
    ['a list as plain arguments', "printf '%s|' x {{l}}", { l: ['a b', EVALUATED] }, `x|a b|${EVALUATED}|`],
    ['an empty list as plain arguments', "printf '%s|' x {{l}}", { l: [] }, 'x|'],
    ['a value as the argument of sudo -u', "sudo -n -u {{v}} true 2>/dev/null || printf '%s|' x", { v: EVALUATED }, 'x|'],
    ['a list as the whole command', "{{l}} x", { l: ['printf', '%s|'] }, 'x|'],
    ['a value after a plain quoted here-document', "cat >/dev/null <<'EOF'\nx\nEOF\nprintf '%s|' {{v}}", { v: EVALUATED }, `${EVALUATED}|`],
  ])('renders %s', (_, text, context, printed) => {
    const rendered = renderShellText(text, context, at, 'h');
    for (const shell of ['sh', 'bash']) expect(execFileSync(shell, ['-c', rendered]).toString()).toBe(printed);
    expect(existsSync(PWNED)).toBe(false);
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
