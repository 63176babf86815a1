/**
 * The lab's fake Sumo Logic (run by lab.sh on the control side):
 *   GET  /rest/download/linux/64          the installer (installer.sh with collector.py inside); counted
 *   POST /fake/register                   a collector registers (Basic auth: access id/key)
 *   POST /fake/heartbeat/<code>           a registered collector says it is alive
 *   POST /receiver/v1/http/<code>         log lines (X-Sumo-Category, X-Sumo-Host, X-Sumo-Name)
 *   GET  /api/v1/collectors/name/<name>   Collector Management API shape (Basic auth)
 *   /api/v1/monitors..., /api/v2/dashboards..., /api/v1/connections...
 *                                         the content APIs (content-api.ts; Basic auth), every request recorded
 *   GET  /fake/state                      test-only: everything recorded
 *   POST /fake/throttle {"requests": N}   test-only: the next N content API requests answer 429, as
 *                                         Sumo does above its rate limit (4 a second, 10 at once)
 * It accepts exactly the access id/key of the lab's secrets file.
 *
 *   node --import tsx test/lab/sumo-fake/server.ts --listen 10.77.0.1:8070 --secrets FILE --state FILE
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { handleContentApi, rateLimited, unauthorised } from './content-api.js';
import { ALIVE_SECONDS, emptyState, type FakeState, MAX_CALLS, MAX_LINES } from './state.js';

const { values: options } = parseArgs({ options: { listen: { type: 'string' }, secrets: { type: 'string' }, state: { type: 'string' } } });
if (!options.listen || !options.secrets || !options.state) {
  console.error('usage: server.ts --listen HOST:PORT --secrets SECRETS_ENV --state STATE_JSON');
  process.exit(2);
}
const [listenHost = '', listenPort = ''] = options.listen.split(':');
const stateFile = options.state;

/** KEY=value lines of the lab's secrets file. */
function readEnvFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

const secrets = readEnvFile(options.secrets);
const ACCESS_ID = secrets['SUMO_ACCESS_ID'] ?? '';
const ACCESS_KEY = secrets['SUMO_ACCESS_KEY'] ?? '';
if (ACCESS_ID === '' || ACCESS_KEY === '') {
  console.error(`no SUMO_ACCESS_ID/SUMO_ACCESS_KEY in ${options.secrets}`);
  process.exit(2);
}

// A state file from before the content APIs gets their empty state.
const state: FakeState = { ...emptyState(), ...(existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as Partial<FakeState>) : {}) };

function save(): void {
  writeFileSync(`${stateFile}.tmp`, JSON.stringify(state));
  renameSync(`${stateFile}.tmp`, stateFile);
}

const here = new URL('.', import.meta.url);
const FAKE_VERSION = '19.999-1';

/** The installer script, with the collector program and this server's URL inside. */
function installer(baseUrl: string): string {
  const collector = readFileSync(new URL('collector.py', here), 'utf8');
  return readFileSync(new URL('installer.sh', here), 'utf8')
    .replace('@@COLLECTOR_PY@@', () => collector)
    .replaceAll('@@FAKE_SUMO_URL@@', baseUrl)
    .replaceAll('@@FAKE_VERSION@@', FAKE_VERSION);
}

