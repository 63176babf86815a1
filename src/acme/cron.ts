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
  /** Environment the job needs that cron does not give it (where the age key of the inventory's SOPS files is). */
  env?: Record<string, string>;
}

/**
 * Twice a day, 12 hours apart, at a minute and hour drawn from `random` (so
 * that not every user hits the ACME server at the same moment), with --quiet
 * so that cron mails only when something fails.
 */
export function cronLine(command: CronCommand, random: () => number = Math.random): string {
  const minute = Math.floor(random() * 60);
  const hour = Math.floor(random() * 12);
  const assignments = Object.entries(command.env ?? {}).map(([name, value]) => `${name}=${quote(value)}`);
  const run = [...assignments, ...[command.node, command.script, 'renew', '--quiet', command.inventory].map((w) => quote(w))].join(' ');
  // cron turns an unescaped % in the command into a newline, and \% into %; a \ before it cannot be written.
  if (run.includes('\\%')) throw new UserError(`cannot write a crontab line for a path holding "\\%": ${run}`);
  return `${minute} ${hour},${hour + 12} * * * ${run.replace(/%/g, '\\%')}`;
}
