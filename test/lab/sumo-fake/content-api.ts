/**
 * The fake Sumo Logic's content APIs: monitors (Monitor Management API,
 * /api/v1/monitors), dashboards (/api/v2/dashboards) and webhook connections
 * (/api/v1/connections), with the request, response and error shapes of
 * Sumo's API reference: errors are `{"id", "errors": [{"code", "message"}]}`,
 * lists page with `limit` and a `token` (`next` in the answer), a monitor
 * update must name the version it replaces, time ranges come back with a
 * minus sign. Pure over the state it is given: the lab's server and the unit
 * tests both run it.
 */
import { randomBytes } from 'node:crypto';

/** Everything the content APIs hold. */
export interface SumoContent {
  /** Monitors and folders by id (the root folder included). */
  monitors: Record<string, Record<string, unknown>>;
  /** Dashboards by id. */
  dashboards: Record<string, Record<string, unknown>>;
  /** Connections by id. */
  connections: Record<string, Record<string, unknown>>;
  /** Next numeric id. */
  nextId: number;
}

/** A request, the path after `/api/`. */
export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/** The answer. */
export interface ApiAnswer {
  status: number;
  body?: unknown;
}

export const ROOT_FOLDER_ID = '0000000000000001';
const USER_ID = '000000000000ABCD';

/** Content with nothing but the monitors library's root folder. */
export function emptyContent(): SumoContent {
  const now = new Date(0).toISOString();
  return {
    monitors: {
      [ROOT_FOLDER_ID]: { id: ROOT_FOLDER_ID, name: 'Root', description: 'Root folder', version: 0, type: 'MonitorsLibraryFolderResponse', contentType: 'Folder', parentId: '0000000000000000', createdAt: now, createdBy: USER_ID, modifiedAt: now, modifiedBy: USER_ID, isSystem: true, isMutable: false, permissions: ['Read', 'Create', 'Update', 'Delete', 'Manage'] },
    },
    dashboards: {},
    connections: {},
    nextId: 0x100,
  };
}

/** The id Sumo gives an error answer, e.g. FRXHW-NB12G-HMYO6. */
const errorId = (): string => randomBytes(8).toString('hex').toUpperCase().replace(/(.{5})/g, '$1-').slice(0, 17);

/** Sumo's error answer. */
function error(status: number, code: string, message: string): ApiAnswer {
  return { status, body: { id: errorId(), errors: [{ code, message }] } };
}

const notFound = (what: string): ApiAnswer => error(404, 'api:not_found', `${what} does not exist.`);
const invalid = (message: string): ApiAnswer => error(400, 'api:invalid_input', message);

function newId(content: SumoContent): string {
  return (content.nextId++).toString(16).toUpperCase().padStart(16, '0');
}

/** A page of a list: `limit` items from the offset the token holds. */
function page<T>(items: T[], query: URLSearchParams, defaultLimit: number, maxLimit: number): { items: T[]; next: string | null } | ApiAnswer {
  const limit = query.has('limit') ? Number(query.get('limit')) : defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) return invalid(`limit must be between 1 and ${maxLimit}.`);
  const token = query.get('token');
  const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(offset) || offset < 0) return error(400, 'api:invalid_token', 'The continuation token is invalid.');
  const slice = items.slice(offset, offset + limit);
  return { items: slice, next: offset + limit < items.length ? Buffer.from(String(offset + limit)).toString('base64url') : null };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const TRIGGER_TYPES = ['Critical', 'Warning', 'MissingData', 'ResolvedCritical', 'ResolvedWarning', 'ResolvedMissingData'];
const THRESHOLD_TYPES = ['LessThan', 'GreaterThan', 'LessThanOrEqual', 'GreaterThanOrEqual'];
const CONNECTION_TYPES = ['Email', 'AWSLambda', 'AzureFunctions', 'Datadog', 'HipChat', 'Jira', 'NewRelic', 'Opsgenie', 'PagerDuty', 'Slack', 'MicrosoftTeams', 'ServiceNow', 'SumoCloudSOAR', 'Webhook'];

