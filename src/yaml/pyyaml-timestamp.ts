/**
 * A YAML 1.1 timestamp with a time (`2024-01-01 10:00:00`), as Ansible holds
 * it: PyYAML reads it as a Python datetime, which a template writes as
 * str(datetime) (`2024-01-01 10:00:00`, `2024-01-01 10:00:00.500000+00:00`) and
 * ansible-inventory prints as its isoformat() (`2024-01-01T10:00:00`). A date
 * alone (`2024-01-01`) is written and printed as typed, so it stays text. Pure.
 */

// PyYAML's timestamp_regexp, with a time: its implicit resolver takes the same texts.
const DATE_TIME = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?$/;

const two = (n: number): string => String(n).padStart(2, '0');

/** Whether PyYAML reads `text`, written plain, as a datetime (valid or not: an invalid one fails the whole file). */
export function isPyyamlDateTime(text: string): boolean {
  return DATE_TIME.test(text);
}

/** How Python writes a datetime read from `text`, with `separator` between date and time; undefined when it is no valid datetime. */
export function pyyamlDateTime(text: string, separator: ' ' | 'T'): string | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const valid = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day && month >= 1 && month <= 12 && hour < 24 && minute < 60 && second < 60;
  if (!valid) return undefined;
  const fraction = (m[7] ?? '').slice(0, 6).padEnd(6, '0');
  const micro = Number(fraction) > 0 ? `.${fraction}` : '';
  const offsetMinutes = m[9] === undefined ? 0 : Number(m[10]) * 60 + Number(m[11] ?? 0);
  // datetime.timezone takes offsets strictly within a day.
  if (offsetMinutes >= 24 * 60) return undefined;
  const zone = m[8] === undefined ? '' : `${m[9] === '-' && offsetMinutes > 0 ? '-' : '+'}${two(Math.floor(offsetMinutes / 60))}:${two(offsetMinutes % 60)}`;
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}${separator}${two(hour)}:${two(minute)}:${two(second)}${micro}${zone}`;
}
