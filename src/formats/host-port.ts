import { isIP } from 'node:net';
import { FormatError } from './format-error.js';

/**
 * `address:port` as nginx, curl and openssl read it: an IPv6 address in brackets (`[2001:db8::11]:80`;
 * unbracketed, the first ':' would end the host). An address with a zone id (fe80::1%eth0) is refused:
 * nginx reads none, and it names an interface of one host only.
 */
export function hostPort(address: string, port: string | number): string {
  // Only an IPv6 address has a ':' (a host name or IPv4 address has none).
  if (!address.includes(':')) return `${address}:${port}`;
  if (address.includes('%')) throw new FormatError(`${JSON.stringify(address)} has a zone id (%...), which nginx cannot connect to: give the host a global or unique local IPv6 address`);
  // Any other text with a ':' (db:1) is no address nginx or curl could read, bracketed or not.
  if (isIP(address) !== 6) throw new FormatError(`${JSON.stringify(address)} is neither a host name nor an IP address (only an IPv6 address holds ':')`);
  return `[${address}]:${port}`;
}
