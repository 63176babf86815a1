/**
 * The per-host flow, on stand-in resource types whose scripts work on files in
 * a temp directory, through a connection that runs the scripts with the local
 * sh. Pure engine logic: batching, re-reading after side effects, handlers,
 * check mode, failures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { InventoryHost } from '../inventory/index.js';
import type { HostPlan, PlannedResource } from '../roles/plan.js';
import { command } from '../resources/command/index.js';
import { line } from '../resources/line/index.js';
import type { AnyResourceType, ControlResourceType, Decision, ProbeFamily, ResourceType } from '../resources/types.js';
import type { Http } from '../transport/http.js';
import { quote } from '../shell/quote.js';
import type { Connection } from '../transport/types.js';
import { localConnection } from '../../test/support/local-connection.js';
import { runHost, type HostRunOptions } from './host-run.js';
import type { RunEvent } from './results.js';
import { sh, userText } from '../shell/quote.js';
import type { Span } from './timing.js';

/** A file with some content, read for several resources with one script (like services with one systemctl call); `broken` prints too few parts. */
const shared: ResourceType<{ path: string; content: string; broken?: boolean }, string | undefined> = {
  name: 'shared',
  validate: (a) => a as { path: string; content: string },
  label: (d) => d.path,
  probe: (d) => sh`cat ${d.path} 2>/dev/null || echo '<absent>'`,
  probeMany: (items, separator) =>
    userText(
      `echo one-read >> ${quote(`${items[0]!.path}.reads`)}\n` +
        items.map((d) => (d.broken ? '' : `cat ${quote(d.path)} 2>/dev/null || echo '<absent>'; echo; echo ${quote(separator)}`)).join('\n'),
    ),
  parse: (out) => (out.trim() === '<absent>' ? undefined : out.trim()),
  decide: (d, c) => ({ changes: c === d.content ? [] : [{ summary: `${c ?? 'absent'} → ${d.content}` }] }),
  apply: (d) => sh`printf '%s' ${d.content} > ${d.path}`,
};

/** A file with some content. */
const marker: ResourceType<{ path: string; content: string }, string | undefined> = {
  name: 'marker',
  validate: (a) => a as { path: string; content: string },
  label: (d) => d.path,
  probe: (d) => sh`if [ -f ${d.path} ]; then cat ${d.path}; else echo '<absent>'; fi`,
  parse: (out) => (out === '<absent>\n' ? undefined : out),
  decide: (d, c) => ({ changes: c === d.content ? [] : [{ summary: `${c === undefined ? 'absent' : 'other content'} → wanted` }] }),
  apply: (d) => sh`printf '%s' ${d.content} > ${d.path}`,
};

/** Like a package: installing it also writes files (side effects), applied together, and makes the engine read again. */
const installer: ResourceType<{ flag: string; writes: Record<string, string> }, boolean> = {
  name: 'installer',
  validate: (a) => a as { flag: string; writes: Record<string, string> },
  label: (d) => d.flag,
  probe: (d) => sh`test -e ${d.flag} && echo yes || echo no`,
  parse: (out) => out.trim() === 'yes',
  decide: (_, installed) => ({ changes: installed ? [] : [{ summary: 'absent → present' }] }),
  apply: () => userText('exit 99'),
  applyMany: (items) =>
    userText(items.flatMap(({ desired }) => [`touch ${quote(desired.flag)}`, ...Object.entries(desired.writes).map(([p, c]) => `printf '%s' ${quote(c)} > ${quote(p)}`)]).join('\n') + `\necho x >> ${quote(`${items[0]!.desired.flag}.calls`)}`),
  reprobeAfter: true,
};

/** Like a package whose effects plan learns: installing writes files, which a study script tells. */
const studied: ResourceType<{ flag: string; writes: Record<string, string> }, boolean> = {
  ...installer,
  name: 'studied',
  effects: {
    study: (items) => userText(`echo studied >> ${quote(`${items[0]!.desired.flag}.studies`)}; echo ${quote(JSON.stringify(Object.assign({}, ...items.map((i) => i.desired.writes))))}`),
    of: (_items, output) => ({
      paths: new Map(
        Object.entries(JSON.parse(output ?? '{}') as Record<string, string>).map(([path, content]) => [
          path,
          { kind: 'file' as const, by: 'studied installer', attributes: { owner: 'root', group: 'root', mode: '0644' }, size: content.length, content, keepsExisting: false },
        ]),
      ),
    }),
  },
};

/** A file whose content plan predicts from earlier changes; one a command may touch is decided at apply. */
const watched: ResourceType<{ path: string; content: string }, string | undefined> = {
  ...marker,
  name: 'watched',
  predict: (desired, _current, ahead) => {
    const o = ahead.path(desired.path);
    if (!o) return undefined;
    if (o.kind === 'file' && o.content !== undefined) return { current: o.content, because: o.by };
    return { unknown: `${o.by} may change it`, cases: [{ summary: 'if it differs: written' }] };
  },
};

/** A file with some content that says what writing it does (as the file type does). */
const written: ResourceType<{ path: string; content: string }, string | undefined> = {
  ...marker,
  name: 'written',
  effects: {
    of: (items) => ({
      paths: new Map(items.map(({ desired }) => [desired.path, { kind: 'file' as const, by: `written ${desired.path}`, attributes: { owner: 'root', group: 'root', mode: '0755' }, size: desired.content.length, content: desired.content, keepsExisting: false }])),
    }),
  },
};

/** Runs a command: anything may change. */
const shell: ResourceType<{ path: string; line: string }, null> = {
  name: 'shell',
  validate: (a) => a as { path: string; line: string },
  label: (d) => d.line,
  probe: () => userText('true'),
  parse: () => null,
  decide: () => ({ changes: [{ summary: 'run' }] }),
  apply: (d) => sh`echo ${d.line} > ${d.path}`,
  effects: { of: (items) => ({ anything: { by: `shell ${items[0]!.desired.line}`, why: 'a command runs' } }) },
};

/** Always acts: appends a line (a handler, or a step that fails with `fail`, or that `kill` ends as a killed shell ends: the apply script's TERM trap, exit 143, the connection still up). */
const counter: ResourceType<{ path: string; fail?: boolean; kill?: boolean }, null> = {
  name: 'counter',
  validate: (a) => a as { path: string },
  label: (d) => d.path,
  probe: () => userText('true'),
  parse: () => null,
  decide: () => ({ changes: [{ summary: 'run' }] }),
  apply: (d) => userText(d.kill ? 'kill -TERM $$' : d.fail ? 'echo "it broke" >&2; exit 3' : `echo ran >> ${quote(d.path)}`),
};

/** Writes its content only to the file it probed: one found changed at apply is left to be decided again (provision_stale); `restless` always finds it changed. */
type GuardedDesired = { path: string; content: string; restless?: boolean };
const guarded: ResourceType<GuardedDesired, string, Decision & { seen: string }> = {
  name: 'guarded',
  validate: (a) => a as GuardedDesired,
  label: (d) => d.path,
  probe: (d) => sh`cat ${d.path} 2>/dev/null || true`,
  parse: (out) => out,
  decide: (d, c) => ({ seen: c, changes: c === d.content ? [] : [{ summary: `${c || 'absent'} → ${d.content}` }] }),
  apply: (d, decision) =>
    sh`if [ "$(cat ${d.path} 2>/dev/null || true)" != ${d.restless ? 'never' : decision.seen.replace(/\n$/, '')} ]; then provision_stale; exit 0; fi; printf '%s' ${d.content} > ${d.path}`,
};