/** What is wrong with a monitor (MonitorsLibraryMonitor / ...Update), or undefined. */
function monitorProblem(content: SumoContent, body: Record<string, unknown>): string | undefined {
  if (typeof body.name !== 'string' || body.name === '') return 'name is required.';
  if (!['Logs', 'Metrics', 'Slo'].includes(String(body.monitorType))) return "monitorType should be 'Logs' or 'Metrics' or 'Slo'.";
  if (!Array.isArray(body.queries) || body.queries.length === 0) return 'queries must not be empty.';
  for (const q of body.queries) if (!isObject(q) || typeof q.rowId !== 'string' || typeof q.query !== 'string') return 'every query needs rowId and query.';
  if (!Array.isArray(body.triggers) || body.triggers.length === 0) return 'triggers must not be empty.';
  for (const t of body.triggers) {
    if (!isObject(t) || !TRIGGER_TYPES.includes(String(t.triggerType))) return 'triggerType should be one of the following: ' + TRIGGER_TYPES.join(', ') + '.';
    if (t.detectionMethod === 'LogsStaticCondition') {
      if (typeof t.threshold !== 'number' || !THRESHOLD_TYPES.includes(String(t.thresholdType)) || typeof t.timeRange !== 'string') return 'LogsStaticCondition needs threshold, thresholdType and timeRange.';
    } else if (t.detectionMethod === 'LogsMissingDataCondition') {
      if (typeof t.timeRange !== 'string') return 'LogsMissingDataCondition needs timeRange.';
    } else {
      return `detectionMethod ${String(t.detectionMethod)} is not supported by this fake.`;
    }
  }
  for (const n of Array.isArray(body.notifications) ? body.notifications : []) {
    const action = isObject(n) ? n.notification : undefined;
    if (!isObject(action) || !CONNECTION_TYPES.includes(String(action.connectionType))) return 'every notification needs a valid connectionType.';
    if (!Array.isArray((n as Record<string, unknown>).runForTriggerTypes)) return 'every notification needs runForTriggerTypes.';
    if (action.connectionType === 'Email' && (!Array.isArray(action.recipients) || typeof action.subject !== 'string')) return 'an Email notification needs recipients and subject.';
    if (action.connectionType !== 'Email' && !content.connections[String(action.connectionId)]) return `Connection with id ${String(action.connectionId)} does not exist.`;
  }
  return undefined;
}

/** A monitor as Sumo answers it: server fields added, time ranges written with a minus sign. */
function storedMonitor(body: Record<string, unknown>, base: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString();
  const triggers = (body.triggers as Array<Record<string, unknown>>).map((t) => ({
    ...t,
    timeRange: `-${String(t.timeRange).replace(/^-/, '')}`,
    ...(t.detectionMethod === 'LogsStaticCondition' ? { occurrenceType: 'ResultCount', triggerSource: 'AllResults', resolutionWindow: null } : {}),
  }));
  const { type: _type, version: _version, ...rest } = body;
  return {
    description: '',
    evaluationDelay: '0m',
    isDisabled: false,
    groupNotifications: true,
    notifications: [],
    ...rest,
    ...base,
    triggers,
    type: 'MonitorsLibraryMonitorResponse',
    contentType: 'Monitor',
    modifiedAt: now,
    modifiedBy: USER_ID,
    status: ['Normal'],
    isSystem: false,
    isMutable: true,
    isLocked: false,
    permissions: ['Read', 'Update', 'Delete', 'Manage'],
  };
}

