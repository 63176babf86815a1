/**
 * `sumo_monitor`: a logs monitor in Sumo Logic's monitors library (Monitor
 * Management API, `/api/v1/monitors`): a query, static thresholds for
 * critical and warning (a spike: the result field above the threshold, resolved
 * at or below it), a missing-data trigger (no results at all, e.g. zero
 * traffic), and notifications to email recipients or webhook connections
 * (by their names). Found by its name anywhere in the library (search);
 * created in the library's root folder, updated in place (with the version
 * Sumo asks for), deleted when declared absent.
 */
import { type Args, oneOf, onlyKeys, optionalBoolean, optionalString, requiredString, stringList } from '../shared/args.js';
import { SumoApi } from '../shared/sumo-api/client.js';
import { byName, contentName, itemPath, sumoContentType, type Definition, type Found } from '../shared/sumo-api/content.js';
import { ENDPOINT_KEYS, endpointArgs, type SumoEndpoint } from '../shared/sumo-api/endpoint.js';
import { webhookConnections } from '../sumo-connection/index.js';
import { ArgError } from '../types.js';

/** Validated `sumo_monitor` declaration. */
export interface SumoMonitorDesired {
  /** The API and credentials. */
  endpoint: SumoEndpoint;
  /** The monitor's name (how it is found). */
  name: string;
  /** present or absent. */
  state: 'present' | 'absent';
  /** Description. */
  description: string;
  /** Whether it is disabled. */
  disabled: boolean;
  /** The logs query. */
  query: string;
  /** The result field the thresholds compare (e.g. qps); undefined: the number of results. */
  field?: string;
  /** Time range the thresholds look at, e.g. "5m". */
  timeRange: string;
  /** How often it evaluates, e.g. "1m"; undefined: Sumo's default. */
  frequency?: string;
  /** Critical above this. */
  critical?: number;
  /** Warning above this. */
  warning?: number;
  /** Alert when the query finds nothing at all over this time range (e.g. "10m"). */
  missingData?: string;
  /** Email recipients. */
  emails: string[];
  /** Email subject and body (Sumo fills in {{Name}}, {{TriggerType}}, ...). */
  emailSubject: string;
  emailBody: string;
  /** Time zone of the email's times. */
  timeZone: string;
  /** Webhook connections (by name) to notify. */
  connections: string[];
}

const DEFAULT_SUBJECT = 'Monitor Alert: {{TriggerType}} on {{Name}}';
const DEFAULT_BODY = 'Triggered {{TriggerType}} alert on {{Name}} (value {{TriggerValue}}): {{QueryURL}}';
/** Trigger types in the order Sumo lists them (the definition is compared in this order). */
const TRIGGER_ORDER = ['Critical', 'ResolvedCritical', 'Warning', 'ResolvedWarning', 'MissingData', 'ResolvedMissingData'];
/** A time range or frequency: a number and a unit. */
const DURATION = /^[1-9][0-9]*[smhd]$/;
const MONITORS = 'v1/monitors';

function duration(args: Args, key: string): string | undefined {
  const v = optionalString(args, key);
  if (v !== undefined && !DURATION.test(v)) throw new ArgError(key, `'${key}' must be a duration like 5m, 1h or 1d, got '${v}'`);
  return v;
}

