/**
 * DNS names as provision accepts them: the names of a `certificate` and the
 * roles' `domain`. RFC 1123 host names, fully qualified: labels of 1 to 63
 * letters, digits and '-' that neither start nor end with '-', at least two of
 * them, at most 253 characters in all, a top-level label that is not all
 * digits. Case does not matter (DNS ignores it; certificate names are
 * lower-cased). Refused because the ACME code could not use them: a wildcard
 * (it orders with the HTTP-01 challenge only, and wildcards need DNS-01), an IP
 * address (it asks for `dns` identifiers only) and a trailing dot (ACME names
 * are written without it). Pure.
 */
import { isIP } from 'node:net';
import { shorten } from '../../secrets.js';

const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** Longer labels are cut in messages. */
const MAX_SHOWN = 30;

/** `"NAME" is not a valid DNS name: WHY`, naming the bad label and why; undefined when `name` is a valid DNS name. */
export function dnsNameError(name: string): string | undefined {
  const problem = problemOf(name);
  return problem === undefined ? undefined : `${JSON.stringify(shorten(name, 2 * MAX_SHOWN))} is not a valid DNS name: ${problem}`;
}

/**
 * Whether `name` can be an IP address at all: IPv4 is digits and dots, IPv6 has a colon. Asked
 * first because node's IPv6 expression costs milliseconds to compile, once per run, for names
 * that could never match it.
 */
function looksLikeIp(name: string): boolean {
  return name.includes(':') || /^[0-9.]+$/.test(name);
}

function problemOf(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (looksLikeIp(name) && isIP(name) !== 0) return 'it is an IP address: certificates are ordered for DNS names only';
  if (name.endsWith('.')) return 'it ends with a dot: write it without the trailing dot';
  if (name.length > MAX_NAME_LENGTH) return `it is ${name.length} characters long: at most ${MAX_NAME_LENGTH} are allowed`;
  const labels = name.split('.');
  for (const [index, label] of labels.entries()) {
    const problem = labelProblem(label, index);
    if (problem !== undefined) return problem;
  }
  if (labels.length === 1) return 'it is a single label: expected a fully qualified name such as www.example.com';
  const top = labels[labels.length - 1]!;
  if (/^[0-9]+$/.test(top)) return `the top-level label "${top}" is all digits: expected a name such as com or org`;
  return undefined;
}

function labelProblem(label: string, index: number): string | undefined {
  if (label === '') return index === 0 ? 'it starts with a dot' : 'it has an empty label (two dots in a row)';
  const quoted = `label ${JSON.stringify(shorten(label, MAX_SHOWN))}`;
  if (label === '*' && index === 0) return `${quoted} is a wildcard: wildcard certificates need the DNS-01 challenge, and provision orders with HTTP-01 only`;
  if (label.length > MAX_LABEL_LENGTH) return `${quoted} is ${label.length} characters long: at most ${MAX_LABEL_LENGTH} are allowed`;
  if (!/^[A-Za-z0-9-]+$/.test(label)) {
    const idn = /[^\x00-\x7f]/.test(label) ? ' (write an internationalised name in its xn-- form)' : '';
    return `${quoted} has a character other than letters, digits and '-'${idn}`;
  }
  if (label.startsWith('-')) return `${quoted} starts with '-'`;
  if (label.endsWith('-')) return `${quoted} ends with '-'`;
  return undefined;
}


