/**
 * Where a shell runs a word of role shell text as code, or reads it as a
 * variable name (bash runs the `a[$(command)]` of a name): the command words
 * of a simple command, as shell-text.ts reads them. Verified with bash 5.2 and
 * dash. Pure.
 */

/** Builtins that make variables whose values are arithmetic (declare -i, local -i) or that read arithmetic (let). */
export const DECLARES = new Set(['declare', 'typeset', 'local', 'let']);
/** Commands that run other commands: the words after them may name the command that runs. */
export const WRAPPERS = new Set(['command', 'builtin', 'exec', 'sudo', 'doas', 'env', 'nohup', 'nice', 'ionice', 'timeout', 'time', 'xargs', 'busybox', 'setsid', 'stdbuf', 'chroot', 'flock']);
/** Commands that run their arguments as shell code. */
const RUNS_ARGUMENTS = new Set(['eval', 'trap', 'alias', 'compgen', 'complete', 'watch']);
/** Builtins whose arguments are variable names (bash evaluates a subscript in a name: a[$(command)]). */
const TAKES_NAMES = new Set([...DECLARES, 'read', 'mapfile', 'readarray', 'unset', 'getopts', 'wait']);
/** Shells (and su, runuser, flock, script) whose -c argument is shell code. */
const RUNS_C = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'mksh', 'zsh', 'su', 'runuser', 'flock', 'script']);
/** What reads a here-string or its standard input as a script. */
const READS_SCRIPT = new Set([...RUNS_C, '.', 'source']);
/** Words before a command's name that are not the command. */
const RESERVED = new Set(['!', '{', 'if', 'then', 'else', 'elif', 'while', 'until', 'do', 'time']);