/** Like a certificate: its change needs control-node work (prepare) that reads what the host's other changes made. */
const ordered: ResourceType<{ path: string; needs: string; fail?: boolean; got?: string }, string | undefined> = {
  name: 'ordered',
  validate: (a) => a as { path: string; needs: string },
  label: (d) => d.path,
  probe: (d) => sh`if [ -f ${d.path} ]; then cat ${d.path}; else echo '<absent>'; fi`,
  parse: (out) => (out === '<absent>\n' ? undefined : out),
  decide: (_, c) => ({ changes: c === undefined ? [{ summary: 'issue' }] : [] }),
  apply: (d) => sh`printf '%s' ${d.got ?? 'not prepared'} > ${d.path}`,
  prepare: async (d, _current, control) => {
    if (d.fail) throw new Error('the ACME server said no');
    return { ...d, got: (await control.runScript(sh`cat ${d.needs}`)).stdout };
  },
};

/** A value behind an API (like a Sumo monitor): read and written over HTTP on the control node. */
type RemoteDesired = { name: string; value: string; failRead?: boolean; failWrite?: boolean; sneaky?: boolean };
const remote: ControlResourceType<RemoteDesired, string | null> = {
  name: 'remote',
  runsOn: 'control',
  validate: (a) => a as RemoteDesired,
  label: (d) => d.name,
  identity: (d) => d.name,
  read: async (d, http) => {
    if (d.failRead) throw new Error('answered 401: unauthorized');
    // A read that tries to write: the engine's client must refuse it.
    if (d.sneaky) await http({ method: 'PUT', url: `https://api.test/${d.name}`, body: 'sneaked' });
    return (await http({ method: 'GET', url: `https://api.test/${d.name}` })).body as string | null;
  },
  decide: (d, c) => ({ changes: c === d.value ? [] : [{ summary: `${c ?? 'absent'} → ${d.value}` }] }),
  write: async (d, _c, http) => {
    if (d.failWrite) throw new Error('answered 400: invalid');
    await http({ method: 'PUT', url: `https://api.test/${d.name}`, body: d.value });
  },
};

/** An API keeping values by URL, recording each request. */
function fakeApi(): { http: Http; store: Map<string, unknown>; calls: string[] } {
  const store = new Map<string, unknown>();
  const calls: string[] = [];
  const http: Http = async (request) => {
    calls.push(`${request.method} ${request.url}`);
    if (request.method === 'PUT') store.set(request.url, request.body);
    return { status: 200, body: request.method === 'GET' ? (store.get(request.url) ?? null) : '' };
  };
  return { http, store, calls };
}

const at = { file: 'role.yaml', line: 1, col: 1 };
const planned = (type: AnyResourceType, desired: object, notify: string[] = []): PlannedResource => ({ role: 'test', type, desired, label: `${type.name} ${type.label(desired)}`, notify, position: at });
const host = { name: 'h1', connection: { type: 'ssh', address: 'x', port: 22, become: false }, groups: ['all'], roles: [], vars: {} } as InventoryHost;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'provision-engine-'));
});

async function run(plan: HostPlan, connection: Connection, check = false, extra: Partial<HostRunOptions> = {}) {
  const events: RunEvent[] = [];
  const result = await runHost(plan, { check, connect: { acceptNewHostKeys: false, timeoutMs: 1000 }, openConnection: async () => connection, onEvent: (e) => events.push(e), hostStateDir: join(dir, 'state'), lockPath: join(dir, 'provision.lock'), ...extra });
  return { result, events };
}

