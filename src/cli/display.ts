/**
 * The last step of every text provision prints: secrets masked (redact), then
 * control characters other than newline and tab written as `\uXXXX`. Text
 * from hosts and servers (a command's output, an error) reaches the terminal
 * this way, so it cannot set the terminal's title or clipboard, move the
 * cursor, clear the screen or overwrite a line of provision's own report.
 * The escapes are JSON's too, so JSON output stays valid.
 */
import { redact } from '../secrets.js';

// C0 controls but tab and newline, DEL and C1 controls (U+009B is a terminal's CSI).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` as printed: secrets masked, control characters escaped. */
export function display(text: string): string {
  return redact(text).replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