/** A word without quotes and backslashes. */
function unquote(word: string): string {
  return word.replace(/['"\\]/g, '');
}

/** A word as a command name: without quotes and backslashes, its last path part. */
function nameOf(word: string): string {
  return unquote(word).replace(/^.*\//, '');
}

/** A redirection operator as its own word (`<`, `2>`, `<<<`, `>&`): the word after it is a file or a here-string, no argument. */
const REDIRECTION = /^[0-9]*(<<<|<>|>>|>\||[<>]&?)$/;

/** The words of a simple command that may name the command that runs: its first word after assignments, reserved words and redirections, and every word after a wrapper. */
export function commandNames(words: readonly string[]): string[] {
  let i = 0;
  while (i < words.length && (RESERVED.has(words[i]!) || (/^(-p|--)$/.test(words[i]!) && words[i - 1] === 'time') || /^[A-Za-z_]\w*(\[[^\]]*\])?\+?=/.test(words[i]!) || /^[0-9]*[<>]/.test(words[i]!))) {
    if (/^[0-9]*[<>]+&?$/.test(words[i]!)) i++;
    i++;
  }
  if (i >= words.length) return [];
  const first = nameOf(words[i]!);
  return WRAPPERS.has(first) ? [first, ...words.slice(i + 1).map(nameOf)] : [first];
}

/**
 * Why a value that starts or continues the word `prefix`, after `words`, stands
 * where a shell runs it as code or reads it as a variable name; undefined when it is an ordinary word.
 */
export function codePlace(words: readonly string[], prefix: string): string | undefined {
  const prompt = /^(PS[1-4]|PROMPT_COMMAND|BASH_ENV|ENV)=/.exec(unquote(prefix));
  if (prompt) return `in the value of ${prompt[1]}, whose $( ) the shell runs`;
  const previous = nameOf(words[words.length - 1] ?? '');
  const names = commandNames(words);
  // As written: a quoted '<' is an argument (eval '<' {{value}} would run the value).
  const last = words[words.length - 1] ?? '';
  const redirection = REDIRECTION.test(last) ? last : /^[0-9]*[<>]/.test(prefix) ? prefix : undefined;
  if (redirection !== undefined) {
    // A file name or a here-string, no argument: only a shell reading the here-string as its script runs it.
    const shell = redirection.includes('<<<') ? names.find((name) => READS_SCRIPT.has(name)) : undefined;
    return shell && `as the here-string ${shell} reads as its script`;
  }
  for (const name of names) {
    if (RUNS_ARGUMENTS.has(name)) return `in the arguments of ${name}, which runs them as shell code`;
    if (TAKES_NAMES.has(name)) return `in the arguments of ${name}, which reads variable names or arithmetic (bash runs the a[$(command)] in them)`;
    if ((name === 'export' || name === 'readonly') && !prefix.includes('=')) return `as a variable name of ${name} (bash runs the a[$(command)] of a name)`;
    if (name === 'printf' && (previous === '-v' || prefix.startsWith('-v'))) return 'as the variable name of printf -v (bash runs the a[$(command)] of a name)';
    if (name === 'printf' && previous === 'printf' && prefix === '') return "as printf's first argument, which bash reads as -v NAME when it starts so (write printf '%s' {{value}})";
    if (name === 'env' && (/^(-[A-Za-z]*S|--split-string)$/.test(previous) || /^(-[A-Za-z]*S|--split-string=)/.test(unquote(prefix)))) return 'in the string of env -S, which env splits into a command';
    if ((name === 'test' || name === '[') && (previous === '-v' || previous === '-R')) return `as the variable name of ${previous} (bash runs the a[$(command)] of a name)`;
  }
  const shell = commandString(words, prefix);
  if (shell) return `in the command string of ${shell} -c, which runs it as shell code`;
  const options = prefix === '' ? optionsOf(words) : undefined;
  if (options) return `where ${options} reads options (a value -c would make the next one a script; put -- before it)`;
  // bash's test reads -v NAME: a value right after another could be the operator and the name.
  if ((names[0] === 'test' || names[0] === '[') && prefix === '' && VALUE_WORD.test(last)) return `right after another value in the operands of ${names[0]} (bash reads -v NAME there, and runs the a[$(command)] of the name): put an operator between them`;
  return undefined;
}

/**
 * Shells and commands that read an option (-c, -S, sudo's -s) as a script to
 * run: a value may not stand among their options, unless as the argument of one
 * of the options listed (sudo -u {{user}}).
 */
const OPTIONS_WITH_ARGUMENT: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries({ sh: 'o', bash: 'oO', dash: 'o', ash: 'o', ksh: 'o', mksh: 'o', zsh: 'o', su: 'gGsw', runuser: 'ugGsw', script: 'EIOT', env: 'uC', sudo: 'ugpCDhrtUT' }).map(([name, letters]) => [name, new Set([...letters].map((l) => `-${l}`))]),
);
export const READS_OPTIONS: ReadonlySet<string> = new Set(OPTIONS_WITH_ARGUMENT.keys());

/** A value written into the words (the quoting helpers, or their marks when the shape is checked). */
const VALUE_WORD = /^\{\{~?(shell_quote|shell_integer|provision_)/;

/** The shell or env whose options the next word would be: every word after the first one so far is an option or an option's argument, and none is --. */
function optionsOf(words: readonly string[]): string | undefined {
  const s = words.findIndex((word) => READS_OPTIONS.has(nameOf(word)));
  if (s < 0) return undefined;
  const name = nameOf(words[s]!);
  const takesArgument = OPTIONS_WITH_ARGUMENT.get(name)!;
  for (let k = s + 1; k < words.length; k++) {
    const word = words[k]!;
    if (word === '--' || !(word.startsWith('-') || VALUE_WORD.test(word))) return undefined;
    // The option's argument: the next word, or the word a value would be.
    if (takesArgument.has(unquote(word)) && ++k === words.length) return undefined;
  }
  return name;
}

/** The shell (sh, bash, su, ...) whose -c command string the word `prefix` after `words` is, if it is one. */
export function commandString(words: readonly string[], prefix: string): string | undefined {
  const flag = unquote(prefix);
  for (const [s, word] of words.entries()) {
    if (!RUNS_C.has(nameOf(word))) continue;
    const c = words.findIndex((w, k) => k > s && /^-[A-Za-z]*c[A-Za-z]*$|^--(session-)?command$/.test(unquote(w)));
    if (c >= 0 && words.slice(c + 1).every((w) => unquote(w).startsWith('-')) && (!flag.startsWith('-') || /^--(session-)?command=/.test(flag))) return nameOf(word);
    if (c < 0 && /^--(session-)?command=/.test(flag)) return nameOf(word);
  }
  return undefined;
}
