/**
 * The last step of every text provision prints: secrets masked (redact), then
 * control characters other than newline and tab written as `\uXXXX`. Text
 * from hosts and servers (a command's output, an error) reaches the terminal
 * this way, so it cannot set the terminal's title or clipboard, move the
 * cursor, clear the screen or overwrite a line of provision's own report;
 * nor reorder what the terminal shows of a line with Unicode's bidirectional
 * controls (a right-to-left override in a host name would show `changed` as
 * `degnahc` and swap the words after it).
 * The escapes are JSON's too, so JSON output stays valid.
 */
import { redact } from '../secrets.js';

// C0 controls but tab and newline, DEL and C1 controls (U+009B is a terminal's CSI), and the
// bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E-F, U+202A-E, U+2066-9).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` as printed: secrets masked, control characters escaped. */
export function display(text: string): string {
  return redact(text).replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