function threshold(args: Args, key: string): number | undefined {
  const v = args[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw new ArgError(key, `'${key}' must be a number (the threshold), got ${JSON.stringify(v)}`);
  return n;
}

function validate(args: Args): SumoMonitorDesired {
  onlyKeys(args, [...ENDPOINT_KEYS, 'name', 'state', 'description', 'disabled', 'query', 'field', 'time_range', 'frequency', 'critical', 'warning', 'missing_data', 'emails', 'email_subject', 'email_body', 'time_zone', 'connections']);
  const state = oneOf(args, 'state', ['present', 'absent'], 'present');
  const desired: SumoMonitorDesired = {
    endpoint: endpointArgs(args),
    name: contentName(args, 'name', 255),
    state,
    description: optionalString(args, 'description') ?? '',
    disabled: optionalBoolean(args, 'disabled', false),
    query: state === 'present' ? requiredString(args, 'query') : (optionalString(args, 'query') ?? ''),
    field: optionalString(args, 'field'),
    timeRange: duration(args, 'time_range') ?? '5m',
    frequency: duration(args, 'frequency'),
    critical: threshold(args, 'critical'),
    warning: threshold(args, 'warning'),
    missingData: duration(args, 'missing_data'),
    emails: args.emails === '' ? [] : stringList(args, 'emails', false),
    emailSubject: optionalString(args, 'email_subject') ?? DEFAULT_SUBJECT,
    emailBody: optionalString(args, 'email_body') ?? DEFAULT_BODY,
    timeZone: optionalString(args, 'time_zone') ?? 'Etc/UTC',
    // Empty: none (a role's template may render nothing).
    connections: args.connections === '' ? [] : stringList(args, 'connections', false),
  };
  if (desired.field !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(desired.field)) throw new ArgError('field', `'field' must be a field name of the query's results, got '${desired.field}'`);
  for (const email of desired.emails) if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new ArgError('emails', `'emails' entry '${email}' is not an email address`);
  if (state === 'present' && desired.critical === undefined && desired.warning === undefined && desired.missingData === undefined) {
    throw new ArgError(undefined, `a monitor needs at least one of 'critical', 'warning' (thresholds) or 'missing_data' (a time range)`);
  }
  if (desired.critical !== undefined && desired.warning !== undefined && desired.warning >= desired.critical) {
    throw new ArgError('warning', `'warning' (${desired.warning}) must be below 'critical' (${desired.critical}): both alert when the value is above them`);
  }
  return desired;
}

/** The triggers of the declaration: a threshold crossed upwards alerts, at or below it resolves. */
function triggers(desired: SumoMonitorDesired): Array<Record<string, unknown>> {
  const timing = { timeRange: desired.timeRange, ...(desired.frequency !== undefined ? { frequency: desired.frequency } : {}) };
  const field = desired.field !== undefined ? { field: desired.field } : {};
  const level = (type: 'Critical' | 'Warning', value: number | undefined) =>
    value === undefined
      ? []
      : [
          { detectionMethod: 'LogsStaticCondition', triggerType: type, ...timing, threshold: value, thresholdType: 'GreaterThan', ...field },
          { detectionMethod: 'LogsStaticCondition', triggerType: `Resolved${type}`, ...timing, threshold: value, thresholdType: 'LessThanOrEqual', ...field },
        ];
  const missing =
    desired.missingData === undefined
      ? []
      : ['MissingData', 'ResolvedMissingData'].map((triggerType) => ({
          detectionMethod: 'LogsMissingDataCondition',
          triggerType,
          timeRange: desired.missingData,
          ...(desired.frequency !== undefined ? { frequency: desired.frequency } : {}),
        }));
  return [...level('Critical', desired.critical), ...level('Warning', desired.warning), ...missing];
}

/** The monitor the API is sent (MonitorsLibraryMonitor); `connectionId` turns a connection's name into its id. */
function requestBody(desired: SumoMonitorDesired, connectionId: (name: string) => string): Record<string, unknown> {
  const all = triggers(desired);
  const runFor = all.map((t) => t.triggerType);
  return {
    type: 'MonitorsLibraryMonitor',
    name: desired.name,
    description: desired.description,
    monitorType: 'Logs',
    isDisabled: desired.disabled,
    queries: [{ rowId: 'A', query: desired.query }],
    triggers: all,
    notifications: [
      ...(desired.emails.length > 0
        ? [{ notification: { connectionType: 'Email', recipients: desired.emails, subject: desired.emailSubject, messageBody: desired.emailBody, timeZone: desired.timeZone }, runForTriggerTypes: runFor }]
        : []),
      ...desired.connections.map((name) => ({ notification: { connectionType: 'Webhook', connectionId: connectionId(name) }, runForTriggerTypes: runFor })),
    ],
  };
}

/**
 * The managed fields of a monitor, from a request body or from what Sumo answers (which adds
 * fields of its own and writes time ranges with a minus sign); `connectionName` names a webhook by its id.
 */
export function definitionOf(monitor: Record<string, unknown>, connectionName: (id: string) => string): Definition {
  const list = (v: unknown) => (Array.isArray(v) ? (v as Array<Record<string, unknown>>) : []);
  const pick = (o: Record<string, unknown>, keys: string[]): Record<string, unknown> => Object.fromEntries(keys.filter((k) => o[k] !== undefined && o[k] !== null).map((k) => [k, o[k]]));
  const positive = (range: unknown) => (typeof range === 'string' ? range.replace(/^-/, '') : range);
  const order = (type: unknown) => TRIGGER_ORDER.indexOf(String(type));
  const triggerList = list(monitor.triggers)
    .map((t): Record<string, unknown> => {
      const missing = t.detectionMethod === 'LogsMissingDataCondition';
      return { ...pick(t, ['triggerType', 'detectionMethod']), timeRange: positive(t.timeRange), ...pick(t, missing ? ['frequency'] : ['frequency', 'threshold', 'thresholdType', 'field']) };
    })
    .sort((a, b) => order(a.triggerType) - order(b.triggerType));
  const notifications = list(monitor.notifications).map((n) => {
    const action = (n.notification ?? {}) as Record<string, unknown>;
    const runFor = [...list(n.runForTriggerTypes).map(String)].sort((a, b) => order(a) - order(b));
    const target =
      action.connectionType === 'Email'
        ? pick(action, ['connectionType', 'recipients', 'subject', 'messageBody', 'timeZone'])
        : { connectionType: action.connectionType, connection: action.connectionId === undefined ? undefined : connectionName(String(action.connectionId)) };
    return { ...target, runForTriggerTypes: runFor };
  });
  return {
    name: monitor.name,
    description: monitor.description ?? '',
    monitorType: monitor.monitorType,
    isDisabled: monitor.isDisabled === true,
    queries: list(monitor.queries).map((q) => ({ rowId: q.rowId, query: q.query })),
    triggers: triggerList,
    notifications,
  };
}

/** Hits a search page holds at most (the API's largest `limit`). */
const SEARCH_PAGE = 1000;
/** Search hits read at most. */
const MAX_SEARCH_HITS = 100 * SEARCH_PAGE;

/** The monitors named so, anywhere in the library: every page of the search (a name's words may match more monitors than a page holds). */
async function findMonitor(api: SumoApi, name: string): Promise<Record<string, unknown> | undefined> {
  const monitors: Array<Record<string, unknown>> = [];
  for (let offset = 0; ; offset += SEARCH_PAGE) {
    const hits = (await api.get(`${MONITORS}/search`, { query: name, offset, limit: SEARCH_PAGE })) as Array<{ item?: Record<string, unknown> }>;
    if (!Array.isArray(hits)) throw new Error(`Sumo Logic's monitor search answered something other than a list of hits`);
    monitors.push(...hits.map((h) => h.item ?? {}).filter((i) => i.contentType === 'Monitor'));
    if (hits.length < SEARCH_PAGE) return byName(monitors, name, 'monitor');
    if (offset >= MAX_SEARCH_HITS) throw new Error(`Sumo Logic's monitor search for '${name}' has more than ${MAX_SEARCH_HITS} hits: give the monitor a more distinctive name`);
  }
}

/** Webhook connection ids by name and names by id. */
async function connectionNames(api: SumoApi): Promise<{ idOf: Map<string, string>; nameOf: Map<string, string> }> {
  const connections = await webhookConnections(api);
  return { idOf: new Map(connections.map((c) => [String(c.name), String(c.id)])), nameOf: new Map(connections.map((c) => [String(c.id), String(c.name)])) };
}

function usesWebhooks(monitor: Record<string, unknown>): boolean {
  return Array.isArray(monitor.notifications) && (monitor.notifications as Array<{ notification?: { connectionType?: string } }>).some((n) => n.notification?.connectionType !== 'Email');
}

/** The monitor found, with the version an update must name. */
type FoundMonitor = Found & { version: number };

/** The `sumo_monitor` resource type. */
export const sumoMonitor = sumoContentType<SumoMonitorDesired, FoundMonitor>({
  name: 'sumo_monitor',
  kind: 'monitor',
  validate,
  nameOf: (desired) => desired.name,
  definition: (desired) => definitionOf(requestBody(desired, (name) => name), (id) => id),
  async find(desired, api) {
    const hit = await findMonitor(api, desired.name);
    if (hit === undefined) return undefined;
    const monitor = (await api.get(itemPath(MONITORS, hit.id))) as Record<string, unknown>;
    const { nameOf } = usesWebhooks(monitor) ? await connectionNames(api) : { nameOf: new Map<string, string>() };
    return { id: String(monitor.id), version: Number(monitor.version), definition: definitionOf(monitor, (id) => nameOf.get(id) ?? `(unknown connection ${id})`) };
  },
  async create(desired, api) {
    const body = await resolvedBody(desired, api);
    const root = (await api.get(`${MONITORS}/root`)) as { id?: string };
    await api.post(MONITORS, body, { parentId: root.id });
  },
  // An update replaces the whole monitor and names the version it replaces.
  update: async (desired, current, api) => void (await api.put(itemPath(MONITORS, current.id), { ...(await resolvedBody(desired, api)), type: 'MonitorsLibraryMonitorUpdate', version: current.version })),
  remove: (current, api) => api.delete(itemPath(MONITORS, current.id)),
});

/** The request body with each webhook connection's id (a connection that does not exist is an error). */
async function resolvedBody(desired: SumoMonitorDesired, api: SumoApi): Promise<Record<string, unknown>> {
  const { idOf } = desired.connections.length > 0 ? await connectionNames(api) : { idOf: new Map<string, string>() };
  return requestBody(desired, (name) => {
    const id = idOf.get(name);
    if (id === undefined) throw new Error(`the webhook connection '${name}' does not exist in Sumo Logic (declare it with sumo_connection before the monitor)`);
    return id;
  });
}
