/**
 * `sumo_connection`: a webhook connection in Sumo Logic (Connections API,
 * `/api/v1/connections`), the target a monitor notifies. Found by its name;
 * created, updated or deleted to match the declaration. Header values may be
 * secrets (an Authorization header): they are masked in every diff.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { MASK, Secret } from '../../secrets.js';
import { type Args, oneOf, onlyKeys, optionalString, requiredString } from '../shared/args.js';
import { SumoApi } from '../shared/sumo-api/client.js';
import { byName, collectionWrites, contentName, sumoContentType, type Definition, type Found } from '../shared/sumo-api/content.js';
import { ENDPOINT_KEYS, endpointArgs, type SumoEndpoint } from '../shared/sumo-api/endpoint.js';
import { ArgError } from '../types.js';

/** Validated `sumo_connection` declaration. */
export interface SumoConnectionDesired {
  /** The API and credentials. */
  endpoint: SumoEndpoint;
  /** The connection's name (how it is found, and how a monitor names it). */
  name: string;
  /** present or absent. */
  state: 'present' | 'absent';
  /** Description. */
  description: string;
  /** Where Sumo sends the alert. */
  url: string;
  /** Headers (e.g. Authorization), values possibly secret. */
  headers: Array<{ name: string; value: Secret | string }>;
  /** Custom headers. */
  customHeaders: Array<{ name: string; value: Secret | string }>;
  /** The alert's JSON payload (Sumo fills in {{Name}} and the like). */
  defaultPayload: string;
  /** The payload sent when the alert resolves, if any. */
  resolutionPayload?: string;
  /** Sumo's webhook type (Webhook, Slack, PagerDuty, ...). */
  webhookType: string;
}

/** Webhook types of the Connections API (ConnectionType). */
const WEBHOOK_TYPES = ['AWSLambda', 'Azure', 'Datadog', 'HipChat', 'PagerDuty', 'Slack', 'Webhook', 'NewRelic', 'Jira', 'Opsgenie', 'MicrosoftTeams', 'ServiceNow', 'SumoCloudSOAR'] as const;

/** The payload a monitor's alert sends when the declaration names none (variables of Sumo's monitor notifications). */
export const DEFAULT_PAYLOAD = `{
  "name": "{{Name}}",
  "description": "{{Description}}",
  "trigger": "{{TriggerType}}",
  "value": "{{TriggerValue}}",
  "query_url": "{{QueryURL}}",
  "alert_url": "{{AlertResponseUrl}}"
}`;

/** The list of connections (a page holds at most 1000). */
const LIST_PATH = 'v1/connections';

function headerList(args: Args, key: string): Array<{ name: string; value: Secret | string }> {
  const v = args[key];
  if (v === undefined || v === null) return [];
  if (typeof v !== 'object' || Array.isArray(v)) throw new ArgError(key, `'${key}' must be a mapping of header names to values`);
  return Object.entries(v).map(([name, value]) => {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new ArgError(key, `'${key}': '${name}' is not an HTTP header name`);
    if (value instanceof Secret) return { name, value };
    if (typeof value !== 'string' && typeof value !== 'number') throw new ArgError(key, `'${key}.${name}' must be a string`);
    return { name, value: String(value) };
  });
}

function validate(args: Args): SumoConnectionDesired {
  onlyKeys(args, [...ENDPOINT_KEYS, 'name', 'state', 'description', 'url', 'headers', 'custom_headers', 'default_payload', 'resolution_payload', 'webhook_type']);
  const name = contentName(args, 'name', 127);
  const state = oneOf(args, 'state', ['present', 'absent'], 'present');
  const url = state === 'present' ? requiredString(args, 'url') : (optionalString(args, 'url') ?? '');
  if (state === 'present' && !/^https?:\/\/\S+$/.test(url)) throw new ArgError('url', `'url' must be an http(s) URL, got '${url}'`);
  const payload = optionalString(args, 'default_payload') ?? DEFAULT_PAYLOAD;
  return {
    endpoint: endpointArgs(args),
    name,
    state,
    description: optionalString(args, 'description') ?? '',
    url,
    headers: headerList(args, 'headers'),
    customHeaders: headerList(args, 'custom_headers'),
    defaultPayload: payload,
    resolutionPayload: optionalString(args, 'resolution_payload'),
    webhookType: oneOf(args, 'webhook_type', WEBHOOK_TYPES, 'Webhook'),
  };
}

/** The request body (WebhookDefinition) for the declaration; secrets as their real values. */
function requestBody(desired: SumoConnectionDesired): Record<string, unknown> {
  const headers = (list: SumoConnectionDesired['headers']) => list.map((h) => ({ name: h.name, value: String(h.value) }));
  return {
    type: 'WebhookDefinition',
    name: desired.name,
    description: desired.description,
    url: desired.url,
    headers: headers(desired.headers),
    customHeaders: headers(desired.customHeaders),
    defaultPayload: desired.defaultPayload,
    webhookType: desired.webhookType,
    ...(desired.resolutionPayload !== undefined ? { resolutionPayload: desired.resolutionPayload } : {}),
  };
}

/** Salt of this run's header fingerprints. */
const SALT = randomBytes(16);

/** A header value as the definition shows it: hidden (headers carry credentials), with a fingerprint that changes with the value. */
function hidden(value: string): string {
  return `${MASK} #${createHmac('sha256', SALT).update(value).digest('hex').slice(0, 8)}`;
}

/** The managed fields of a connection, from a request body or from what Sumo answers (header values hidden). */
export function definitionOf(connection: Record<string, unknown>): Definition {
  const headers = (v: unknown) => (Array.isArray(v) ? (v as Array<{ name: string; value: string }>).map((h) => ({ name: h.name, value: hidden(String(h.value)) })) : []);
  return {
    name: connection.name,
    description: connection.description ?? '',
    url: connection.url,
    webhookType: connection.webhookType,
    headers: headers(connection.headers),
    customHeaders: headers(connection.customHeaders),
    defaultPayload: connection.defaultPayload,
    ...(typeof connection.resolutionPayload === 'string' && connection.resolutionPayload !== '' ? { resolutionPayload: connection.resolutionPayload } : {}),
  };
}

/** Every webhook connection of the account (the list has all of each one's fields). */
export async function webhookConnections(api: SumoApi): Promise<Array<Record<string, unknown>>> {
  return (await api.listAll(LIST_PATH, 'data', 1000)).filter((c) => c.type === 'WebhookConnection');
}

/** The `sumo_connection` resource type. */
export const sumoConnection = sumoContentType<SumoConnectionDesired, Found>({
  name: 'sumo_connection',
  kind: 'connection',
  validate,
  nameOf: (desired) => desired.name,
  definition: (desired) => definitionOf(requestBody(desired)),
  async find(desired, api) {
    const found = byName(await webhookConnections(api), desired.name, 'webhook connection');
    return found === undefined ? undefined : { id: String(found.id), definition: definitionOf(found) };
  },
  // Deleting names the connection's type, as the Connections API asks.
  ...collectionWrites(LIST_PATH, requestBody, { type: 'WebhookConnection' }),
});
