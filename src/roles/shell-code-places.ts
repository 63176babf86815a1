/**
 * Where a shell runs a word of role shell text as code, or reads it as a
 * variable name (bash runs the `a[$(command)]` of a name): the command words
 * of a simple command, as shell-text.ts reads them. Verified with bash 5.2 and
 * dash. Pure.
 */

/** Builtins that make variables whose values are arithmetic (declare -i, local -i) or that read arithmetic (let). */
export const DECLARES = new Set(['declare', 'typeset', 'local', 'let']);
/** Commands that run other commands: the words after them may name the command that runs. */
const WRAPPERS = new Set(['command', 'builtin', 'exec', 'sudo', 'doas', 'env', 'nohup', 'nice', 'ionice', 'timeout', 'time', 'xargs', 'busybox', 'setsid', 'stdbuf', 'chroot', 'flock']);
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
  while (i < words.length && (RESERVED.has(words[i]!) || /^[A-Za-z_]\w*(\[[^\]]*\])?\+?=/.test(words[i]!) || /^[0-9]*[<>]/.test(words[i]!))) {
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
  return shell && `in the command string of ${shell} -c, which runs it as shell code`;
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
