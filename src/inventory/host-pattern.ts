/**
 * Host patterns of Ansible inventories: `web[01:10].example.com:2222` is ten
 * hosts on port 2222. Follows Ansible's parse_address and expand_hostname_range
 * (lib/ansible/parsing/utils/addresses.py, plugins/inventory/__init__.py). Pure.
 */

const RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
// Python's \w, which Ansible's pattern uses, is Unicode: letters and digits of any script (JavaScript's \w is ASCII only).
const WORD = String.raw`[\p{L}\p{N}_]`;
const LABEL = String.raw`(?:${WORD}|${RANGE})(?:${WORD}|-|${RANGE})*(?<![_-])`;
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'iu');
const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|\[[0-9]+:[0-9]+(?::[0-9]+)?\])`;
const IPV4 = new RegExp(String.raw`^(?:${IPV4_PART}\.){3}${IPV4_PART}$`);
// IPv6 addresses are only told apart from names here; their exact syntax is the resolver's business.
const IPV6 = /^[0-9a-f:.[\]]*:[0-9a-f:.[\]]*$/i;
const BRACKETED_HOST_PORT = /^\[(.+)\]:([0-9]+)$/;
const HOST_PORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** What a host pattern stands for. */
export interface HostPattern {
  /** Host names, ranges expanded, in order. */
  names: string[];
  /** The `:port` written after the pattern, if any. */
  port?: number;
}

/** A host pattern that cannot be expanded: the message says why. */
export class HostPatternError extends Error {}

/** Splits off a `:port` and expands `[a:b]` and `[a:b:step]` ranges, as Ansible does. */
export function expandHostPattern(pattern: string): HostPattern {
  let host = pattern;
  let port: number | undefined;
  const withPort = BRACKETED_HOST_PORT.exec(pattern) ?? HOST_PORT.exec(pattern);
  if (withPort && isAddress(withPort[1]!)) {
    host = withPort[1]!;
    port = Number(withPort[2]);
  }
  const names = host.includes('[') ? expandRanges(host) : [host];
  return port === undefined ? { names } : { names, port };
}

function isAddress(host: string): boolean {
  return IPV4.test(host) || IPV6.test(host) || HOSTNAME.test(host);
}

/** Whether a name holds a range to expand. */
export function hasRange(name: string): boolean {
  return name.includes('[');
}

/** Expands the first range of `line`, then the rest of each result, like expand_hostname_range. */
function expandRanges(line: string): string[] {
  const open = line.indexOf('[');
  const close = line.indexOf(']', open);
  if (close < 0) throw new HostPatternError(`unclosed range '[' in '${line}': expected [begin:end] or [begin:end:step]`);
  const head = line.slice(0, open);
  const tail = line.slice(close + 1);
  const bounds = line.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new HostPatternError(`host range must be begin:end or begin:end:step, got '[${bounds.join(':')}]'`);
  const [begin = '', end = '', stepText = '1'] = bounds;
  const beg = begin === '' ? '0' : begin;
  if (end === '') throw new HostPatternError(`host range must specify an end value, got '[${bounds.join(':')}]'`);
  const step = Number(stepText);
  if (!Number.isInteger(step) || step < 1) throw new HostPatternError(`host range step must be a positive whole number, got '${stepText}'`);
  let width = 0;
  if (beg.length > 1 && beg.startsWith('0')) {
    if (beg.length !== end.length) throw new HostPatternError(`host range must specify equal-length begin and end formats, got '[${bounds.join(':')}]'`);
    width = beg.length;
  }
  const items: string[] = [];
  const [a, b] = [LETTERS.indexOf(beg), LETTERS.indexOf(end)];
  if (beg.length === 1 && end.length === 1 && a >= 0 && b >= 0) {
    if (a > b) throw new HostPatternError(`host range must have begin <= end, got '[${bounds.join(':')}]'`);
    for (let i = a; i <= b; i += step) items.push(LETTERS[i]!);
  } else {
    if (!/^\d+$/.test(beg) || !/^\d+$/.test(end)) throw new HostPatternError(`host range bounds must be numbers or single letters, got '[${bounds.join(':')}]'`);
    for (let i = Number(beg); i <= Number(end); i += step) items.push(String(i).padStart(width, '0'));
  }
  return items.flatMap((item) => {
    const name = `${head}${item}${tail}`;
    return hasRange(name) ? expandRanges(name) : [name];
  });
}
