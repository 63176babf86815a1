/** `provision renew --print-cron`: a crontab line running renew twice a day. */
import { UserError } from '../errors.js';
import { quote } from '../shell/quote.js';

/** What the cron line runs. */
export interface CronCommand {
  /** Absolute path of node. */
  node: string;
  /** Absolute path of provision's CLI script. */
  script: string;
  /** Absolute path of the inventory. */
  inventory: string;
  /** More words for renew, before the inventory (e.g. --roles-path DIR). */
  options?: string[];
}

/**
 * Twice a day, 12 hours apart, at a minute and hour drawn from `random` (so
 * that not every user hits the ACME server at the same moment), with --quiet
 * so that cron mails only when something fails.
 *
 * cron reads the command field itself before the shell does: a `%` ends the
 * command (the rest becomes its stdin) unless written `\%`, and a newline
 * ends the line. So every `%` is escaped, and a word holding a line break, a
 * NUL or a backslash (which cron would pair with a following `%`) is refused.
 */
export function cronLine(command: CronCommand, random: () => number = Math.random): string {
  const minute = Math.floor(random() * 60);
  const hour = Math.floor(random() * 12);
  const words = [command.node, command.script, 'renew', '--quiet', ...(command.options ?? []), command.inventory];
  for (const word of words) {
    if (/[\n\r\0\\]/.test(word)) throw new UserError(`--print-cron: cannot write ${JSON.stringify(word)} in a crontab line: cron would cut the line at a line break, and reads a backslash before '%' itself; move it to a path without them`);
  }
  const run = words.map((w) => quote(w)).join(' ').replace(/%/g, '\\%');
  return `${minute} ${hour},${hour + 12} * * * ${run}`;
}
