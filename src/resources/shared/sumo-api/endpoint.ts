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

// Where plain http may carry the access key: this machine and private networks (a local stand-in for Sumo, as the lab's).
const CLEAR_TEXT_OK = new BlockList();
CLEAR_TEXT_OK.addSubnet('127.0.0.0', 8, 'ipv4');
CLEAR_TEXT_OK.addSubnet('10.0.0.0', 8, 'ipv4');
CLEAR_TEXT_OK.addSubnet('172.16.0.0', 12, 'ipv4');
CLEAR_TEXT_OK.addSubnet('192.168.0.0', 16, 'ipv4');
CLEAR_TEXT_OK.addAddress('::1', 'ipv6');
CLEAR_TEXT_OK.addSubnet('fc00::', 7, 'ipv6');

/** Whether an http:// endpoint's host is a loopback or private address (or localhost), where the key may travel unencrypted. */
function clearTextAllowed(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && CLEAR_TEXT_OK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** Reads `deployment` (default us1) or `endpoint` (a URL, wins; empty: unset), `access_id` and `access_key`. */
export function endpointArgs(args: Args): SumoEndpoint {
  const deployment = oneOf(args, 'deployment', Object.keys(DEPLOYMENTS), 'us1');
  const explicit = args.endpoint === '' ? undefined : optionalString(args, 'endpoint');
  if (explicit !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(explicit)) throw new ArgError('endpoint', `'endpoint' must be an http(s) URL like https://api.us2.sumologic.com/api/, got '${explicit}'`);
  // Every call carries the access key (Basic auth): over plain http anyone on the way reads it.
  if (explicit?.startsWith('http://') && !clearTextAllowed(explicit)) {
    throw new ArgError('endpoint', `'endpoint' ${explicit} would send the access key unencrypted: use https:// (plain http only to a loopback or private address, such as a local stand-in for Sumo)`);
  }
  const url = explicit === undefined ? DEPLOYMENTS[deployment]! : explicit.endsWith('/') ? explicit : `${explicit}/`;
  requiredString(args, 'access_id');
  requiredString(args, 'access_key');
  const id = args.access_id;
  const key = args.access_key;
  return { url, accessId: id instanceof Secret ? id : String(id), accessKey: key instanceof Secret ? key : new Secret(String(key)) };
}
