import { constants } from 'node:os';

/**
 * A remote command's exit as a shell reports it: a command ended by a signal
 * (SSH sends exit-signal, and no code) reads 128 + the signal's number, so a
 * shell killed on a host that is still connected is a failure, not a lost connection.
 */
export function exitCodeOf(code: number | null, signal: string | null | undefined): number | null {
  if (code !== null || !signal) return code;
  const number = (constants.signals as Record<string, number | undefined>)[signal];
  return number === undefined ? null : 128 + number;
}
