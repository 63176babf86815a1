/**
 * What the config-format encoders share: the error for a value a format
 * cannot carry, and the check for control characters most formats refuse.
 */

/** A value that a configuration format cannot carry; the renderer reports it where the value is used. */
export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

const NAMES: Record<string, string> = { '\n': 'a newline', '\r': 'a carriage return', '\0': 'a NUL byte', '\t': 'a tab' };

/** How a character is named in messages: "a newline", "control character U+001B". */
export function characterName(char: string): string {
  return NAMES[char] ?? `control character U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

// C0 controls, DEL, C1 controls (U+0085 is a line break to some readers, U+009B a terminal's
// escape) and the Unicode line and paragraph separators; a tab is allowed where `allowTab` says so.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_BUT_TAB = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/;

/** The first control character in `value` (newline, NUL, escape, NEL, U+2028, ...), or undefined. */
export function controlCharacter(value: string, allowTab = false): string | undefined {
  return (allowTab ? CONTROL_BUT_TAB : CONTROL).exec(value)?.[0];
}

/** Throws FormatError when `value` holds a control character; `format` names the file type for the message. */
export function refuseControlCharacters(value: string, format: string, allowTab = false): void {
  const char = controlCharacter(value, allowTab);
  if (char !== undefined) throw new FormatError(`the value holds ${characterName(char)}, which ${format} cannot carry in one value`);
}