describe('runHost', () => {
  it('check mode: one probe call, nothing changes, changes reported', async () => {
    const plan: HostPlan = { host, resources: [planned(marker, { path: join(dir, 'a'), content: 'A' })], handlers: new Map() };
    const connection = localConnection();
    const { result } = await run(plan, connection, true);
    expect(connection.scripts).toHaveLength(1);
    expect(existsSync(join(dir, 'a'))).toBe(false);
    expect(result).toMatchObject({ ok: 0, changed: 1, failed: 0, unreachable: false });
  });

  it('apply: one probe call and one apply call; a handler notified twice runs once, last', async () => {
    const log = join(dir, 'handler.log');
    const handler = planned(counter, { path: log });
    const plan: HostPlan = {
      host,
      resources: [planned(marker, { path: join(dir, 'a'), content: 'A' }, ['reload']), planned(marker, { path: join(dir, 'b'), content: 'B' }, ['reload']), planned(marker, { path: join(dir, 'c'), content: 'C' })],
      handlers: new Map([['reload', handler]]),
    };
    writeFileSync(join(dir, 'c'), 'C');
    const connection = localConnection();
    const { result } = await run(plan, connection);
    expect(connection.scripts).toHaveLength(2);
    expect(readFileSync(log, 'utf8')).toBe('ran\n');
    expect(result.results.map((r) => `${r.status} ${r.resource}${r.handler ? ' (handler)' : ''}`)).toEqual([`ok marker ${dir}/c`, `changed marker ${dir}/a`, `changed marker ${dir}/b`, `changed counter ${log} (handler)`]);

    const again = localConnection();
    const second = await run(plan, again);
    expect(again.scripts).toHaveLength(1);
    expect(second.result).toMatchObject({ ok: 3, changed: 0 });
  });

  it('timings, when asked for: the connect, each probe call, each apply step by type, and the handlers', async () => {
    const log = join(dir, 'handler.log');
    const plan: HostPlan = {
      host,
      resources: [planned(installer, { flag: join(dir, 'flag'), writes: {} }), planned(marker, { path: join(dir, 'a'), content: 'A' }, ['reload'])],
      handlers: new Map([['reload', planned(counter, { path: log })]]),
    };
    const spans: Span[] = [];
    await run(plan, localConnection(), false, { onSpan: (span) => spans.push(span) });
    expect(spans.map((s) => `${s.host} ${s.phase}`)).toEqual(['h1 connect', 'h1 probe', 'h1 apply installer', 'h1 probe', 'h1 apply marker', 'h1 handler counter']);
    for (const s of spans) expect(s.end).toBeGreaterThanOrEqual(s.start);
  });

  it('resources of a type with probeMany are read in one section, each gets its own part', async () => {
    writeFileSync(join(dir, 's1'), 'one');
    const plan: HostPlan = {
      host,
      resources: [planned(shared, { path: join(dir, 's1'), content: 'one' }), planned(marker, { path: join(dir, 'm'), content: 'M' }), planned(shared, { path: join(dir, 's2'), content: 'two' })],
      handlers: new Map(),
    };
    const { result } = await run(plan, localConnection(), true);
    expect(readFileSync(join(dir, 's1.reads'), 'utf8')).toBe('one-read\n');
    expect(result.results.map((r) => `${r.status} ${r.resource}: ${r.changes.map((c) => c.summary).join()}`)).toEqual([
      `ok shared ${dir}/s1: `,
      `changed marker ${dir}/m: absent → wanted`,
      `changed shared ${dir}/s2: absent → two`,
    ]);
  });

  it('a type whose probe runs inline is read in the batch shell itself, the others each in a process of their own', async () => {
    // Where the probe ran: the pid the shell reads from /proc/self against the batch shell's $$.
    const where = userText('read -r pid rest </proc/self/stat; if [ "$pid" = "$$" ]; then echo batch shell; else echo own process; fi');
    const placed = (name: string, probeInline?: true): ResourceType<{ wanted: string }, string> => ({
      name,
      validate: (a) => a as { wanted: string },
      label: () => name,
      probe: () => where,
      ...(probeInline ? { probeInline } : {}),
      parse: (out) => out.trim(),
      decide: (d, c) => ({ changes: c === d.wanted ? [] : [{ summary: c }] }),
      apply: () => userText('true'),
    });
    const plan: HostPlan = { host, resources: [planned(placed('inline', true), { wanted: 'batch shell' }), planned(placed('apart'), { wanted: 'own process' })], handlers: new Map() };
    const { result } = await run(plan, localConnection(), true);
    expect(result).toMatchObject({ ok: 2, changed: 0, failed: 0 });
  });

  it('resources of types in one probe family are read in one section, through the family, each with its own part', async () => {
    const reads = join(dir, 'family.reads');
    // One program call for all parts (as one MySQL client call runs every type's statements): it logs once, then prints each part.
    const family: ProbeFamily = {
      name: 'words',
      probeMany: (parts, separator) => userText(`echo one-call >> ${quote(reads)}\n${parts.map((p) => `echo ${quote(p)}; echo ${quote(separator)}`).join('\n')}`),
    };
    const member = (name: string): ResourceType<{ word: string }, string> => ({
      name,
      validate: (a) => a as { word: string },
      label: (d) => d.word,
      probe: (d) => userText(`echo ${quote(`${name}:${d.word}`)}`),
      probeFamily: { family, part: (d) => `${name}:${d.word}` },
      parse: (out) => out.trim(),
      decide: (d, c) => ({ changes: c === `${name}:${d.word}` ? [] : [{ summary: `read ${c}` }] }),
      apply: () => userText('true'),
    });
    const [first, second] = [member('first'), member('second')];
    const plan: HostPlan = {
      host,
      resources: [planned(first, { word: 'a' }), planned(marker, { path: join(dir, 'm'), content: 'M' }), planned(second, { word: 'b' }), planned(first, { word: 'c' })],
      handlers: new Map(),
    };
    const { result } = await run(plan, localConnection(), true);
    expect(readFileSync(reads, 'utf8')).toBe('one-call\n');
    expect(result.results.map((r) => `${r.status} ${r.resource}`)).toEqual(['ok first a', `changed marker ${dir}/m`, 'ok second b', 'ok first c']);
  });

  it('a probeMany whose output has the wrong number of parts fails the host, naming the resources', async () => {
    const plan: HostPlan = {
      host,
      resources: [planned(shared, { path: join(dir, 's1'), content: 'one' }), planned(shared, { path: join(dir, 's2'), content: 'two', broken: true })],
      handlers: new Map(),
    };
    const { result } = await run(plan, localConnection(), true);
    expect(result.failed).toBe(1);
    expect(result.error).toBe(`reading the state of shared ${dir}/s1, shared ${dir}/s2 failed (its output did not have one part per resource)`);
  });

  it('after a package-like install, what follows is read again: a file the install wrote is already in state', async () => {
    const plan: HostPlan = {
      host,
      resources: [
        planned(installer, { flag: join(dir, 'pkg1'), writes: { [join(dir, 'conf')]: 'default' } }),
        planned(marker, { path: join(dir, 'conf'), content: 'default' }),
        planned(installer, { flag: join(dir, 'pkg2'), writes: {} }),
        planned(marker, { path: join(dir, 'other'), content: 'X' }),
      ],
      handlers: new Map(),
    };
    const connection = localConnection();
    const { result } = await run(plan, connection);
    expect(connection.scripts).toHaveLength(4);
    expect(readFileSync(join(dir, 'pkg1.calls'), 'utf8')).toBe('x\n');
    expect(result.results.map((r) => `${r.status} ${r.resource}`).sort()).toEqual(
      [`changed installer ${dir}/pkg1`, `changed installer ${dir}/pkg2`, `ok marker ${dir}/conf`, `changed marker ${dir}/other`].sort(),
    );
  });

  it('an early resource declared after a package-like install is applied before it, in plan and apply alike', async () => {
    const conf = join(dir, 'conf');
    // The second install copies the config as it finds it (as a package's first start reads its config file).
    const starts: typeof installer = { ...installer, applyMany: (items) => userText(`cat ${quote(conf)} > ${quote(join(dir, 'started-with'))} 2>/dev/null || echo '<absent>' > ${quote(join(dir, 'started-with'))}\n${installer.applyMany!(items)}`) };
    const resources = (early: boolean): PlannedResource[] => [
      planned(starts, { flag: join(dir, 'pkg1'), writes: {} }),
      { ...planned(marker, { path: conf, content: 'tuned' }), ...(early ? { early: true as const } : {}) },
      planned(starts, { flag: join(dir, 'pkg2'), writes: {} }),
    ];
    const order = (r: { results: Array<{ status: string; resource: string }> }): string[] => r.results.map((x) => `${x.status} ${x.resource}`);

    const preview = (await run({ host, resources: resources(true), handlers: new Map() }, localConnection(), true)).result;
    const applied = (await run({ host, resources: resources(true), handlers: new Map() }, localConnection())).result;
    expect(readFileSync(join(dir, 'started-with'), 'utf8')).toBe('tuned');
    expect(order(preview)).toEqual([`changed marker ${conf}`, `changed installer ${dir}/pkg1`, `changed installer ${dir}/pkg2`]);
    expect(order(applied)).toEqual(order(preview));

    // Without early, the config comes after the installs (what follows a package is read again first).
    for (const f of ['pkg1', 'pkg2', 'conf']) rmSync(join(dir, f), { force: true });
    await run({ host, resources: resources(false), handlers: new Map() }, localConnection());
    expect(readFileSync(join(dir, 'started-with'), 'utf8')).toBe('<absent>\n');
  });

  it('plan decides what follows a package as it will be: study once, then apply does what plan said', async () => {
    const conf = join(dir, 'conf');
    const plan: HostPlan = {
      host,
      resources: [
        planned(studied, { flag: join(dir, 'pkg'), writes: { [conf]: 'default' } }),
        planned(watched, { path: conf, content: 'default' }, ['h']),
        planned(watched, { path: join(dir, 'other'), content: 'X' }),
      ],
      handlers: new Map([['h', planned(counter, { path: join(dir, 'h.log') })]]),
    };
    const check = localConnection();
    const preview = (await run(plan, check, true)).result;
    expect(check.scripts).toHaveLength(2);
    expect(readFileSync(join(dir, 'pkg.studies'), 'utf8')).toBe('studied\n');
    expect(existsSync(conf)).toBe(false);
    const outcome = (r: { status: string; resource: string; note?: string; reason?: string }): string => `${r.status} ${r.resource}${r.note ? ` (${r.note})` : ''}${r.reason ? ` [${r.reason}]` : ''}`;
    expect(preview.results.map(outcome)).toEqual([`changed studied ${dir}/pkg`, `ok watched ${conf} (studied installer)`, `changed watched ${dir}/other`]);
    // Nothing changed that notifies the handler: it is not listed.
    expect(preview).toMatchObject({ changed: 2, ok: 1, unknown: 0 });

    const applied = (await run(plan, localConnection())).result;
    expect(applied.results.map((r) => `${r.status} ${r.resource}`).sort()).toEqual([`changed studied ${dir}/pkg`, `changed watched ${dir}/other`, `ok watched ${conf}`].sort());
    expect(readFileSync(join(dir, 'pkg.studies'), 'utf8')).toBe('studied\n');
  });

  it('what a command earlier in the same apply call may change is decided at apply, and so are the handlers only it notifies', async () => {
    const target = join(dir, 'target');
    const plan: HostPlan = {
      host,
      resources: [planned(shell, { path: target, line: 'made' }), planned(line, { path: target, line: 'made', regexp: '^m' }, ['h'])],
      handlers: new Map([['h', planned(counter, { path: join(dir, 'h.log') })]]),
    };
    const preview = (await run(plan, localConnection(), true)).result;
    expect(preview.results.map((r) => `${r.status} ${r.handler ? 'handler ' : ''}${r.resource}`)).toEqual(['changed shell made', `unknown line ${target}`, `unknown handler counter ${dir}/h.log`]);
    expect(preview.results[1]!.reason).toBe(`shell made may change ${target}: a command runs; the line is checked when apply reaches it`);
    expect(preview.results[2]!.reason).toBe(`runs if line ${target} changes something`);
    expect(preview).toMatchObject({ changed: 1, unknown: 2 });

    // Apply: the line, decided again, finds the command wrote it; nothing notifies the handler.
    const applied = (await run(plan, localConnection())).result;
    expect(applied.results.map((r) => `${r.status} ${r.resource}`)).toEqual(['changed shell made', `ok line ${target}`]);
    expect(existsSync(join(dir, 'h.log'))).toBe(false);
  });

  it('a command whose guard ran a program an earlier change of the same apply call rewrites is decided at apply, as plan says, before what follows it', async () => {
    // The guard's program said "in state" when probed; the run replaces it with one that says not.
    const helper = join(dir, 'helper');
    writeFileSync(helper, 'exit 0\n');
    const rendered = join(dir, 'rendered');
    const newHelper = `test -f ${rendered}\n`;
    const plan: HostPlan = {
      host,
      resources: [
        planned(written, { path: helper, content: newHelper }),
        planned(command, command.validate({ cmd: `echo done > ${rendered}`, unless: `sh ${helper}` })),
        planned(watched, { path: join(dir, 'site'), content: 'S' }),
      ],
      handlers: new Map(),
    };
    const preview = (await run(plan, localConnection(), true)).result;
    expect(preview.results.map((r) => `${r.status} ${r.resource}`)).toEqual([`changed written ${helper}`, `unknown command echo done > ${rendered}`, `changed watched ${dir}/site`]);

    const connection = localConnection();
    const applied = (await run(plan, connection)).result;
    expect(applied.results.map((r) => `${r.status} ${r.resource}`)).toEqual([`changed written ${helper}`, `changed command echo done > ${rendered}`, `changed watched ${dir}/site`]);
    expect(readFileSync(rendered, 'utf8')).toBe('done\n');
    // Probe, the helper, probe again, the command and what follows it.
    expect(connection.scripts).toHaveLength(4);
    // Nothing rewrites the guard's program: one probe, one apply call.
    const again = localConnection();
    rmSync(join(dir, 'site'));
    expect((await run(plan, again)).result).toMatchObject({ ok: 2, changed: 1 });
    expect(again.scripts).toHaveLength(2);
  });

  it('a resource\'s warning (warn:) is said before anything changes, by plan and by apply, only when it changes something', async () => {
    const a = join(dir, 'a');
    writeFileSync(join(dir, 'b'), 'B');
    const plan: HostPlan = {
      host,
      resources: [{ ...planned(marker, { path: a, content: 'A' }), warn: { text: 'requests fail meanwhile' } }, { ...planned(marker, { path: join(dir, 'b'), content: 'B' }), warn: { text: 'never said: in state' } }],
      handlers: new Map(),
    };
    const notices = (events: RunEvent[]): string[] => events.flatMap((e) => (e.kind === 'notice' ? [`${e.host} ${e.message}`] : []));
    const warning = `h1 warning: marker ${a}: requests fail meanwhile`;
    expect(notices((await run(plan, localConnection(), true)).events)).toEqual([warning]);
    // Apply says it while nothing is changed yet.
    const seen: string[] = [];
    await run(plan, localConnection(), false, { onEvent: (e) => e.kind === 'notice' && seen.push(`${e.host} ${e.message} (a ${existsSync(a) ? 'written' : 'not written'})`) });
    expect(seen).toEqual([`${warning} (a not written)`]);
    expect(notices((await run(plan, localConnection())).events)).toEqual([]);
  });

  it('a step that finds what it was decided from changed is probed and decided again in a round of its own; its handler runs after it', async () => {
    const target = join(dir, 'target');
    const log = join(dir, 'h.log');
    const plan: HostPlan = {
      host,
      resources: [planned(marker, { path: target, content: 'made' }, ['h']), planned(guarded, { path: target, content: 'guarded' }, ['h'])],
      handlers: new Map([['h', planned(counter, { path: log })]]),
    };
    const connection = localConnection();
    const { result } = await run(plan, connection);
    // Probe, apply (the marker and the handler; the guarded step finds the file changed), probe, apply (the guarded step and the handler again).
    expect(connection.scripts).toHaveLength(4);
    expect(result.results.map((r) => `${r.status} ${r.handler ? 'handler ' : ''}${r.resource}: ${r.changes.map((c) => c.summary).join('; ')}`)).toEqual([
      `changed marker ${target}: absent → wanted`,
      `changed handler counter ${log}: run; runs again after guarded ${target}`,
      `changed guarded ${target}: made → guarded`,
    ]);
    expect(readFileSync(target, 'utf8')).toBe('guarded');
    expect(readFileSync(log, 'utf8')).toBe('ran\nran\n');
    expect(result).toMatchObject({ failed: 0 });
  });

  it('a step found stale a second time fails, and is left as it is', async () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'old');
    const plan: HostPlan = { host, resources: [planned(guarded, { path: target, content: 'new', restless: true })], handlers: new Map() };
    const { result } = await run(plan, localConnection());
    expect(result.results.map((r) => `${r.status} ${r.resource}: ${r.error ?? ''}`)).toEqual([`failed guarded ${target}: what it was decided from changed again before apply reached it: left as it is`]);
    expect(readFileSync(target, 'utf8')).toBe('old');
  });

  it('stops at the first failure: later steps are skipped and handlers do not run', async () => {
    const log = join(dir, 'handler.log');
    const plan: HostPlan = {
      host,
      resources: [planned(marker, { path: join(dir, 'a'), content: 'A' }, ['h']), planned(counter, { path: join(dir, 'x'), fail: true }), planned(marker, { path: join(dir, 'b'), content: 'B' })],
      handlers: new Map([['h', planned(counter, { path: log })]]),
    };
    const { result } = await run(plan, localConnection());
    expect(result).toMatchObject({ failed: 1, changed: 1, unreachable: false });
    expect(result.error).toBe(`counter ${dir}/x: exit 3: it broke`);
    expect(result.results.filter((r) => r.status === 'skipped').map((r) => r.resource)).toEqual([`marker ${dir}/b`, `counter ${log}`]);
    expect(existsSync(join(dir, 'b'))).toBe(false);
    expect(existsSync(log)).toBe(false);
  });

  it.each([
    ['the first step', 0],
    ['a later step', 1],
  ])('%s killed on the host fails the host: it began and never ended, what follows does not run', async (_, at) => {
    const before = Array.from({ length: at }, (_, i) => planned(marker, { path: join(dir, `before${i}`), content: 'B' }));
    const plan: HostPlan = { host, resources: [...before, planned(counter, { path: join(dir, 'k'), kill: true }), planned(marker, { path: join(dir, 'after'), content: 'A' })], handlers: new Map() };
    const { result } = await run(plan, localConnection());
    expect(result.results.map((r) => `${r.status} ${r.resource}`)).toEqual([...before.map((p) => `changed ${p.label}`), `failed counter ${dir}/k`, `skipped marker ${dir}/after`]);
    expect(result).toMatchObject({ failed: 1, skipped: 1, error: `counter ${dir}/k: began and never ended (exit 143)` });
    expect(existsSync(join(dir, 'after'))).toBe(false);
  });

  it('a shell killed between two steps fails the host: the first step that never began is failed', async () => {
    const plan: HostPlan = { host, resources: ['a', 'b', 'c'].map((n) => planned(marker, { path: join(dir, n), content: n })), handlers: new Map() };
    const local = localConnection();
    // What the host sends when the script's shell gets TERM (its trap: exit 143) after step 0 ended, before step 1 began.
    const killedBetween: Connection = {
      ...local,
      runScript: async (script, options) => {
        if (!String(script).includes('flock')) return local.runScript(script, options);
        const marker = /@@provision-[0-9a-f]{12}/.exec(String(script))![0];
        const stdout = `${marker} begin 0\n\n${marker} end 0 0 changed\n`;
        options?.onStdout?.(stdout);
        return { stdout, stderr: '', code: 143 };
      },
    };
    const { result } = await run(plan, killedBetween);
    expect(result.results.map((r) => `${r.status} ${r.resource}`)).toEqual([`changed marker ${dir}/a`, `failed marker ${dir}/b`, `skipped marker ${dir}/c`]);
    expect(result).toMatchObject({ failed: 1, unreachable: false, error: `marker ${dir}/b: the apply script ended (exit 143) before this step began` });
  });

  it('a change with a control step runs after the other changes and their handlers, then notifies again', async () => {
    const log = join(dir, 'handler.log');
    const plan: HostPlan = {
      host,
      resources: [planned(ordered, { path: join(dir, 'cert'), needs: join(dir, 'site') }, ['reload']), planned(marker, { path: join(dir, 'site'), content: 'S' }, ['reload'])],
      handlers: new Map([['reload', planned(counter, { path: log })]]),
    };
    const check = localConnection();
    const preview = (await run(plan, check, true)).result;
    expect(preview).toMatchObject({ changed: 3 });
    expect(check.scripts).toHaveLength(1);
    // Plan lists it in apply's order, the handler once, saying it runs again after the late change.
    const shown = (r: { status: string; resource: string; handler: boolean; changes: Array<{ summary: string }> }): string => `${r.status} ${r.resource}${r.handler ? ' (handler)' : ''}: ${r.changes.map((c) => c.summary).join('; ')}`;
    const expected = [`changed marker ${dir}/site: absent → wanted`, `changed ordered ${dir}/cert: issue`, `changed counter ${log} (handler): run; runs again after ordered ${dir}/cert`];
    expect(preview.results.map(shown)).toEqual(expected);

    const connection = localConnection();
    const { result } = await run(plan, connection);
    expect(readFileSync(join(dir, 'cert'), 'utf8')).toBe('S');
    expect(readFileSync(log, 'utf8')).toBe('ran\nran\n');
    expect(connection.scripts).toHaveLength(4);
    // The handler ran twice and is one result, as plan said.
    expect(result.results.map(shown).sort()).toEqual([...expected].sort());
  });

  it('a failed control step fails its resource only: the rest is applied, its handler does not run again', async () => {
    const log = join(dir, 'handler.log');
    const plan: HostPlan = {
      host,
      resources: [planned(ordered, { path: join(dir, 'cert'), needs: join(dir, 'site'), fail: true }, ['reload']), planned(marker, { path: join(dir, 'site'), content: 'S' }, ['reload'])],
      handlers: new Map([['reload', planned(counter, { path: log })]]),
    };
    const { result } = await run(plan, localConnection());
    expect(result).toMatchObject({ failed: 1, changed: 2, error: `ordered ${dir}/cert: the ACME server said no` });
    expect(readFileSync(log, 'utf8')).toBe('ran\n');
    expect(existsSync(join(dir, 'cert'))).toBe(false);
  });

  describe('an order (a control-node step with effects) never starts after Ctrl-C, nor before the rolling gate passed', () => {
    type Stop = { interrupt: AbortController; orders: string[] };
    /** Like a certificate, its orders noted (by what they order), each calling `onOrder` as it starts. */
    const ordering = (onOrder: (path: string) => void = () => undefined): typeof ordered => ({
      ...ordered,
      prepare: (d, current, control) => {
        onOrder(d.path);
        return ordered.prepare!(d, current, control);
      },
    });
    const cert = (name: string, type: typeof ordered) => planned(type, { path: join(dir, name), needs: join(dir, 'site') });
    const site = () => planned(marker, { path: join(dir, 'site'), content: 'S' });
    it.each<[string, (stop: Stop) => { resources: PlannedResource[]; extra?: Partial<HostRunOptions> }, string[], string[], string]>([
      [
        'Ctrl-C while the host is read, only an order due',
        (stop) => ({ resources: [cert('cert', ordering((p) => stop.orders.push(p)))], extra: { onEvent: (e) => e.kind === 'host-connected' && stop.interrupt.abort() } }),
        [],
        ['skipped ordered cert'],
        'interrupted before changing anything on the host',
      ],
      [
        'Ctrl-C during the last of the other changes',
        (stop) => ({ resources: [cert('cert', ordering((p) => stop.orders.push(p))), site()], extra: { onEvent: (e) => e.kind === 'resource-start' && e.resource.startsWith('marker') && stop.interrupt.abort() } }),
        [],
        ['changed marker site', 'skipped ordered cert'],
        'interrupted after an apply call on the host, before the rest of its changes',
      ],
      [
        'two orders, Ctrl-C during the first',
        (stop) => {
          const type = ordering((p) => (stop.orders.push(p), stop.interrupt.abort()));
          return { resources: [cert('one', type), cert('two', type)] };
        },
        ['one'],
        ['skipped ordered one', 'skipped ordered two'],
        'interrupted before changing anything on the host',
      ],
      [
        'the rolling gate refuses (the rollout stopped before its batch)',
        (stop) => ({ resources: [cert('cert', ordering((p) => stop.orders.push(p)))], extra: { gate: { read: [], onRead: () => undefined, beforeApply: () => Promise.reject(new Error('the rollout stopped')) } } }),
        [],
        ['skipped ordered cert'],
        'not changed: the rollout stopped',
      ],
    ])('%s', async (_, setup, orders, results, error) => {
      writeFileSync(join(dir, 'site'), 'S0');
      const stop: Stop = { interrupt: new AbortController(), orders: [] };
      const { resources, extra } = setup(stop);
      const { result } = await run({ host, resources, handlers: new Map() }, localConnection(), false, { signal: stop.interrupt.signal, ...extra });
      expect(stop.orders.map((p) => p.slice(dir.length + 1))).toEqual(orders);
      expect(result.results.map((r) => `${r.status} ${r.resource.replace(`${dir}/`, '')}`)).toEqual(results);
      expect(result).toMatchObject({ failed: 1, error });
    });
  });

  it('a handler notified by a run that failed before it ran is run by the next run', async () => {
    const log = join(dir, 'handler.log');
    const broken = join(dir, 'broken');
    const plan = (fail: boolean): HostPlan => ({
      host,
      resources: [planned(marker, { path: join(dir, 'a'), content: 'A' }, ['h']), planned(marker, { path: broken, content: fail ? 'x' : 'ok' })],
      handlers: new Map([['h', planned(counter, { path: log })]]),
    });
    execFileSync('mkdir', [broken]);
    const failed = await run(plan(true), localConnection());
    expect(failed.result.failed).toBe(1);
    expect(existsSync(log)).toBe(false);
    execFileSync('rmdir', [broken]);
    writeFileSync(broken, 'ok');
    const checked = await run(plan(false), localConnection(), true);
    expect(checked.result.results.filter((r) => r.handler).map((r) => r.status)).toEqual(['changed']);
    const next = await run(plan(false), localConnection());
    expect(next.result).toMatchObject({ failed: 0, changed: 1 });
    expect(readFileSync(log, 'utf8')).toBe('ran\n');
    const after = await run(plan(false), localConnection());
    expect(after.result).toMatchObject({ changed: 0 });
    expect(readFileSync(log, 'utf8')).toBe('ran\n');
  });

  it('a connection lost while applying makes the host unreachable, naming it', async () => {
    const plan: HostPlan = { host, resources: [planned(marker, { path: join(dir, 'a'), content: 'A' })], handlers: new Map() };
    const { result } = await run(plan, localConnection({ dropAfter: 1 }));
    expect(result).toMatchObject({ unreachable: true, error: 'connection lost while applying changes' });
  });

  it('Ctrl-C while its connection opens: nothing runs on the host, the connection is closed, the host is reported not started', async () => {
    const plan: HostPlan = { host, resources: [planned(marker, { path: join(dir, 'a'), content: 'A' })], handlers: new Map() };
    const connection = localConnection();
    let closed = 0;
    const interrupt = new AbortController();
    const openConnection = async (): Promise<Connection> => {
      interrupt.abort();
      return { ...connection, close: async () => void closed++ };
    };
    const { result } = await run(plan, connection, false, { openConnection, signal: interrupt.signal });
    expect(connection.scripts).toHaveLength(0);
    expect(closed).toBe(1);
    expect(existsSync(join(dir, 'a'))).toBe(false);
    expect(result).toMatchObject({ failed: 1, changed: 0, error: 'not started: interrupted' });
  });

  it('a host that cannot be reached is reported, not thrown', async () => {
    const plan: HostPlan = { host, resources: [], handlers: new Map() };
    const result = await runHost(plan, {
      check: false,
      connect: { acceptNewHostKeys: false, timeoutMs: 1000 },
      openConnection: async () => {
        throw new Error('root@x:22: connection refused');
      },
      onEvent: () => undefined,
    });
    expect(result).toMatchObject({ unreachable: true, error: 'root@x:22: connection refused', results: [] });
  });

  describe('resources behind an API', () => {
    const mixed = (values: { a?: string; b?: string } = {}, extra: Partial<RemoteDesired> = {}): HostPlan => ({
      host,
      resources: [planned(marker, { path: join(dir, 'a'), content: values.a ?? 'A' }), planned(remote, { name: 'monitor', value: values.b ?? 'B', ...extra })],
      handlers: new Map(),
    });

    it('plan reads them with GETs only, beside the one probe call, and changes nothing', async () => {
      const api = fakeApi();
      const connection = localConnection();
      const { result } = await run(mixed(), connection, true, { http: api.http });
      expect(connection.scripts).toHaveLength(1);
      expect(api.calls).toEqual(['GET https://api.test/monitor']);
      expect(result.results.map((r) => `${r.status} ${r.resource}: ${r.changes.map((c) => c.summary).join()}`)).toEqual([`changed marker ${dir}/a: absent → wanted`, 'changed remote monitor: absent → B']);
    });

    it('a read that tries to change something is refused: the resource fails, nothing is written', async () => {
      const api = fakeApi();
      const { result } = await run(mixed({}, { sneaky: true }), localConnection(), true, { http: api.http });
      expect(api.store.size).toBe(0);
      expect(result.results.find((r) => r.resource === 'remote monitor')).toMatchObject({ status: 'failed', error: 'reading its state failed: refused PUT https://api.test/monitor: reading state may only GET' });
    });

    it('apply: the host changes in one call, then the API changes; a second apply changes nothing and only reads', async () => {
      const api = fakeApi();
      const connection = localConnection();
      const { result, events } = await run(mixed(), connection, false, { http: api.http });
      expect(connection.scripts).toHaveLength(2);
      expect(api.store.get('https://api.test/monitor')).toBe('B');
      expect(result).toMatchObject({ changed: 2, failed: 0 });
      expect(events.filter((e) => e.kind === 'resource-start').map((e) => (e as { resource: string }).resource)).toEqual([`marker ${dir}/a`, 'remote monitor']);
      api.calls.length = 0;
      const again = localConnection();
      expect((await run(mixed(), again, false, { http: api.http })).result).toMatchObject({ ok: 2, changed: 0 });
      expect(again.scripts).toHaveLength(1);
      expect(api.calls).toEqual(['GET https://api.test/monitor']);
    });

    it('only an API change: no apply call on the host', async () => {
      const api = fakeApi();
      writeFileSync(join(dir, 'a'), 'A');
      const connection = localConnection();
      expect((await run(mixed(), connection, false, { http: api.http })).result).toMatchObject({ ok: 1, changed: 1 });
      expect(connection.scripts).toHaveLength(1);
    });

    it('a state that cannot be read fails that resource alone; the host is still converged', async () => {
      const { result } = await run(mixed({}, { failRead: true }), localConnection(), false, { http: fakeApi().http });
      expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('A');
      expect(result).toMatchObject({ changed: 1, failed: 1, error: 'remote monitor: reading its state failed: answered 401: unauthorized' });
    });

    it('a change behind an API waits for the rolling gate: refused, nothing is written', async () => {
      const api = fakeApi();
      const gate = { read: [], onRead: () => undefined, beforeApply: () => Promise.reject(new Error('the rollout stopped')) };
      writeFileSync(join(dir, 'a'), 'A');
      const { result } = await run(mixed(), localConnection(), false, { http: api.http, gate });
      expect(result).toMatchObject({ skipped: 1, error: 'not changed: the rollout stopped' });
      expect(api.calls).toEqual(['GET https://api.test/monitor']);
    });

    it('a failed API change fails the resource; after a failed host step the API changes are skipped', async () => {
      const api = fakeApi();
      expect((await run(mixed({}, { failWrite: true }), localConnection(), false, { http: api.http })).result).toMatchObject({ failed: 1, error: 'remote monitor: answered 400: invalid' });
      const failing: HostPlan = { host, resources: [planned(counter, { path: join(dir, 'x'), fail: true }), planned(remote, { name: 'm2', value: 'V' })], handlers: new Map() };
      const { result } = await run(failing, localConnection(), false, { http: api.http });
      expect(result.results.map((r) => r.status)).toEqual(['failed', 'skipped']);
      expect(api.store.has('https://api.test/m2')).toBe(false);
    });
  });

  describe('when an apply last ended with every change made, and whether one ever did (recordApply)', () => {
    /** The notes on the host, each absent, old (from an earlier run) or written just now (empty: the modification time says when). */
    type Notes = Record<'last-apply' | 'last-no-op' | 'applied', 'absent' | 'old' | 'now'>;
    const note = (name: string): string => join(dir, 'state', name);
    const notes = (): Notes => {
      const of = (name: string): Notes['applied'] => {
        if (!existsSync(note(name))) return 'absent';
        if (statSync(note(name)).mtimeMs < 10_000) return 'old';
        expect(readFileSync(note(name), 'utf8')).toBe('');
        expect(Math.abs(statSync(note(name)).mtimeMs - Date.now())).toBeLessThan(5000);
        return 'now';
      };
      return { 'last-apply': of('last-apply'), 'last-no-op': of('last-no-op'), applied: of('applied') };
    };
    /** Leaves the notes as an earlier run did (old), e.g. only last-apply: a host an older provision applied. */
    const given = (names: Array<keyof Notes>): void => {
      mkdirSync(join(dir, 'state'), { recursive: true });
      for (const name of names) {
        writeFileSync(note(name), '1\n');
        utimesSync(note(name), 1, 1);
      }
    };
    const changing = (fail = false): HostPlan => ({ host, resources: [planned(marker, { path: join(dir, 'a'), content: 'A' }), planned(counter, { path: join(dir, 'x'), fail })], handlers: new Map() });
    const inState = (): HostPlan => {
      writeFileSync(join(dir, 'a'), 'A');
      return { host, resources: [planned(marker, { path: join(dir, 'a'), content: 'A' })], handlers: new Map() };
    };
    /** A host whose state cannot be read: a probe fails. */
    const unreadable = (): HostPlan => ({ host, resources: [planned({ ...marker, probe: () => userText('exit 1') }, { path: join(dir, 'a'), content: 'A' })], handlers: new Map() });
    /** A host whose state is read but cannot be parsed: a parse throws. */
    const unparsable = (): HostPlan => ({ host, resources: [planned({ ...marker, parse: () => { throw new Error('cannot parse'); } }, { path: join(dir, 'a'), content: 'A' })], handlers: new Map() });
    /** The host in state, a resource behind an API to change. */
    const withApi = (failWrite: boolean) => (): HostPlan => ({ ...inState(), resources: [...inState().resources, planned(remote, { name: 'monitor', value: 'B', failWrite })] });
    /** A package install and what it writes (a second round reads again), then a change in that second round. */
    const twoRounds = (): HostPlan => ({ host, resources: [planned(installer, { flag: join(dir, 'flag'), writes: { [join(dir, 'b')]: 'made' } }), planned(marker, { path: join(dir, 'b'), content: 'B' })], handlers: new Map() });
    /** A step that finds its file changed when apply reaches it (an earlier step wrote it): decided again in a round of its own; `restless`, every time. */
    const stale = (restless: boolean) => (): HostPlan => ({ host, resources: [planned(marker, { path: join(dir, 't'), content: 'made' }), planned(guarded, { path: join(dir, 't'), content: 'G', restless })], handlers: new Map() });
    const staleOnce = stale(false);
    const staleTwice = stale(true);
    /** A change on the host, then a change with a control-node step (like a certificate's order) that fails or succeeds. */
    const late = (fail: boolean) => (): HostPlan => ({ host, resources: [planned(ordered, { path: join(dir, 'cert'), needs: join(dir, 'a'), fail }), planned(marker, { path: join(dir, 'a'), content: 'A' })], handlers: new Map() });
    const lateFails = late(true);
    const lateSucceeds = late(false);
    /** The host as `plan` has it, with a resource behind an API whose read fails. */
    const withApiRead = (plan: () => HostPlan) => (): HostPlan => ({ ...plan(), resources: [...plan().resources, planned(remote, { name: 'monitor', value: 'B', failRead: true })] });
    /** A rolling deploy's gate that stops the host before its first apply call, as a refused drain or Ctrl-C does. */
    const stoppingGate = (stop: () => void): HostRunOptions['gate'] => ({ read: [], onRead: () => undefined, beforeApply: async () => stop() });
    const controller = (): AbortController => new AbortController();

    it.each<[string, Array<keyof Notes>, () => HostPlan, boolean, () => Partial<HostRunOptions>, Notes]>([
      ['plan of a fresh host writes nothing', [], changing, true, () => ({}), { 'last-apply': 'absent', 'last-no-op': 'absent', applied: 'absent' }],
      ['plan of a host in state writes nothing', ['last-apply', 'applied'], inState, true, () => ({}), { 'last-apply': 'old', 'last-no-op': 'absent', applied: 'old' }],
      ['an apply whose changes all succeed (last-apply says it was applied)', [], changing, false, () => ({}), { 'last-apply': 'now', 'last-no-op': 'absent', applied: 'absent' }],
      ['an apply with nothing to change', ['last-apply', 'applied'], inState, false, () => ({}), { 'last-apply': 'now', 'last-no-op': 'absent', applied: 'old' }],
      ["an apply with nothing to change on a host an older provision's no-op note says applied", ['last-no-op'], inState, false, () => ({}), { 'last-apply': 'now', 'last-no-op': 'old', applied: 'absent' }],
      ['a second round (after a package install) whose changes succeed', ['last-apply'], twoRounds, false, () => ({}), { 'last-apply': 'now', 'last-no-op': 'absent', applied: 'now' }],
      ['Ctrl-C between rounds, after the first succeeded', ['last-apply'], twoRounds, false, () => { const c = controller(); return { signal: c.signal, gate: stoppingGate(() => { if (existsSync(join(dir, 'flag'))) c.abort(); }) }; }, { 'last-apply': 'absent', 'last-no-op': 'absent', applied: 'now' }],
      ['a stale step decided again, then its change succeeds', [], staleOnce, false, () => ({}), { 'last-apply': 'now', 'last-no-op': 'absent', applied: 'absent' }],
      ['a stale step decided again, found stale again: failed', ['last-apply'], staleTwice, false, () => ({}), { 'last-apply': 'absent', 'last-no-op': 'absent', applied: 'now' }],
      ['a control-node step (an ACME order) that fails after the host call succeeded', ['last-apply'], lateFails, false, () => ({}), { 'last-apply': 'absent', 'last-no-op': 'absent', applied: 'now' }],
      ['a change with a control-node step that succeeds', [], lateSucceeds, false, () => ({}), { 'last-apply': 'now', 'last-no-op': 'absent', applied: 'absent' }],
      ['a host change that succeeds, a read behind an API that fails', ['last-apply'], withApiRead(changing), false, () => ({ http: fakeApi().http }), { 'last-apply': 'absent', 'last-no-op': 'absent', applied: 'now' }],
      ['nothing to change on the host, a read behind an API that fails: no apply noted', ['last-apply'], withApiRead(inState), false, () => ({ http: fakeApi().http }), { 'last-apply': 'old', 'last-no-op': 'absent', applied: 'absent' }],
      ['an apply that fails: no success noted, still applied before', ['last-apply'], () => changing(true), false, () => ({}), { 'last-apply': 'absent', 'last-no-op': 'absent', applied: 'now' }],
      ['a failing apply on a fresh host: never applied', [], () => changing(true), false, () => ({}), { 'last-apply': 'absent', 'last-no-op': 'absent', applied: 'absent' }],
      ['a refused drain, fresh host', [], changing, false, () => ({ gate: stoppingGate(() => { throw new Error('refused'); }) }), { 'last-apply': 'absent', 'last-no-op': 'absent', applied: 'absent' }],
      ['a refused drain, applied host', ['last-apply'], changing, false, () => ({ gate: stoppingGate(() => { throw new Error('refused'); }) }), { 'last-apply': 'old', 'last-no-op': 'absent', applied: 'absent' }],
      ['Ctrl-C before the first change', ['last-apply', 'applied'], changing, false, () => { const c = controller(); return { signal: c.signal, gate: stoppingGate(() => c.abort()) }; }, { 'last-apply': 'old', 'last-no-op': 'absent', applied: 'old' }],
      ['a stale saved plan (apply --plan)', ['last-apply'], changing, false, () => ({ verify: () => 'the host changed since the plan' }), { 'last-apply': 'old', 'last-no-op': 'absent', applied: 'absent' }],
      ['only a change behind an API, which succeeds (the read removed the notes first: applied before)', ['last-apply'], withApi(false), false, () => ({ http: fakeApi().http }), { 'last-apply': 'now', 'last-no-op': 'absent', applied: 'now' }],
      ['a stale saved plan with a change behind an API: the notes stay', ['last-apply'], withApi(false), false, () => ({ http: fakeApi().http, verify: () => 'the host changed since the plan' }), { 'last-apply': 'old', 'last-no-op': 'absent', applied: 'absent' }],
      ['only a change behind an API, which fails', ['last-apply'], withApi(true), false, () => ({ http: fakeApi().http }), { 'last-apply': 'absent', 'last-no-op': 'absent', applied: 'now' }],
      ['a read that fails (a probe exits 1): no apply noted', ['last-apply', 'applied'], unreadable, false, () => ({}), { 'last-apply': 'old', 'last-no-op': 'absent', applied: 'old' }],
      ['a read whose parse throws: no apply noted, the read ends', ['last-apply', 'applied'], unparsable, false, () => ({}), { 'last-apply': 'old', 'last-no-op': 'absent', applied: 'old' }],
      ['an earlier no-op its only note, then a refused drain: still applied', ['last-no-op'], changing, false, () => ({ gate: stoppingGate(() => { throw new Error('refused'); }) }), { 'last-apply': 'absent', 'last-no-op': 'old', applied: 'absent' }],
    ])('%s', async (_, before, plan, check, extra, after) => {
      given(before);
      await run(plan(), localConnection(), check, { recordApply: true, ...extra() });
      expect(notes()).toEqual(after);
    });

    it('a no-op makes one call: the note is written by the read', async () => {
      given(['last-apply', 'applied']);
      const connection = localConnection();
      await run(inState(), connection, false, { recordApply: true });
      expect(connection.scripts).toHaveLength(1);
      expect(notes()['last-apply']).toBe('now');
    });

    it('a run with changes makes two calls, the read and the apply call, which notes its success', async () => {
      given(['last-apply', 'applied']);
      const connection = localConnection();
      await run(changing(), connection, false, { recordApply: true });
      expect(connection.scripts).toHaveLength(2);
      expect(notes()['last-apply']).toBe('now');
    });

    it('a second round that finds nothing left: its read notes the run, no call after it', async () => {
      given(['last-apply']);
      const connection = localConnection();
      const settled: HostPlan = { ...twoRounds(), resources: [planned(installer, { flag: join(dir, 'flag'), writes: { [join(dir, 'b')]: 'B' } }), planned(marker, { path: join(dir, 'b'), content: 'B' })] };
      expect((await run(settled, connection, false, { recordApply: true })).result).toMatchObject({ changed: 1, ok: 1 });
      // The read, the install, the second round's read, which notes the run.
      expect(connection.scripts).toHaveLength(3);
      expect(notes()['last-apply']).toBe('now');
    });

    it.each([
      ['one change behind an API', ['m1']],
      ['two changes behind an API, the second then skipped', ['m1', 'm2']],
    ])('Ctrl-C during %s: no call on the host after it, and no success noted (the read removed the notes)', async (_, names) => {
      given(['last-apply']);
      const c = controller();
      const api = fakeApi();
      const http: Http = (request) => {
        if (request.method === 'PUT') c.abort();
        return api.http(request);
      };
      const local = localConnection();
      const afterCtrlC: string[] = [];
      const watched: Connection = { ...local, runScript: (script, options) => (c.signal.aborted && afterCtrlC.push(String(script)), local.runScript(script, options)) };
      const plan: HostPlan = { ...inState(), resources: [...inState().resources, ...names.map((name) => planned(remote, { name, value: 'B' }))] };
      await run(plan, watched, false, { recordApply: true, signal: c.signal, http });
      expect(afterCtrlC).toEqual([]);
      expect(notes()).toEqual({ 'last-apply': 'absent', 'last-no-op': 'absent', applied: 'now' });
    });

    it('Ctrl-C during a round that installs a package: no later round reads the host (its read would note the run), nothing noted', async () => {
      given(['last-apply']);
      const c = controller();
      const local = localConnection();
      const afterCtrlC: string[] = [];
      const watched: Connection = { ...local, runScript: (script, options) => (c.signal.aborted && afterCtrlC.push(String(script)), local.runScript(script, options)) };
      const settled: HostPlan = { ...twoRounds(), resources: [planned(installer, { flag: join(dir, 'flag'), writes: { [join(dir, 'b')]: 'B' } }), planned(marker, { path: join(dir, 'b'), content: 'B' })] };
      const onEvent = (e: RunEvent): void => void (e.kind === 'resource-start' && e.resource.startsWith('installer') && c.abort());
      const { result } = await run(settled, watched, false, { recordApply: true, signal: c.signal, onEvent });
      // Only the stop request goes to the host after Ctrl-C.
      expect(afterCtrlC.map((script) => script.startsWith('touch '))).toEqual([true]);
      expect(result.error).toBe('interrupted after an apply call on the host, before the rest of its changes');
      expect(notes()).toEqual({ 'last-apply': 'absent', 'last-no-op': 'absent', applied: 'now' });
    });

    it('Ctrl-C while the read of a change behind an API runs: the read keeps the notes, as no change follows', async () => {
      given(['last-apply', 'applied']);
      const c = controller();
      const api = fakeApi();
      const http: Http = (request) => (c.abort(), api.http(request));
      const plan: HostPlan = { ...inState(), resources: [...inState().resources, planned(remote, { name: 'm1', value: 'B' })] };
      await run(plan, localConnection(), false, { recordApply: true, signal: c.signal, http });
      expect(notes()).toEqual({ 'last-apply': 'old', 'last-no-op': 'absent', applied: 'old' });
    });

    it('a read whose parse throws is answered (nothing noted): its call has ended when the run fails', async () => {
      const local = localConnection();
      let open = 0;
      const counted: Connection = { ...local, runScript: (script, options) => (open++, local.runScript(script, options).finally(() => open--)) };
      const { result } = await run(unparsable(), counted, false, { recordApply: true });
      expect(result.error).toContain('cannot parse');
      expect(open).toBe(0);
    });

    it('a run killed before it answered its read (stdin closes unanswered) notes nothing, whatever the read found', async () => {
      given(['last-apply', 'applied']);
      const local = localConnection();
      // As when the control node is killed: the call's stdin closes after the script, no answer follows.
      const killed: Connection = { ...local, runScript: (script, options) => local.runScript(script, { ...options, reply: Promise.reject(new Error('killed')) }) };
      await run(inState(), killed, false, { recordApply: true });
      expect(notes()).toEqual({ 'last-apply': 'old', 'last-no-op': 'absent', applied: 'old' });
    });
  });

});
