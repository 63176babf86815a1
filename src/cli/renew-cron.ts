/** `provision renew --print-cron`: a crontab line running renew twice a day. */
import { UserError } from '../errors.js';
import { insert, joinShell, sh, variable, words as shellWords } from '../shell/quote.js';

/** What the cron line runs. */
export interface CronCommand {
  /** Absolute path of node. */
  node: string;
  /** Absolute path of provision's CLI script. */
  script: string;
  /** The inventory sources renew reads (absolute paths, or host lists): the first as renew's argument, the others with -i. */
  inventories: string[];
  /** More words for renew, before the inventories (e.g. --roles-path DIR). */
  options?: string[];
  /** Environment the job needs that cron does not give it (where the age key of the inventory's SOPS files is). */
  env?: Record<string, string>;
  /** Directory the job runs in: where the line was printed, whose group_vars/ and host_vars/ the inventory reads as Ansible's playbook directory (cron starts jobs in HOME). */
  cwd?: string;
}

/**
 * Twice a day, 12 hours apart, at a minute and hour drawn from `random` (so
 * that not every user renews against the same servers at the same moment), with --quiet
 * so that cron mails only when something fails.
 *
 * cron reads the command field itself before the shell does: a `%` ends the
 * command (the rest becomes its stdin) unless written `\%`, and a newline
 * ends the line. So every `%` is escaped, and a value holding a line break or
 * a NUL, or a `\` right before a `%` (which cron cannot be told to keep), is
 * refused.
 */
export function cronLine(command: CronCommand, random: () => number = Math.random): string {
  const minute = Math.floor(random() * 60);
  const hour = Math.floor(random() * 12);
  const [first, ...more] = command.inventories;
  if (first === undefined) throw new UserError('--print-cron: no inventory to renew');
  const words = [command.node, command.script, 'renew', '--quiet', ...(command.options ?? []), first, ...more.flatMap((source) => ['-i', source])];
  for (const value of [...words, ...Object.values(command.env ?? {}), ...(command.cwd === undefined ? [] : [command.cwd])]) {
    if (/[\n\r\0]/.test(value)) throw new UserError(`--print-cron: cannot write ${JSON.stringify(value)} in a crontab line: cron would cut the line at its line break; move it to a path without one`);
  }
  const assignments = Object.entries(command.env ?? {}).map(([name, value]) => sh`${insert(variable(name))}=${value}`);
  const job = joinShell([...assignments, shellWords(words)], ' ');
  const run: string = command.cwd === undefined ? job : joinShell([sh`cd ${command.cwd}`, job], ' && ');
  if (run.includes('\\%')) throw new UserError(`--print-cron: cannot write a crontab line for a path holding "\\%" (cron reads a backslash before % itself): ${run}`);
  return `${minute} ${hour},${hour + 12} * * * ${run.replace(/%/g, '\\%')}`;
}