/** Whether the request carries exactly the lab's access id and key (Basic auth). */
function authorised(req: IncomingMessage): { accessId: string; ok: boolean } {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return { accessId: '', ok: false };
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const accessId = decoded.slice(0, decoded.indexOf(':'));
  const key = Buffer.from(decoded.slice(decoded.indexOf(':') + 1));
  const wanted = Buffer.from(ACCESS_KEY);
  return { accessId, ok: accessId === ACCESS_ID && key.length === wanted.length && timingSafeEqual(key, wanted) };
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function collectorByCode(code: string) {
  return Object.values(state.collectors).find((c) => c.code === code);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const path = url.pathname;
  if (req.method === 'GET' && path === '/rest/download/linux/64') {
    state.downloads++;
    save();
    return send(res, 200, installer(`http://${req.headers.host ?? options.listen}`), 'text/x-shellscript');
  }
  if (req.method === 'POST' && path === '/fake/register') {
    const auth = authorised(req);
    const body = JSON.parse((await readBody(req)) || '{}') as { name?: string; version?: string };
    const name = String(body.name ?? '');
    state.registrations.push({ name, accessId: auth.accessId, accepted: auth.ok, from: req.socket.remoteAddress ?? '', at: new Date().toISOString() });
    if (!auth.ok || name === '') {
      save();
      return send(res, 401, { status: 401, code: 'collector.registration.unauthorized', message: 'Access ID or access key refused' });
    }
    const id = Math.max(100, ...Object.values(state.collectors).map((c) => c.id)) + 1;
    state.collectors[name] = { id, name, code: randomBytes(16).toString('hex'), version: String(body.version ?? ''), lastSeen: Date.now() };
    save();
    return send(res, 200, { id, code: state.collectors[name].code });
  }
  const heartbeat = /^\/fake\/heartbeat\/([0-9a-f]+)$/.exec(path);
  if (req.method === 'POST' && heartbeat) {
    const collector = collectorByCode(heartbeat[1]!);
    if (!collector) return send(res, 404, { message: 'unknown collector' });
    collector.lastSeen = Date.now();
    return send(res, 200, { ok: true });
  }
  const receiver = /^\/receiver\/v1\/http\/([0-9a-f]+)$/.exec(path);
  if (req.method === 'POST' && receiver) {
    const collector = collectorByCode(receiver[1]!);
    if (!collector) return send(res, 401, { message: 'unknown receiver code' });
    const header = (name: string): string => String(req.headers[name] ?? '');
    for (const line of (await readBody(req)).split('\n').filter((l) => l !== '')) {
      state.received.push({ collector: collector.name, category: header('x-sumo-category'), host: header('x-sumo-host'), source: header('x-sumo-name'), line });
    }
    state.received.splice(0, Math.max(0, state.received.length - MAX_LINES));
    save();
    return send(res, 200, '', 'text/plain');
  }
  const byName = /^\/api\/v1\/collectors\/name\/([^/]+)$/.exec(path);
  if (req.method === 'GET' && byName) {
    if (!authorised(req).ok) return send(res, 401, { status: 401, code: 'unauthorized', message: 'Credential could not be verified.' });
    const collector = state.collectors[decodeURIComponent(byName[1]!)];
    if (!collector) return send(res, 404, { status: 404, code: 'collectors.collector.invalid', message: 'The requested collector does not exist.' });
    const alive = Date.now() - collector.lastSeen < ALIVE_SECONDS * 1000;
    return send(res, 200, { collector: { id: collector.id, name: collector.name, collectorType: 'Installed', collectorVersion: collector.version, alive, lastSeenAlive: collector.lastSeen } });
  }
  if (path.startsWith('/api/')) return content(req, res, url);
  if (req.method === 'GET' && path === '/fake/state') return send(res, 200, state);
  if (req.method === 'POST' && path === '/fake/throttle') {
    const requests = Number((JSON.parse((await readBody(req)) || '{}') as { requests?: unknown }).requests);
    if (!Number.isInteger(requests) || requests < 0 || requests > 100) return send(res, 400, { message: 'requests: 0 to 100' });
    throttled = requests;
    return send(res, 200, { throttled });
  }
  return send(res, 404, { message: `no such endpoint: ${req.method ?? ''} ${path}` });
}

/** Content API requests still to answer 429 (POST /fake/throttle). */
let throttled = 0;

/** A content API request: authorised, answered, recorded. */
async function content(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname.slice('/api/'.length);
  const text = await readBody(req);
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = Symbol('invalid JSON');
  }
  const limited = throttled > 0;
  if (limited) throttled--;
  const answer = limited
    ? rateLimited()
    : !authorised(req).ok
      ? unauthorised()
      : typeof body === 'symbol'
        ? { status: 400, body: { id: 'BADJS-ON000-00000', errors: [{ code: 'api:invalid_json', message: 'The request body is not valid JSON.' }] } }
        : (handleContentApi(state.content, { method: req.method ?? 'GET', path, query: url.searchParams, body }) ?? { status: 404, body: { id: 'NOTFO-UND00-00000', errors: [{ code: 'api:not_found', message: `no such endpoint: ${req.method ?? ''} /api/${path}` }] } });
  state.apiCalls.push({ method: req.method ?? 'GET', path, query: url.searchParams.toString(), status: answer.status, at: Date.now() });
  state.apiCalls.splice(0, Math.max(0, state.apiCalls.length - MAX_CALLS));
  save();
  if (answer.status === 204) {
    res.writeHead(204);
    res.end();
    return;
  }
  send(res, answer.status, answer.body);
}

createServer((req, res) => {
  handle(req, res).catch((err: unknown) => send(res, 500, { message: String(err) }));
}).listen(Number(listenPort), listenHost, () => console.log(`fake sumo listening on http://${options.listen}`));
