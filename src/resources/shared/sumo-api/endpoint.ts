/**
 * Where Sumo Logic's APIs are and how to sign in: the API endpoint of the
 * account's deployment (Sumo's table "API Authentication, Endpoints, and
 * Security"), or an explicit URL, and an access id and key (Basic auth).
 */
import { BlockList, isIP } from 'node:net';
import { Secret } from '../../../secrets.js';
import { type Args, oneOf, optionalString, requiredString } from '../args.js';
import { ArgError } from '../../types.js';

/** Sumo Logic deployments and their API endpoints (US1 has no deployment label in its host name). */
export const DEPLOYMENTS: Readonly<Record<string, string>> = {
  au: 'https://api.au.sumologic.com/api/',
  ca: 'https://api.ca.sumologic.com/api/',
  ch: 'https://api.ch.sumologic.com/api/',
  de: 'https://api.de.sumologic.com/api/',
  eu: 'https://api.eu.sumologic.com/api/',
  fed: 'https://api.fed.sumologic.com/api/',
  in: 'https://api.in.sumologic.com/api/',
  jp: 'https://api.jp.sumologic.com/api/',
  kr: 'https://api.kr.sumologic.com/api/',
  us1: 'https://api.sumologic.com/api/',
  us2: 'https://api.us2.sumologic.com/api/',
};

/** The API to talk to and the credentials. */
export interface SumoEndpoint {
  /** Base URL ending in `/api/`, e.g. https://api.sumologic.com/api/. */
  url: string;
  /** Access id. */
  accessId: Secret | string;
  /** Access key. */
  accessKey: Secret;
}

/** The keys every Sumo resource takes for its endpoint. */
export const ENDPOINT_KEYS = ['deployment', 'endpoint', 'access_id', 'access_key'] as const;

/** The endpoint's keys endpointArgs makes a secret of, however they are written. */
export const ENDPOINT_SECRET_KEYS = ['access_key'] as const;

/** Reads `deployment` (default us1) or `endpoint` (a URL, wins; empty: unset), `access_id` and `access_key`. */
export function endpointArgs(args: Args): SumoEndpoint {
  const deployment = oneOf(args, 'deployment', Object.keys(DEPLOYMENTS), 'us1');
  const explicit = args.endpoint === '' ? undefined : optionalString(args, 'endpoint');
  const url = explicit === undefined ? DEPLOYMENTS[deployment]! : endpointUrl(explicit);
  requiredString(args, 'access_id');
  requiredString(args, 'access_key');
  const id = args.access_id;
  const key = args.access_key;
  return { url, accessId: id instanceof Secret ? id : String(id), accessKey: key instanceof Secret ? key : new Secret(String(key)) };
}

// Where plain http may carry the access key: this machine and private networks (a local stand-in for Sumo, as the lab's).
const CLEAR_TEXT_OK = new BlockList();
CLEAR_TEXT_OK.addSubnet('127.0.0.0', 8, 'ipv4');
CLEAR_TEXT_OK.addSubnet('10.0.0.0', 8, 'ipv4');
CLEAR_TEXT_OK.addSubnet('172.16.0.0', 12, 'ipv4');
CLEAR_TEXT_OK.addSubnet('192.168.0.0', 16, 'ipv4');
CLEAR_TEXT_OK.addAddress('::1', 'ipv6');
CLEAR_TEXT_OK.addSubnet('fc00::', 7, 'ipv6');

/** Whether a URL's host is a loopback or private address (or localhost), where the key may travel unencrypted. */
function clearTextAllowed(url: URL): boolean {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && CLEAR_TEXT_OK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * An explicit API endpoint as the base URL requests are resolved against: https (the access key
 * goes in every request's header; plain http only to a loopback or private address), no
 * credentials, query or fragment of its own (they would be dropped, or printed in messages), and
 * ending in `/` so that `v1/monitors` lands below its path.
 */
export function endpointUrl(text: string): string {
  // Quoted without what could hold a credential: user-info, query and fragment.
  // Everything from the scheme to the last '@' before a query goes, whatever the slashes ('https:///u:p@h', 'https:u:p@h').
  const shown = text.replace(/[?#].*$/s, (rest) => `${rest[0]}***`).replace(/^([a-z][a-z0-9+.-]*:)?.*@/is, '$1***@');
  const refuse = (why: string): never => {
    throw new ArgError('endpoint', `'endpoint' must be an https URL like https://api.us2.sumologic.com/api/ (${why}), got ${JSON.stringify(shown.length > 120 ? `${shown.slice(0, 120)}...` : shown)}`);
  };
  // The WHATWG parser forgives what a person did not mean: a backslash for a slash, spaces, control characters.
  if (!/^[a-z]+:\/\/[\x21-\x7e]+$/i.test(text) || text.includes('\\')) refuse('one URL, without spaces, backslashes or control characters');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && clearTextAllowed(url))) refuse('plain http only to a loopback or private address');
  if (url.username !== '' || url.password !== '') refuse('credentials go in access_id and access_key, not in the URL');
  if (url.search !== '' || url.hash !== '' || text.includes('?') || text.includes('#')) refuse('no query or fragment');
  return url.pathname.endsWith('/') ? url.href : `${url.href}/`;
}