function monitors(content: SumoContent, req: ApiRequest, rest: string[]): ApiAnswer {
  const [first] = rest;
  if (req.method === 'GET' && first === 'root' && rest.length === 1) {
    const children = Object.values(content.monitors).filter((m) => m.parentId === ROOT_FOLDER_ID);
    return { status: 200, body: { ...content.monitors[ROOT_FOLDER_ID], children } };
  }
  if (req.method === 'GET' && first === 'search' && rest.length === 1) {
    const query = req.query.get('query');
    if (query === null) return error(400, 'api:missing_parameter', 'query is required.');
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const hits = Object.values(content.monitors).filter((m) => m.id !== ROOT_FOLDER_ID && words.every((w) => `${String(m.name)} ${String(m.description)}`.toLowerCase().includes(w)));
    // monitorsSearch: offset (default 0) and limit (default 100, at most 1000).
    const limit = Number(req.query.get('limit') ?? 100);
    const offset = Number(req.query.get('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return invalid('limit must be between 1 and 1000.');
    if (!Number.isInteger(offset) || offset < 0) return invalid('offset must not be negative.');
    return { status: 200, body: hits.slice(offset, offset + limit).map((item) => ({ item, path: `/Monitor/${String(item.name)}` })) };
  }
  if (req.method === 'POST' && rest.length === 0) {
    const parentId = req.query.get('parentId');
    if (parentId === null) return error(400, 'api:missing_parameter', 'parentId is required.');
    if (content.monitors[parentId]?.contentType !== 'Folder') return notFound(`Folder with id ${parentId}`);
    const body = req.body;
    if (!isObject(body) || body.type !== 'MonitorsLibraryMonitor') return invalid("type should be 'MonitorsLibraryMonitor' or 'MonitorsLibraryFolder'.");
    const problem = monitorProblem(content, body);
    if (problem) return invalid(problem);
    if (Object.values(content.monitors).some((m) => m.parentId === parentId && m.name === body.name)) return error(400, 'content:duplicate_content', `A monitor named ${String(body.name)} already exists in this folder.`);
    const id = newId(content);
    const now = new Date().toISOString();
    content.monitors[id] = storedMonitor(body, { id, version: 0, parentId, createdAt: now, createdBy: USER_ID });
    return { status: 200, body: content.monitors[id] };
  }
  if (rest.length !== 1) return notFound(`/v1/monitors/${rest.join('/')}`);
  const existing = content.monitors[first!];
  if (!existing) return notFound(`Monitor with id ${first!}`);
  if (req.method === 'GET') return { status: 200, body: existing };
  if (req.method === 'DELETE') {
    delete content.monitors[first!];
    return { status: 204 };
  }
  if (req.method === 'PUT') {
    const body = req.body;
    if (!isObject(body) || body.type !== 'MonitorsLibraryMonitorUpdate') return invalid("type should be 'MonitorsLibraryMonitorUpdate' or 'MonitorsLibraryFolderUpdate'.");
    if (body.version !== existing.version) return error(400, 'content:version_mismatch', `The version ${String(body.version)} does not match the latest version ${String(existing.version)}.`);
    const problem = monitorProblem(content, body);
    if (problem) return invalid(problem);
    content.monitors[first!] = storedMonitor(body, { id: existing.id, version: Number(existing.version) + 1, parentId: existing.parentId, createdAt: existing.createdAt, createdBy: existing.createdBy });
    return { status: 200, body: content.monitors[first!] };
  }
  return error(405, 'api:method_not_allowed', `${req.method} is not allowed here.`);
}

/** What is wrong with a DashboardRequest, or undefined. */
function dashboardProblem(body: unknown): string | undefined {
  if (!isObject(body)) return 'The request body is not a dashboard.';
  if (typeof body.title !== 'string' || body.title === '' || body.title.length > 255) return 'title must be 1 to 255 characters.';
  if (!isObject(body.timeRange) || typeof body.timeRange.type !== 'string') return 'timeRange is required.';
  for (const p of Array.isArray(body.panels) ? body.panels : []) {
    if (!isObject(p) || typeof p.key !== 'string' || typeof p.panelType !== 'string') return 'every panel needs key and panelType.';
    if (p.panelType === 'SumoSearchPanel' && !Array.isArray(p.queries)) return 'a SumoSearchPanel needs queries.';
  }
  return undefined;
}

function storedDashboard(body: Record<string, unknown>, id: string): Record<string, unknown> {
  const panels = (Array.isArray(body.panels) ? (body.panels as Array<Record<string, unknown>>) : []).map((p) => ({ id: randomBytes(8).toString('hex').toUpperCase(), ...p }));
  return { description: '', folderId: '0000000000C1C17C', domain: '', hierarchies: [], variables: [], theme: 'Light', refreshInterval: 0, ...body, panels, id, contentId: id.slice(0, 16) };
}

function dashboards(content: SumoContent, req: ApiRequest, rest: string[]): ApiAnswer {
  if (rest.length === 0 && req.method === 'GET') {
    const listed = page(Object.values(content.dashboards), req.query, 50, 100);
    return 'status' in listed ? listed : { status: 200, body: { dashboards: listed.items, next: listed.next } };
  }
  if (rest.length === 0 && req.method === 'POST') {
    const problem = dashboardProblem(req.body);
    if (problem) return invalid(problem);
    const id = randomBytes(24).toString('hex');
    content.dashboards[id] = storedDashboard(req.body as Record<string, unknown>, id);
    return { status: 200, body: content.dashboards[id] };
  }
  if (rest.length !== 1) return notFound(`/v2/dashboards/${rest.join('/')}`);
  const id = rest[0]!;
  if (!content.dashboards[id]) return notFound(`Dashboard with id ${id}`);
  if (req.method === 'GET') return { status: 200, body: content.dashboards[id] };
  if (req.method === 'DELETE') {
    delete content.dashboards[id];
    return { status: 204 };
  }
  if (req.method === 'PUT') {
    const problem = dashboardProblem(req.body);
    if (problem) return invalid(problem);
    content.dashboards[id] = storedDashboard(req.body as Record<string, unknown>, id);
    return { status: 200, body: content.dashboards[id] };
  }
  return error(405, 'api:method_not_allowed', `${req.method} is not allowed here.`);
}

/** What is wrong with a WebhookDefinition, or undefined. */
function connectionProblem(content: SumoContent, body: unknown, id?: string): string | undefined {
  if (!isObject(body) || body.type !== 'WebhookDefinition') return 'type must be either `WebhookDefinition` or `ServiceNowDefinition`.';
  if (typeof body.name !== 'string' || body.name === '' || body.name.length > 127) return 'name must be 1 to 127 characters.';
  if (typeof body.url !== 'string' || !/^https?:\/\//.test(body.url)) return 'url must be a valid URL.';
  if (typeof body.defaultPayload !== 'string' || body.defaultPayload === '') return 'defaultPayload is required.';
  if (Object.values(content.connections).some((c) => c.name === body.name && c.id !== id)) return `A connection named ${body.name} already exists.`;
  return undefined;
}

function storedConnection(body: Record<string, unknown>, base: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString();
  return { description: '', headers: [], customHeaders: [], webhookType: 'Webhook', ...body, ...base, type: 'WebhookConnection', modifiedAt: now, modifiedBy: USER_ID };
}

function connections(content: SumoContent, req: ApiRequest, rest: string[]): ApiAnswer {
  if (rest.length === 0 && req.method === 'GET') {
    const listed = page(Object.values(content.connections), req.query, 100, 1000);
    return 'status' in listed ? listed : { status: 200, body: { data: listed.items, next: listed.next } };
  }
  if (rest.length === 0 && req.method === 'POST') {
    const problem = connectionProblem(content, req.body);
    if (problem) return invalid(problem);
    const id = newId(content);
    content.connections[id] = storedConnection(req.body as Record<string, unknown>, { id, createdAt: new Date().toISOString(), createdBy: USER_ID });
    return { status: 200, body: content.connections[id] };
  }
  if (rest.length !== 1) return notFound(`/v1/connections/${rest.join('/')}`);
  const id = rest[0]!;
  const existing = content.connections[id];
  if (!existing) return error(404, 'connection:not_found', 'Connection with given ID does not exist.');
  if (req.method === 'GET') return { status: 200, body: existing };
  if (req.method === 'DELETE') {
    if (req.query.get('type') !== 'WebhookConnection') return error(400, 'api:missing_parameter', 'type is required: WebhookConnection or ServiceNowConnection.');
    delete content.connections[id];
    return { status: 204 };
  }
  if (req.method === 'PUT') {
    const problem = connectionProblem(content, req.body, id);
    if (problem) return invalid(problem);
    content.connections[id] = storedConnection(req.body as Record<string, unknown>, { id, createdAt: existing.createdAt, createdBy: existing.createdBy });
    return { status: 200, body: content.connections[id] };
  }
  return error(405, 'api:method_not_allowed', `${req.method} is not allowed here.`);
}

/** Answers one content API request; undefined when the path is none of these APIs. */
export function handleContentApi(content: SumoContent, req: ApiRequest): ApiAnswer | undefined {
  const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent);
  const [version, api, ...rest] = parts;
  if (version === 'v1' && api === 'monitors') return monitors(content, req, rest);
  if (version === 'v2' && api === 'dashboards') return dashboards(content, req, rest);
  if (version === 'v1' && api === 'connections') return connections(content, req, rest);
  return undefined;
}

/**
 * Sumo's answer above its rate limit (4 requests a second a user, 10 at once a key): 429 with the
 * generic code of its API reference's status table, in the 401's shape; no Retry-After (the API
 * reference names none for these APIs).
 */
export function rateLimited(): ApiAnswer {
  return { status: 429, body: { status: 429, id: errorId(), code: 'rate.limit.exceeded', message: 'The API request rate is higher than 4 request per second or inflight API requests are higher than 10 request per second.' } };
}

/**
 * Sumo's answer to a request without valid credentials: unlike other errors, its code and message
 * are at the top level (`{"status", "id", "code", "message"}`, as Sumo's "API 401 Error" page shows it).
 */
export function unauthorised(): ApiAnswer {
  return { status: 401, body: { status: 401, id: errorId(), code: 'unauthorized', message: 'Credential could not be verified.' } };
}
