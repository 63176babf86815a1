/**
 * Rolling deploys end to end on stand-in hosts: each host is a directory on
 * this machine whose scripts run with the local sh, the load balancer's drain
 * and undrain commands append to a shared log, and health checks ask a local
 * HTTP server whose answers the tests set. Pure orchestration: order of drain →
 * change → health → undrain, batches, failures, notes of earlier drains, Ctrl-C.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InventoryHost } from '../inventory/index.js';
import type { Balancer, HostPlan, PlannedResource } from '../roles/plan.js';
import type { RollingSetting, ServeDecl } from '../roles/rolling.js';
import type { ControlResourceType, ResourceType } from '../resources/types.js';
import { quote } from '../shell/quote.js';
import { knownHostsLine, parseKnownHosts, verifyHostKey } from '../transport/known-hosts.js';
import { UnreachableError, type ConnectOptions, type Connection, type ConnectTarget } from '../transport/types.js';
import { localConnection } from '../../test/support/local-connection.js';
import type { HostResult, RunEvent } from './results.js';
import { runRollout, type RunOptions } from './rollout.js';
import { sh, userText } from '../shell/quote.js';

/** A file holding a release name; changing it notifies the host's `restart` handler. */
const release: ResourceType<{ content: string }, string> = {
  name: 'release',
  validate: (a) => a as { content: string },
  label: () => 'release',
  probe: () => userText('cat release 2>/dev/null || true'),
  parse: (out) => out.trim(),
  decide: (d, c) => ({ changes: c === d.content ? [] : [{ summary: `${c || 'none'} → ${d.content}` }] }),
  apply: (d) => sh`printf '%s\\n' ${d.content} > release`,
};

/** Fails whenever it runs. */
const breaks: ResourceType<Record<string, never>, null> = {
  name: 'breaks',
  validate: () => ({}),
  label: () => 'breaks',
  probe: () => userText('true'),
  parse: () => null,
  decide: () => ({ changes: [{ summary: 'run' }] }),
  apply: () => userText('echo broken >&2; exit 3'),
};

/** A handler appending "restart HOST" to the shared log. */
const restart: ResourceType<{ log: string; host: string }, null> = {
  name: 'restart',
  validate: (a) => a as { log: string; host: string },
  label: () => 'restart',
  probe: () => userText('true'),
  parse: () => null,
  decide: () => ({ changes: [{ summary: 'run' }] }),
  apply: (d) => userText(`echo ${quote(`restart ${d.host}`)} >> ${quote(d.log)}`),
};

let dir: string;
let log: string;
let server: Server;
let port: number;
/** Health answers per host (default 200): a status, or one decided at each request (from the host's release). */
const health = new Map<string, number | (() => number)>();
/** Health requests each host's URL got. */
const asked = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const name = req.url!.slice(1);
    asked.set(name, (asked.get(name) ?? 0) + 1);
    const answer = health.get(name);
    res.statusCode = typeof answer === 'function' ? answer() : (answer ?? 200);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'provision-rollout-'));
  log = join(dir, 'events.log');
  writeFileSync(log, '');
  health.clear();
  asked.clear();
});

const at = { file: 'role.yaml', line: 1, col: 1 };
const hostNamed = (name: string): InventoryHost => ({ name, connection: { type: 'ssh', address: name, port: 22, become: false }, groups: ['all'], roles: [], vars: {} });

function serve(name: string, timeoutSeconds = 2): ServeDecl[] {
  return [{ role: 'web', health: { role: 'web', url: `http://127.0.0.1:${port}/${name}`, status: 200, timeoutSeconds, insecure: false }, traffic: ['restart'] }];
}

/** A backend whose release is `content`: changing it restarts (traffic). */
function backend(name: string, content: string, rolling?: RollingSetting): HostPlan {
  const handler: PlannedResource = { role: 'web', type: restart, desired: { log, host: name }, label: 'restart', notify: [], position: at };
  const resource: PlannedResource = { role: 'web', type: release, desired: { content }, label: 'release', notify: ['restart'], position: at };
  return { host: hostNamed(name), resources: [resource], handlers: new Map([['restart', handler]]), serve: serve(name), ...(rolling ? { rolling } : {}) };
}

const serial = (count: number | `${number}%`, maxFailPercentage = 0): RollingSetting => ({
  set: 'group web',
  serial: [typeof count === 'number' ? { count } : { percent: Number(count.slice(0, -1)) }],
  maxFailPercentage,
});

/** The load balancer: routes to the backends; drain and undrain append to the log (the backend's name is appended to the command). */
function balancer(backends: string[], drainFails = false): Balancer {
  return {
    host: hostNamed('lb'),
    decls: [{ role: 'lb', backends, drain: drainFails ? `echo 'no upstream here' >&2; exit 4; :` : `printf 'drain %s\\n' >> ${quote(log)}`, undrain: `printf 'undrain %s\\n' >> ${quote(log)}` }],
  };
}

/** Each host a directory; scripts run there with the local sh. */
const connections = new Map<string, Connection>();
function openLocal(target: ConnectTarget): Promise<Connection> {
  const cwd = join(dir, target.name);
  mkdirSync(cwd, { recursive: true });
  const connection = localConnection({ cwd });
  connections.set(target.name, connection);
  return Promise.resolve(connection);
}

async function roll(plans: HostPlan[], balancers: Balancer[], extra: Partial<RunOptions> = {}): Promise<{ results: HostResult[]; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const results = await runRollout(plans, {
    check: false,
    forks: 10,
    connect: { acceptNewHostKeys: false, timeoutMs: 1000 },
    openConnection: openLocal,
    onEvent: (e) => events.push(e),
    hostStateDir: 'state',
    // Each stand-in host its own lock, in its directory, as each real host has one: not this machine's.
    lockPath: 'provision.lock',
    balancers,
    ...extra,
  });
  return { results, events };
}

/**
 * Opens the stand-in hosts, counting the backends' connections open at once (the load balancer's, kept for the
 * rollout, apart). `refuse` may fail a host's nth connect (from 1) or act on it.
 */
function countingConnections(refuse: (name: string, nth: number) => Error | undefined = () => undefined) {
  const counted = { now: 0, most: 0, opened: [] as string[] };
  const open = async (target: ConnectTarget): Promise<Connection> => {
    counted.opened.push(target.name);
    const refused = refuse(target.name, counted.opened.filter((n) => n === target.name).length);
    if (refused) throw refused;
    const connection = await openLocal(target);
    if (target.name === 'lb') return connection;
    counted.most = Math.max(counted.most, ++counted.now);
    let closed = false;
    return {
      runScript: (script, options) => connection.runScript(script, options),
      stats: connection.stats,
      close: async () => {
        if (!closed) counted.now--;
        closed = true;
      },
    };
  };
  return Object.assign(counted, { open });
}

/** An ed25519 host key blob (SSH wire format), different for each seed. */
function sshKey(seed: number): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const length = (n: number): Buffer => Buffer.from([0, 0, 0, n]);
  return Buffer.concat([length(type.length), type, length(32), Buffer.alloc(32, seed)]);
}

/** Rolls with Ctrl-C as soon as a drain is done (unless `interrupt` is false); every event kept. */
async function rollStoppedAtDrain(plans: HostPlan[], balancers: Balancer[], interrupt = true): Promise<{ results: HostResult[]; events: RunEvent[] }> {
  const controller = new AbortController();
  const events: RunEvent[] = [];
  const { results } = await roll(plans, balancers, {
    signal: controller.signal,
    onEvent: (e) => {
      events.push(e);
      if (interrupt && e.kind === 'rollout' && e.step === 'drain') controller.abort();
    },
  });
  return { results, events };
}

/** The release a stand-in host runs ('' before its first). */
function releaseOf(name: string): string {
  return existsSync(join(dir, name, 'release')) ? readFileSync(join(dir, name, 'release'), 'utf8').trim() : '';
}
/** Healthy until the host runs `release`, then answering `status`. */
const breaksOn = (name: string, release: string, status: number) => (): number => (releaseOf(name) === release ? status : 200);
/** A fresh host: not serving (503) until it runs a release, then healthy. */
const fresh = (name: string) => (): number => (releaseOf(name) === '' ? 503 : 200);

/** A host that does not roll: a release file, nothing served. */
const freeHost = (name: string, content: string): HostPlan => ({
  host: hostNamed(name),
  resources: [{ role: 'base', type: release, desired: { content }, label: 'release', notify: [], position: at }],
  handlers: new Map(),
});
const logged = (): string[] => readFileSync(log, 'utf8').split('\n').filter(Boolean);
const byName = (results: HostResult[], name: string): HostResult => results.find((r) => r.name === name)!;
const webs = (content: string, rolling = serial(1)) => ['w1', 'w2', 'w3'].map((n) => backend(n, content, rolling));
const pair = (content: string) => ['w1', 'w2'].map((n) => backend(n, content, serial(1)));

/**
 * As the shipped load balancer does: it refuses to take a backend out while another one is (two backends, never
 * both out), and a drain of the one that is out changes nothing more. Its drains and undrains are logged under its name.
 */
function refusingBalancer(name = 'lb'): Balancer {
  const outFile = join(dir, `${name}-out`);
  return {
    host: hostNamed(name),
    decls: [{
      role: 'lb',
      backends: ['w1', 'w2'],
      drain: `f() { if [ -s ${quote(outFile)} ] && [ "$(cat ${quote(outFile)})" != "$1" ]; then echo "refusing: $(cat ${quote(outFile)}) is out" >&2; exit 3; fi; echo "$1" > ${quote(outFile)}; printf '${name} drain %s\\n' "$1" >> ${quote(log)}; }; f`,
      undrain: `f() { if [ "$(cat ${quote(outFile)} 2>/dev/null)" = "$1" ]; then rm -f ${quote(outFile)}; fi; printf '${name} undrain %s\\n' "$1" >> ${quote(log)}; }; f`,
    }],
  };
}

/** A load balancer routing to w1, w2 and w3 whose drains and undrains are logged under its name. */
const loggingBalancer = (name: string): Balancer => ({
  host: hostNamed(name),
  decls: [{ role: 'lb', backends: ['w1', 'w2', 'w3'], drain: `printf '${name} drain %s\\n' >> ${quote(log)}`, undrain: `printf '${name} undrain %s\\n' >> ${quote(log)}` }],
});

/** A resource behind an API that cannot be read: it fails on the control node, nothing of it runs on the host. */
const unreadable: ControlResourceType<Record<string, never>, null> = {
  name: 'monitor',
  runsOn: 'control',
  validate: () => ({}),
  label: () => 'monitor',
  identity: () => 'monitor',
  read: () => Promise.reject(new Error('the API is down')),
  decide: () => ({ changes: [] }),
  write: () => Promise.resolve(),
};

/** A restart (what the backends serve) that the apply script's TERM trap ends (exit 143) before it ends: the connection survives. */
const killedRestart: ResourceType<{ log: string; host: string }, null> = { ...restart, apply: () => userText('kill -TERM $$') };
/** The backends with that restart. */
const restartKilled = (plans: HostPlan[]): HostPlan[] => plans.map((p) => ({ ...p, handlers: new Map([...p.handlers].map(([key, h]) => [key, { ...h, type: killedRestart }])) }));

/**
 * A host's connection that calls `interrupt` as an apply call is sent, and lets the stop that Ctrl-C sends alongside
 * reach the host only once that call ended: every step of it begins.
 */
function interruptedAsApplySent(connection: Connection, interrupt: () => void): Connection {
  let applying: Promise<unknown> = Promise.resolve();
  return {
    ...connection,
    runScript: (script, options) => {
      if (options?.alongside) return applying.then(() => connection.runScript(script, options));
      const call = connection.runScript(script, options);
      if (String(script).includes('flock')) {
        applying = call;
        interrupt();
      }
      return call;
    },
  };
}

/** The same backends declaring no health check (what they serve still changes with `restart`). */
const withoutHealth = (plans: HostPlan[]): HostPlan[] => plans.map((p) => ({ ...p, serve: [{ role: 'web', traffic: ['restart'] }] }));

describe('rolling deploys', () => {
  it('one host at a time: out of the load balancer, changed, healthy, back in; then the next', async () => {
    const { results, events } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])]);
    expect(logged()).toEqual(['drain w1', 'restart w1', 'undrain w1', 'drain w2', 'restart w2', 'undrain w2', 'drain w3', 'restart w3', 'undrain w3']);
    expect(results.map((r) => [r.name, r.failed, r.rollout?.batch, r.rollout?.drained, r.rollout?.healthy])).toEqual([
      ['w1', 0, 1, ['lb'], true],
      ['w2', 0, 2, ['lb'], true],
      ['w3', 0, 3, ['lb'], true],
    ]);
    expect(events.filter((e) => e.kind === 'batch').map((e) => e.kind === 'batch' && e.hosts)).toEqual([['w1'], ['w2'], ['w3']]);
    expect(existsSync(join(dir, 'w1', 'state', 'drained'))).toBe(false);
    // Changes and drains took the lock of the host they ran on (lockPath), each its own.
    for (const name of ['lb', 'w1', 'w2', 'w3']) expect(readFileSync(join(dir, name, 'provision.lock'), 'utf8')).toMatch(/^pid \d+ since /);
  });

  it.each([1, 10])('--forks %i, a host with nothing to change is not drained: one read, no other call', async (forks) => {
    await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])]);
    writeFileSync(log, '');
    const lbCalls = connections.get('lb')?.stats.execs ?? 0;
    const { results } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])], { forks });
    expect(logged()).toEqual([]);
    for (const name of ['w1', 'w2', 'w3']) expect(connections.get(name)!.stats.execs).toBe(1);
    // Nothing to drain: the load balancer is not called at all (a rollout lock held there cost every no-op an exec).
    expect(connections.get('lb')?.stats.execs ?? 0).toBe(lbCalls);
    expect(results.every((r) => r.failed === 0 && r.rollout?.drained.length === 0 && r.rollout.healthy === undefined)).toBe(true);
  });

  it('a host that does not get healthy stops the rollout and stays out; the next run puts it back once healthy', async () => {
    health.set('w1', breaksOn('w1', 'v2', 503));
    const first = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])]);
    expect(logged()).toEqual(['drain w1', 'restart w1']);
    const w1 = byName(first.results, 'w1');
    expect(w1).toMatchObject({ failed: 1, error: `health check http://127.0.0.1:${port}/w1 did not answer 200 within 2 s (last: status 503)` });
    expect(w1.rollout!.leftDrained).toEqual([{ balancer: 'lb', undrain: `printf 'undrain %s\\n' >> ${quote(log)} w1` }]);
    expect(byName(first.results, 'w2').notAttempted).toBe('the rollout stopped after batch 1/3 of group web, where w1 failed');
    expect(byName(first.results, 'w3').notAttempted).toBeDefined();
    expect(readFileSync(join(dir, 'w1', 'state', 'drained'), 'utf8')).toBe('lb\n');

    health.delete('w1');
    writeFileSync(log, '');
    const second = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])]);
    // w1 has nothing left to change: it is checked and put back; w2 and w3 roll.
    expect(logged()).toEqual(['undrain w1', 'drain w2', 'restart w2', 'undrain w2', 'drain w3', 'restart w3', 'undrain w3']);
    expect(byName(second.results, 'w1').rollout).toMatchObject({ foundDrained: ['lb'], drained: [], healthy: true, leftDrained: [] });
    expect(existsSync(join(dir, 'w1', 'state', 'drained'))).toBe(false);
  });

  it('a host whose read fails, in a batch the rollout never reaches: reported with its failure, not as not attempted', async () => {
    const unreadable: typeof release = { ...release, probe: () => userText('echo no such file >&2; exit 1') };
    const broken: PlannedResource = { role: 'web', type: breaks, desired: {}, label: 'breaks', notify: [], position: at };
    const plans = webs('v2').map((p) => (p.host.name === 'w3' ? { ...p, resources: p.resources.map((r) => ({ ...r, type: unreadable })) } : p.host.name === 'w1' ? { ...p, resources: [...p.resources, broken] } : p));
    const { results } = await roll(plans, [balancer(['w1', 'w2', 'w3'])]);
    expect(byName(results, 'w2').notAttempted).toBe('the rollout stopped after batch 1/3 of group web, where w1 failed');
    expect(byName(results, 'w3').notAttempted).toBeUndefined();
    expect(byName(results, 'w3')).toMatchObject({ failed: 1, error: 'reading the state of release failed (exit 1): no such file' });
  });

  it('a host whose run throws (a reporter that failed) fails alone: its batch failed, the rollout stops and ends', async () => {
    let thrown = false;
    const { results } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])], {
      onEvent: (e) => {
        if (thrown || e.kind !== 'host-done' || e.result.name !== 'w1') return;
        thrown = true;
        throw new Error('the reporter broke');
      },
    });
    expect(byName(results, 'w1')).toMatchObject({ failed: 1, error: 'the reporter broke' });
    expect(byName(results, 'w2').notAttempted).toBe('the rollout stopped after batch 1/3 of group web, where w1 failed');
  });

  it('a host left out by an earlier run in a later batch goes back first: the first batch can then be drained', async () => {
    const refusing = refusingBalancer();
    health.set('w2', breaksOn('w2', 'v2', 500));
    const first = await roll(pair('v2'), [refusing]);
    expect(logged()).toEqual(['lb drain w1', 'restart w1', 'lb undrain w1', 'lb drain w2', 'restart w2']);
    expect(byName(first.results, 'w2').rollout!.leftDrained.map((d) => d.balancer)).toEqual(['lb']);

    // The fix, v3: w2 (batch 2, out) changes, gets healthy and goes back before w1 (batch 1) is taken out.
    // Plan says so first: w2 does not wait for its batch, w1 does.
    writeFileSync(log, '');
    const planned = await roll(pair('v3'), [refusing], { check: true });
    expect(logged()).toEqual([]);
    expect(planned.results.map((r) => [r.name, r.rollout!.atOnce])).toEqual([
      ['w1', undefined],
      ['w2', 'out of lb since an earlier run'],
    ]);
    const second = await roll(pair('v3'), [refusing]);
    expect(byName(second.results, 'w2').rollout!.atOnce).toBe('out of lb since an earlier run');
    expect(second.results.map((r) => [r.name, r.failed, r.error])).toEqual([
      ['w1', 0, undefined],
      ['w2', 0, undefined],
    ]);
    expect(logged()).toEqual(['lb drain w2', 'restart w2', 'lb undrain w2', 'lb drain w1', 'restart w1', 'lb undrain w1']);
    expect(releaseOf('w1')).toBe('v3');
  });

  it('a note that says out while the host is back in rotation (a run stopped between its undrain and the note): taken out again before its change', async () => {
    // Without the second drain, w2 restarted in rotation: its note is written before a drain and removed after the undrain.
    mkdirSync(join(dir, 'w2', 'state'), { recursive: true });
    writeFileSync(join(dir, 'w2', 'state', 'drained'), 'lb\n');
    const planned = await roll(pair('v2'), [refusingBalancer()], { check: true });
    expect(byName(planned.results, 'w2').rollout).toMatchObject({ foundDrained: ['lb'], drained: ['lb'], atOnce: 'out of lb since an earlier run' });
    const { results, events } = await roll(pair('v2'), [refusingBalancer()]);
    expect(logged()).toEqual(['lb drain w2', 'restart w2', 'lb undrain w2', 'lb drain w1', 'restart w1', 'lb undrain w1']);
    expect(results.map((r) => [r.name, r.failed])).toEqual([['w1', 0], ['w2', 0]]);
    expect(events).toContainEqual({ kind: 'rollout', host: 'w2', step: 'drain', ok: true, message: 'out of lb (again: an earlier run left it out)' });
    expect(existsSync(join(dir, 'w2', 'state', 'drained'))).toBe(false);
  });

  /**
   * A load balancer that keeps which backends are out (a drain of one that is out changes nothing) and logs each
   * drain with every backend out once it is done ("drain w1: out w1 w3"), so a test sees how many were out at once.
   */
  function countingBalancer(backends: string[]): Balancer {
    const outFile = join(dir, 'lb-out');
    const out = `$(sort ${quote(outFile)} | tr '\\n' ' ' | sed 's/ $//')`;
    return {
      host: hostNamed('lb'),
      decls: [{
        role: 'lb',
        backends,
        drain: `f() { touch ${quote(outFile)}; grep -qxF "$1" ${quote(outFile)} || echo "$1" >> ${quote(outFile)}; echo "drain $1: out ${out}" >> ${quote(log)}; }; f`,
        undrain: `f() { { grep -vxF "$1" ${quote(outFile)} || true; } > ${quote(`${outFile}.new`)}; mv ${quote(`${outFile}.new`)} ${quote(outFile)}; echo "undrain $1" >> ${quote(log)}; }; f`,
      }],
    };
  }

  /** As a stopped run leaves it: `host` out of the load balancer, and its note saying so. */
  function leftOut(host: string): void {
    mkdirSync(join(dir, host, 'state'), { recursive: true });
    writeFileSync(join(dir, host, 'state', 'drained'), 'lb\n');
    appendFileSync(join(dir, 'lb-out'), `${host}\n`);
  }

  it.each([1, 2])('--forks %i, the last of three hosts left out by an earlier run: it goes back first, never are two hosts out at once, and --forks hosts at most are at work', async (forks) => {
    // Apply's queue: f1 (does not roll), w1, w2, w3 (batches 1 to 3). However few forks, every rolling host is read
    // before batch 1 starts (a host waiting for its batch holds no fork), so w3 is known to be out before w1 is taken out.
    const site = (content: string): HostPlan[] => [freeHost('f1', content), ...webs(content)];
    await roll(site('v1'), []);
    leftOut('w3');
    writeFileSync(log, '');
    const planned = await roll(site('v2'), [countingBalancer(['w1', 'w2', 'w3'])], { check: true, forks });
    expect(planned.results.map((r) => r.rollout?.atOnce)).toEqual([undefined, undefined, undefined, 'out of lb since an earlier run']);
    // Counts the hosts' scripts running at once (a drain runs on the load balancer for the host that holds the fork).
    let running = 0;
    let most = 0;
    const counting = async (target: ConnectTarget): Promise<Connection> => {
      const connection = await openLocal(target);
      if (target.name === 'lb') return connection;
      const runScript: Connection['runScript'] = async (script, options) => {
        most = Math.max(most, ++running);
        try {
          return await connection.runScript(script, options);
        } finally {
          running--;
        }
      };
      return { ...connection, runScript };
    };
    const { results } = await roll(site('v2'), [countingBalancer(['w1', 'w2', 'w3'])], { forks, openConnection: counting });
    expect(results.map((r) => [r.name, r.failed, r.rollout?.atOnce])).toEqual([
      ['f1', 0, undefined],
      ['w1', 0, undefined],
      ['w2', 0, undefined],
      ['w3', 0, 'out of lb since an earlier run'],
    ]);
    expect(logged()).toEqual([
      'drain w3: out w3', 'restart w3', 'undrain w3',
      'drain w1: out w1', 'restart w1', 'undrain w1',
      'drain w2: out w2', 'restart w2', 'undrain w2',
    ]);
    expect(most).toBeLessThanOrEqual(forks);
  });

  it.each([
    // backends, serial, --forks, a backend an earlier run left out (it goes first, and the first batch's drain waits for it)
    [4, 1, 1, undefined],
    [5, 1, 2, undefined],
    [7, 3, 2, undefined],
    [5, 2, 1, 'w4'],
    [8, '50%', 3, 'w7'],
    [6, 2, 3, 'w2'],
  ] as const)('%i backends, serial %s, --forks %i (left out: %s): at most --forks backends have a connection open at once, and each is changed', async (size, count, forks, left) => {
    const names = Array.from({ length: size }, (_, i) => `w${i + 1}`);
    // Without health checks (one curl loop less per host): what is counted is the waits.
    const site = (content: string): HostPlan[] => [freeHost('f1', content), ...withoutHealth(names.map((n) => backend(n, content, serial(count))))];
    await roll(site('v1'), []);
    if (left) leftOut(left);
    writeFileSync(log, '');
    const counted = countingConnections();
    const { results } = await roll(site('v2'), [countingBalancer(names)], { forks, openConnection: counted.open });
    expect(results.map((r) => [r.name, r.failed, r.unreachable])).toEqual(['f1', ...names].map((n) => [n, 0, false]));
    expect(names.map(releaseOf)).toEqual(names.map(() => 'v2'));
    expect(logged().filter((l) => l.startsWith('restart'))).toHaveLength(size);
    expect(counted.most).toBeLessThanOrEqual(forks);
    expect(counted.now).toBe(0);
  });

  it('--forks enough for every host: no host waits without room, so each is connected to once', async () => {
    await roll(webs('v1'), []);
    const counted = countingConnections();
    const { results } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])], { forks: 4, openConnection: counted.open });
    expect(results.every((r) => r.failed === 0 && r.changed > 0)).toBe(true);
    expect(counted.opened.sort()).toEqual(['lb', 'w1', 'w2', 'w3']);
  });

  it.each([
    [0, 'the rollout stopped after batch 2/3 of group web, where w2 failed', ''],
    [100, undefined, 'v2'],
  ])('--forks 1, a host that cannot be reached at its turn (max_fail_percentage %i): unreachable, unchanged, not drained; the rollout rules apply', async (maxFail, w3NotAttempted, w3Release) => {
    const counted = countingConnections((name, nth) => (name === 'w2' && nth > 1 ? new Error('w2:22: connection refused') : undefined));
    const { results } = await roll(['w1', 'w2', 'w3'].map((n) => backend(n, 'v2', serial(1, maxFail))), [balancer(['w1', 'w2', 'w3'])], { forks: 1, openConnection: counted.open });
    expect(byName(results, 'w2')).toMatchObject({ unreachable: true, changed: 0, error: 'w2:22: connection refused (connecting again after it waited for its turn)' });
    expect(byName(results, 'w2').results.map((r) => [r.resource, r.status])).toEqual([['release', 'skipped'], ['restart', 'skipped']]);
    expect(releaseOf('w2')).toBe('');
    expect(logged().filter((l) => l.endsWith('w2'))).toEqual([]);
    expect(byName(results, 'w3').notAttempted).toBe(w3NotAttempted);
    expect(releaseOf('w3')).toBe(w3Release);
  });

  it('--forks 1, a host whose host key changed between its read and its turn: refused, as at a first connect, and the host is unreachable and unchanged', async () => {
    // The transport checks every connection's host key against known_hosts (a new key recorded, as --accept-new-host-keys does).
    let knownHosts = '';
    const hostKeys = new Map(['w1', 'w2', 'w3'].map((n) => [n, sshKey(1)]));
    const seen: ConnectOptions[] = [];
    const open = async (target: ConnectTarget, options: ConnectOptions): Promise<Connection> => {
      if (target.name === 'w2') seen.push(options);
      const key = hostKeys.get(target.name);
      const verdict = key ? verifyHostKey(parseKnownHosts(knownHosts), target.address, 22, key) : 'known';
      if (verdict === 'unknown' && options.acceptNewHostKeys) knownHosts += knownHostsLine(target.address, 22, key!);
      else if (verdict !== 'known') throw new UnreachableError(`HOST KEY CHANGED for ${target.address}: refusing to connect`);
      return openLocal(target);
    };
    const { results } = await roll(['w1', 'w2', 'w3'].map((n) => backend(n, 'v2', serial(1))), [balancer(['w1', 'w2', 'w3'])], {
      forks: 1,
      connect: { acceptNewHostKeys: true, timeoutMs: 1000 },
      openConnection: open,
      onEvent: (e) => {
        if (e.kind === 'batch' && e.batch === 1) hostKeys.set('w2', sshKey(2));
      },
    });
    expect(byName(results, 'w1')).toMatchObject({ failed: 0, unreachable: false });
    expect(byName(results, 'w2')).toMatchObject({ unreachable: true, changed: 0, error: expect.stringMatching(/^HOST KEY CHANGED for w2: refusing to connect/) });
    expect(releaseOf('w2')).toBe('');
    expect(seen.map((o) => o.acceptNewHostKeys)).toEqual([true, true]);
    expect(byName(results, 'w3').notAttempted).toMatch(/where w2 failed/);
  });

  it('--forks 1, Ctrl-C as a host that waited is connected to again at its turn: nothing of it starts, and no other host is connected to', async () => {
    const controller = new AbortController();
    const counted = countingConnections((name, nth) => {
      if (name === 'w2' && nth > 1) controller.abort();
      return undefined;
    });
    const { results } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])], { forks: 1, signal: controller.signal, openConnection: counted.open });
    expect(byName(results, 'w1')).toMatchObject({ failed: 0 });
    expect(byName(results, 'w2')).toMatchObject({ changed: 0, failed: 1, error: 'not changed: interrupted before changing anything on the host' });
    expect(releaseOf('w2')).toBe('');
    expect(logged()).toEqual(['drain w1', 'restart w1', 'undrain w1']);
    expect(byName(results, 'w3').notAttempted).toBe('the run was interrupted');
    expect(counted.opened.filter((n) => n === 'w3')).toHaveLength(1);
    expect(counted.now).toBe(0);
  });

  it('a host of a later batch whose read fails: the rollout goes on to it and stops there', async () => {
    // Its read ends with its run: were the first batch's drain to wait for it beyond that, the rollout would wait forever.
    const unreadable: ResourceType<Record<string, never>, string> = {
      name: 'unreadable',
      validate: () => ({}),
      label: () => 'unreadable',
      probe: () => userText('echo broken >&2; exit 3'),
      parse: (out) => out,
      decide: () => ({ changes: [] }),
      apply: () => userText('true'),
    };
    await roll(webs('v1'), []);
    writeFileSync(log, '');
    const plans = webs('v2');
    plans[2]!.resources.push({ role: 'web', type: unreadable, desired: {}, label: 'unreadable', notify: [], position: at });
    const { results } = await roll(plans, [balancer(['w1', 'w2', 'w3'])]);
    expect(results.map((r) => [r.name, r.failed])).toEqual([['w1', 0], ['w2', 0], ['w3', 1]]);
    expect(byName(results, 'w3').error).toContain('reading the state of unreadable failed');
    expect(logged()).toEqual(['drain w1', 'restart w1', 'undrain w1', 'drain w2', 'restart w2', 'undrain w2']);
  });

  it('a note that says out, the load balancer unreachable: the host is not changed and still counts as out', async () => {
    mkdirSync(join(dir, 'w2', 'state'), { recursive: true });
    writeFileSync(join(dir, 'w2', 'state', 'drained'), 'lb\n');
    const { results } = await roll(pair('v2'), [refusingBalancer()], {
      openConnection: (target) => (target.name === 'lb' ? Promise.reject(new Error('connection refused')) : openLocal(target)),
    });
    expect(byName(results, 'w2')).toMatchObject({ failed: 1, changed: 0, error: expect.stringContaining('could not take it out of lb: lb is unreachable') });
    expect(byName(results, 'w2').rollout!.leftDrained.map((d) => d.balancer)).toEqual(['lb']);
    expect(readFileSync(join(dir, 'w2', 'state', 'drained'), 'utf8')).toBe('lb\n');
  });

  it('a host left out of one of its two load balancers goes first too, drained from the other, and the first batch waits for it', async () => {
    // Two load balancers, each refusing to take a backend out while another one is out of it (as the shipped one does with two backends).
    const balancers = [refusingBalancer('lbA'), refusingBalancer('lbB')];
    // An earlier run left w2 (batch 2) out of lbA only: it still serves through lbB.
    mkdirSync(join(dir, 'w2', 'state'), { recursive: true });
    writeFileSync(join(dir, 'w2', 'state', 'drained'), 'lbA\n');
    writeFileSync(join(dir, 'lbA-out'), 'w2\n');
    const pair = ['w1', 'w2'].map((n) => backend(n, 'v3', serial(1)));

    const planned = await roll(pair, balancers, { check: true });
    expect(logged()).toEqual([]);
    expect(planned.results.map((r) => [r.name, r.rollout!.atOnce, r.rollout!.drained])).toEqual([
      ['w1', undefined, ['lbA', 'lbB']],
      ['w2', 'out of lbA since an earlier run', ['lbA', 'lbB']],
    ]);

    const { results } = await roll(pair, balancers);
    expect(results.map((r) => [r.name, r.failed, r.error, r.rollout!.atOnce])).toEqual([
      ['w1', 0, undefined, undefined],
      ['w2', 0, undefined, 'out of lbA since an earlier run'],
    ]);
    // w2 is out of one load balancer at a time with w1 never out beside it: w2 first (made sure out of lbA, out of lbB too while it changes), then w1.
    const lines = logged();
    expect(lines.slice(0, 3)).toEqual(['lbA drain w2', 'lbB drain w2', 'restart w2']);
    expect(lines.slice(3, 5).sort()).toEqual(['lbA undrain w2', 'lbB undrain w2']);
    expect(lines.slice(5, 8)).toEqual(['lbA drain w1', 'lbB drain w1', 'restart w1']);
    expect(lines.slice(8).sort()).toEqual(['lbA undrain w1', 'lbB undrain w1']);
    expect([releaseOf('w1'), releaseOf('w2')]).toEqual(['v3', 'v3']);
  });

  it('two hosts each left out of a different load balancer both go first, one after the other, never waiting for each other', async () => {
    for (const [host, lb] of [['w1', 'lbA'], ['w3', 'lbB']] as const) {
      mkdirSync(join(dir, host, 'state'), { recursive: true });
      writeFileSync(join(dir, host, 'state', 'drained'), `${lb}\n`);
    }
    const { results } = await roll(webs('v2'), [loggingBalancer('lbA'), loggingBalancer('lbB')]);
    expect(results.map((r) => [r.name, r.failed, r.rollout!.atOnce])).toEqual([
      ['w1', 0, 'out of lbA since an earlier run'],
      ['w2', 0, undefined],
      ['w3', 0, 'out of lbB since an earlier run'],
    ]);
    // w1 (first in the inventory) is out of lbB and back before w3 is taken out of lbA; w2, batch 2 of 3, after both.
    const lines = logged();
    const at = (line: string): number => lines.indexOf(line);
    expect(at('lbB drain w1')).toBeGreaterThanOrEqual(0);
    expect(at('lbA drain w3')).toBeGreaterThan(Math.max(at('lbA undrain w1'), at('lbB undrain w1')));
    expect(at('lbA drain w2')).toBeGreaterThan(Math.max(at('lbA undrain w3'), at('lbB undrain w3')));
  });

  it('serial 100%: one batch holding every backend, so none is drained; health is still checked', async () => {
    const { results } = await roll(webs('v2', serial('100%')), [balancer(['w1', 'w2', 'w3'])]);
    expect(logged().sort()).toEqual(['restart w1', 'restart w2', 'restart w3']);
    for (const r of results) expect(r.rollout).toMatchObject({ batch: 1, batches: 1, drained: [], healthy: true, notDrained: 'every host lb routes to is in this batch, so none is taken out' });
  });

  it('max_fail_percentage: a batch with no more failures than that goes on', async () => {
    health.set('w1', 500);
    const { results } = await roll(webs('v2', serial(2, 50)), [balancer(['w1', 'w2', 'w3'])]);
    expect(results.map((r) => [r.name, r.failed, r.notAttempted])).toEqual([
      ['w1', 1, undefined],
      ['w2', 0, undefined],
      ['w3', 0, undefined],
    ]);
    expect(logged()).toContain('restart w3');
  });

  it('a drain that stops waiting for requests in flight (says so on stderr, succeeds): the drain line and the rollout carry it', async () => {
    const gaveUp = 'provision-lb-backends: an nginx worker (pid 42) still has requests in flight after 1 s; going on';
    const lb: Balancer = { host: hostNamed('lb'), decls: [{ role: 'lb', backends: ['w1', 'w2'], drain: `echo ${quote(gaveUp)} >&2; printf 'drain %s\\n' >> ${quote(log)}`, undrain: `printf 'undrain %s\\n' >> ${quote(log)}` }] };
    const { results, events } = await roll(pair('v2'), [lb]);
    const drains = events.flatMap((e) => (e.kind === 'rollout' && e.step === 'drain' ? [e.message] : []));
    expect(drains).toEqual(['w1', 'w2'].map(() => `out of lb; lb says: ${gaveUp}`));
    expect(byName(results, 'w1').rollout!.drainNotices).toEqual([`lb: ${gaveUp}`]);
    expect(logged()).toEqual(['drain w1', 'restart w1', 'undrain w1', 'drain w2', 'restart w2', 'undrain w2']);
  });

  it('a drain that fails leaves the host unchanged, not put back (this run did not take it out), and stops the rollout', async () => {
    const { results } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'], true)]);
    expect(logged()).toEqual([]);
    expect(byName(results, 'w1')).toMatchObject({ failed: 1, changed: 0, error: expect.stringContaining('not changed: could not take it out of lb: lb: no upstream here') });
    expect(byName(results, 'w2').notAttempted).toBeDefined();
  });

  it('a load balancer that cannot be reached: the host is not changed and not reported out of it; the rollout stops', async () => {
    const { results } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])], {
      openConnection: (target) => (target.name === 'lb' ? Promise.reject(new Error('connection refused')) : openLocal(target)),
    });
    expect(logged()).toEqual([]);
    const w1 = byName(results, 'w1');
    expect(w1).toMatchObject({ failed: 1, changed: 0, error: expect.stringContaining('could not take it out of lb: lb is unreachable: connection refused') });
    expect(w1.rollout).toMatchObject({ drained: [], leftDrained: [] });
    expect(existsSync(join(dir, 'w1', 'state', 'drained'))).toBe(false);
    expect(byName(results, 'w2').notAttempted).toBeDefined();
  });

  it('a load balancer that cannot be reached, backends without health checks: no note of a drain is left behind', async () => {
    // The note is written on the backend before the drain commands: left, the next run would take the host for out and change it in rotation.
    const { results } = await roll(withoutHealth(webs('v2')), [balancer(['w1', 'w2', 'w3'])], {
      openConnection: (target) => (target.name === 'lb' ? Promise.reject(new Error('connection refused')) : openLocal(target)),
    });
    expect(byName(results, 'w1')).toMatchObject({ failed: 1, error: expect.stringContaining('could not take it out of lb') });
    expect(existsSync(join(dir, 'w1', 'state', 'drained'))).toBe(false);
  });

  it('hosts that do not roll go first, all at once; a change that does not touch traffic drains nothing', async () => {
    const lbPlan: HostPlan = { host: hostNamed('lb'), resources: [{ role: 'lb', type: release, desired: { content: 'lb' }, label: 'release', notify: [], position: at }], handlers: new Map() };
    const quiet = webs('v2').map((p) => ({ ...p, resources: p.resources.map((r) => ({ ...r, notify: [] })) }));
    const { events } = await roll([lbPlan, ...quiet], [balancer(['w1', 'w2', 'w3'])]);
    expect(logged()).toEqual([]);
    const order = events.flatMap((e) => (e.kind === 'host-done' ? [e.result.name] : e.kind === 'batch' ? [`batch ${e.batch}`] : []));
    expect(order).toEqual(['lb', 'batch 1', 'w1', 'batch 2', 'w2', 'batch 3', 'w3']);
  });

  it('fresh hosts (not serving yet) all change at once, without drain, and are health-checked', async () => {
    for (const name of ['w2', 'w3']) health.set(name, fresh(name));
    // w1 gets healthy only once w2 and w3 have restarted: were they waiting for its health, it never would (no timing assumed).
    health.set('w1', () => {
      if (releaseOf('w1') === '' || !['restart w2', 'restart w3'].every((line) => logged().includes(line))) return 503;
      appendFileSync(log, 'healthy w1\n');
      return 200;
    });
    const { results } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])]);
    expect(logged().slice(0, 3).sort()).toEqual(['restart w1', 'restart w2', 'restart w3']);
    expect(logged()[3]).toBe('healthy w1');
    for (const r of results) expect(r.rollout).toMatchObject({ drained: [], healthy: true, notDrained: expect.stringContaining('not serving yet') });
  });

  it('a fresh host beside serving ones: it changes at once, the serving ones still roll one at a time', async () => {
    await roll(webs('v1'), []);
    rmSync(join(dir, 'w2'), { recursive: true });
    health.set('w2', fresh('w2'));
    writeFileSync(log, '');
    const { results } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])]);
    expect(logged().filter((l) => !l.endsWith('w2'))).toEqual(['drain w1', 'restart w1', 'undrain w1', 'drain w3', 'restart w3', 'undrain w3']);
    expect(logged().filter((l) => l.endsWith('w2'))).toEqual(['restart w2']);
    expect(byName(results, 'w2').rollout).toMatchObject({ drained: [], healthy: true, notDrained: expect.stringContaining('not serving yet') });
  });

  /** A step that always fails, after the release changed: an apply that breaks the host and ends failed. */
  const failing = (plan: HostPlan): HostPlan => ({ ...plan, resources: [...plan.resources, { role: 'web', type: breaks, desired: {}, label: 'breaks', notify: [], position: at }] });
  const removeNotes = (name: string, notes: string[]): void => notes.forEach((note) => rmSync(join(dir, name, 'state', note), { force: true }));

  it.each<[string, () => Promise<unknown>]>([
    ['every apply succeeded (a run changes the check)', async () => undefined],
    ['its last apply failed, leaving its health broken', async () => {
      await roll([failing(backend('w1', 'v1b'))], [], { recordApply: true });
      expect(existsSync(join(dir, 'w1', 'state', 'last-apply'))).toBe(false);
    }],
    ['its last apply was stopped before its first change', async () => {
      await roll([backend('w1', 'v1b')], [], { recordApply: true, verify: () => 'the host changed since the plan' });
      expect(releaseOf('w1')).toBe('v1');
    }],
    ['an older provision applied it (its last-apply note only)', async () => removeNotes('w1', ['applied', 'last-no-op'])],
    ['an older provision found nothing to change (its last-no-op note only)', async () => {
      removeNotes('w1', ['applied', 'last-apply']);
      writeFileSync(join(dir, 'w1', 'state', 'last-no-op'), '');
    }],
  ])('an applied host whose health check fails when read still rolls in its batch, drained: %s', async (_, before) => {
    // As the apply command does: each host records that an apply ended with every change made.
    await roll(webs('v1'), [], { recordApply: true });
    await before();
    for (const name of ['w1', 'w2', 'w3']) health.set(name, () => (releaseOf(name) === 'v2' ? 200 : 503));
    writeFileSync(log, '');
    await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])], { recordApply: true });
    expect(logged()).toEqual(['drain w1', 'restart w1', 'undrain w1', 'drain w2', 'restart w2', 'undrain w2', 'drain w3', 'restart w3', 'undrain w3']);
  });

  it('the read tries the health checks only of hosts no apply ended on: an applied host serves whatever they answer', async () => {
    await roll(webs('v1'), [], { recordApply: true });
    rmSync(join(dir, 'w2', 'state'), { recursive: true });
    asked.clear();
    const { results } = await roll(webs('v1'), [balancer(['w1', 'w2', 'w3'])], { check: true });
    expect(Object.fromEntries(asked)).toEqual({ w2: 1 });
    expect(results.every((r) => r.changed === 0 && r.rollout?.atOnce === undefined)).toBe(true);
  });

  it('a fresh host that never gets healthy stops the batches after it', async () => {
    await roll(webs('v1'), []);
    rmSync(join(dir, 'w1'), { recursive: true });
    health.set('w1', 503);
    writeFileSync(log, '');
    const { results } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])]);
    expect(logged()).toEqual(['restart w1']);
    expect(results.map((r) => [r.name, r.failed, r.notAttempted])).toEqual([
      ['w1', 1, undefined],
      ['w2', 0, 'the rollout stopped after batch 1/3 of group web, where w1 failed'],
      ['w3', 0, 'the rollout stopped after batch 1/3 of group web, where w1 failed'],
    ]);
  });

  it('check mode says a fresh host changes at once without drain', async () => {
    health.set('w1', fresh('w1'));
    const { results } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])], { check: true });
    expect(results.map((r) => [r.name, r.rollout?.drained, r.rollout?.notDrained?.startsWith('not serving yet') ?? false])).toEqual([
      ['w1', [], true],
      ['w2', ['lb'], false],
      ['w3', ['lb'], false],
    ]);
  });

  it('check mode: every host read at once, what each would go through, nothing run', async () => {
    await roll([backend('w1', 'v2', serial(1))], []);
    writeFileSync(log, '');
    const { results } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])], { check: true });
    expect(logged()).toEqual([]);
    expect(results.map((r) => [r.name, r.changed, r.rollout?.drained, r.rollout?.health.length])).toEqual([
      ['w1', 0, [], 0],
      ['w2', 2, ['lb'], 1],
      ['w3', 2, ['lb'], 1],
    ]);
  });

  it('Ctrl-C before the rollout: no batch starts', async () => {
    const controller = new AbortController();
    controller.abort();
    const { results } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])], { signal: controller.signal });
    expect(results.map((r) => r.notAttempted)).toEqual(['the run was interrupted', 'the run was interrupted', 'the run was interrupted']);
    expect(logged()).toEqual([]);
  });

  it('--forks 1, Ctrl-C while the first host is read: no other host is started, no batch starts', async () => {
    const controller = new AbortController();
    const opened: string[] = [];
    const { results, events } = await roll(webs('v2'), [balancer(['w1', 'w2', 'w3'])], {
      forks: 1,
      signal: controller.signal,
      openConnection: (target) => {
        opened.push(target.name);
        if (target.name === 'w1') controller.abort();
        return openLocal(target);
      },
    });
    expect(results.map((r) => r.notAttempted)).toEqual(['the run was interrupted', 'the run was interrupted', 'the run was interrupted']);
    expect(opened).toEqual(['w1']);
    expect(events.filter((e) => e.kind === 'batch')).toEqual([]);
    expect(logged()).toEqual([]);
  });

  it.each([
    ['hosts that do not roll', () => ['f1', 'f2', 'f3', 'f4'].map((n) => freeHost(n, 'v2')), ['not started: interrupted', 'not started: interrupted', 'not started: interrupted', 'not started: interrupted'], [undefined, undefined, undefined, undefined]],
    ['rolling hosts', () => webs('v2'), ['not started: interrupted', undefined, undefined], [undefined, 'the run was interrupted', 'the run was interrupted']],
  ])('plan, --forks 1, Ctrl-C as the first of the %s is connected to: no other host is connected to, none is reported as read', async (_, plans, errors, notAttempted) => {
    const controller = new AbortController();
    const opened: string[] = [];
    const { results } = await roll(plans(), [balancer(['w1', 'w2', 'w3'])], {
      check: true,
      forks: 1,
      signal: controller.signal,
      openConnection: (target) => {
        opened.push(target.name);
        controller.abort();
        return openLocal(target);
      },
    });
    expect(opened).toEqual([plans()[0]!.host.name]);
    expect(results.map((r) => r.error)).toEqual(errors);
    expect(results.map((r) => r.notAttempted)).toEqual(notAttempted);
    expect(results.every((r) => r.results.length === 0)).toBe(true);
  });

  it.each([
    ['with a health check', () => webs('v2')],
    ['without a health check', () => withoutHealth(webs('v2'))],
  ])('Ctrl-C while a host %s is out: it is not changed, goes back in, and the rest is not attempted', async (_, plans) => {
    const { results, events } = await rollStoppedAtDrain(plans(), [balancer(['w1', 'w2', 'w3'])]);
    expect(logged()).toEqual(['drain w1', 'undrain w1']);
    expect(byName(results, 'w1')).toMatchObject({ changed: 0, error: 'interrupted before changing anything on the host' });
    expect(byName(results, 'w1').rollout!.leftDrained).toEqual([]);
    expect(existsSync(join(dir, 'w1', 'state', 'drained'))).toBe(false);
    expect(byName(results, 'w2').notAttempted).toBe('the run was interrupted');
    // A second Ctrl-C quits at once, without a recap: the notice already says how to put it back by hand.
    const notice = events.find((e) => e.kind === 'notice');
    expect(notice).toMatchObject({ host: 'w1', message: expect.stringMatching(/^out of lb: it goes back at once \(nothing it serves was changed\) \(a second Ctrl-C/) });
    expect(notice?.kind === 'notice' && notice.message).toContain(`, or by hand on lb: printf 'undrain %s\\n' >> ${quote(log)} w1)`);
  });

  it.each([
    ['with a health check', () => webs('v2')],
    ['without a health check', () => withoutHealth(webs('v2'))],
  ])('Ctrl-C after a host %s is out of one of its two load balancers: no other drain starts, it goes back into the first, unchanged', async (_, plans) => {
    const controller = new AbortController();
    const { results } = await roll(plans(), [loggingBalancer('lbA'), loggingBalancer('lbB')], {
      signal: controller.signal,
      onEvent: (e) => e.kind === 'rollout' && e.step === 'drain' && controller.abort(),
    });
    expect(logged()).toEqual(['lbA drain w1', 'lbA undrain w1']);
    expect(byName(results, 'w1')).toMatchObject({ changed: 0, failed: 1, error: 'not changed: interrupted before it was taken out of lbB' });
    expect(byName(results, 'w1').rollout!.leftDrained).toEqual([]);
    expect(releaseOf('w1')).toBe('');
  });

  it.each<[string, () => HostPlan[], boolean, string[], boolean]>([
    // A failure that never ran on the host (an API read) does not count as a change to what it serves.
    ['an unreadable API resource, every change interrupting serving, no health check: back at once', () => webs('v2').map((p) => ({ ...p, serve: [{ role: 'web' }], resources: [...p.resources, { role: 'web', type: unreadable, desired: {}, label: 'monitor', notify: [], position: at }] })), true, ['drain w1', 'undrain w1'], false],
    // A step the TERM trap ended midway began: what it serves may have changed.
    ['its restart killed midway, no health check: it stays out', () => restartKilled(withoutHealth(webs('v2'))), false, ['drain w1'], false],
    ['its restart killed midway, a health check: back once it passes', () => restartKilled(webs('v2')), false, ['drain w1', 'undrain w1'], true],
  ])('what began on the host decides whether it was touched: %s', async (_, plans, interrupt, balancerLog, checked) => {
    const { results, events } = await rollStoppedAtDrain(plans(), [balancer(['w1', 'w2', 'w3'])], interrupt);
    expect(logged().filter((l) => l.endsWith('w1'))).toEqual(balancerLog);
    expect(byName(results, 'w1').rollout!.leftDrained.map((d) => d.balancer)).toEqual(balancerLog.length === 1 ? ['lb'] : []);
    expect(events.some((e) => e.kind === 'rollout' && e.host === 'w1' && e.step === 'health')).toBe(checked);
    if (!interrupt) {
      // Killed, the restart failed: the host fails whether it goes back or not, and the rollout stops.
      expect(byName(results, 'w1')).toMatchObject({ failed: 1, error: 'restart: began and never ended (exit 143)' });
      expect(byName(results, 'w2').notAttempted).toMatch(/^the rollout stopped after batch 1\/3/);
    }
    if (balancerLog.length === 1) expect(byName(results, 'w1').rollout!.healthDetail).toBe('no health check declared, and its changes failed');
  });

  it.each([
    ['with a health check', () => webs('v2')],
    ['without a health check', () => withoutHealth(webs('v2'))],
  ])('Ctrl-C while a host %s is out, its put-back refused: tried once, it stays out, and nothing says its changes failed', async (_, plans) => {
    const refusingUndrain: Balancer = { host: hostNamed('lb'), decls: [{ role: 'lb', backends: ['w1', 'w2', 'w3'], drain: `printf 'drain %s\\n' >> ${quote(log)}`, undrain: `echo 'lb is read-only' >&2; exit 5; :` }] };
    const { results, events } = await rollStoppedAtDrain(plans(), [refusingUndrain]);
    expect(events.filter((e) => e.kind === 'rollout' && e.host === 'w1').map((e) => e.kind === 'rollout' && `${e.step} ${e.ok}`)).toEqual(['drain true', 'undrain false']);
    expect(byName(results, 'w1')).toMatchObject({ changed: 0, failed: 1, error: 'interrupted before changing anything on the host' });
    expect(byName(results, 'w1').rollout!.healthDetail).toBeUndefined();
    expect(byName(results, 'w1').rollout!.leftDrained.map((d) => d.balancer)).toEqual(['lb']);
    expect(releaseOf('w1')).toBe('');
  });

  it('Ctrl-C while a host an earlier run left out, without a health check, is out again before its change: the notice and the recap say it stays out', async () => {
    await roll(withoutHealth(webs('v1')), []);
    leftOut('w1');
    writeFileSync(log, '');
    const { results, events } = await rollStoppedAtDrain(withoutHealth(webs('v2')), [countingBalancer(['w1', 'w2', 'w3'])]);
    const notice = events.find((e) => e.kind === 'notice');
    expect(notice).toMatchObject({ host: 'w1', message: expect.stringMatching(/^out of lb since an earlier run: no health check declared: it stays out unless this run had nothing left to change on it \(a second Ctrl-C/) });
    expect(logged()).toEqual(['drain w1: out w1']);
    expect(byName(results, 'w1').rollout).toMatchObject({ healthy: false, healthDetail: 'no health check declared, and this run stopped before changing what it serves: it stays out as an earlier run left it' });
    expect(byName(results, 'w1').rollout!.leftDrained.map((d) => d.balancer)).toEqual(['lb']);
    expect(releaseOf('w1')).toBe('v1');
  });

  const checkedFate = 'it goes back once its health check passes';
  const uncheckedFate = 'no health check declared: it goes back if the changes begun on it succeed';
  const ifBegan = (fate: string): string => `if the change to what it serves sent to it began: out of lb: ${fate}; if not: out of lb: it goes back at once \\(nothing it serves was changed\\)`;
  it.each<[string, () => HostPlan[], 'begins' | 'sent', string, boolean]>([
    ['as the restart of a host with a health check begins', () => webs('v2'), 'begins', `out of lb: ${checkedFate}`, true],
    ['as the restart of a host without a health check begins', () => withoutHealth(webs('v2')), 'begins', `out of lb: ${uncheckedFate}`, false],
    ['as the apply call of a host with a health check is sent, before any step of it began', () => webs('v2'), 'sent', ifBegan(checkedFate), true],
    ['as the apply call of a host without a health check is sent, before any step of it began', () => withoutHealth(webs('v2')), 'sent', ifBegan(uncheckedFate), false],
  ])('Ctrl-C %s: the notice says what follows, and it does', async (_, plans, when, notice, checked) => {
    const controller = new AbortController();
    const events: RunEvent[] = [];
    await roll(plans(), [balancer(['w1', 'w2', 'w3'])], {
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (when === 'begins' && e.kind === 'resource-start' && e.host === 'w1' && e.resource === 'restart') controller.abort();
      },
      openConnection: async (target) => (when === 'sent' && target.name === 'w1' ? interruptedAsApplySent(await openLocal(target), () => controller.abort()) : openLocal(target)),
    });
    expect(events.find((e) => e.kind === 'notice')).toMatchObject({ host: 'w1', message: expect.stringMatching(new RegExp(`^${notice} \\(a second Ctrl-C`)) });
    expect(logged()).toEqual(['drain w1', 'restart w1', 'undrain w1']);
    expect(events.some((e) => e.kind === 'rollout' && e.step === 'health')).toBe(checked);
  });

  it('a drain refused by the second load balancer, no health check declared: the host is not changed, goes back into the first only', async () => {
    // lbB has w2 out already, and refuses to take w1 out beside it.
    writeFileSync(join(dir, 'lbB-out'), 'w2\n');
    const { results } = await roll(withoutHealth(pair('v2')), [refusingBalancer('lbA'), refusingBalancer('lbB')]);
    expect(logged()).toEqual(['lbA drain w1', 'lbA undrain w1']);
    expect(readFileSync(join(dir, 'lbB-out'), 'utf8')).toBe('w2\n');
    expect(byName(results, 'w1')).toMatchObject({ changed: 0, failed: 1, error: expect.stringContaining('not changed: could not take it out of lbB: lbB: refusing: w2 is out') });
    expect(byName(results, 'w1').rollout!.leftDrained).toEqual([]);
    // Its note still names lbB (this run cannot tell whether the failed drain left it out): the next run drains it again before a change.
    expect(readFileSync(join(dir, 'w1', 'state', 'drained'), 'utf8')).toBe('lbB\n');
  });

  it.each<[string, () => Balancer[], string]>([
    // Another run has w2 out while it changes it: the load balancer refuses to take w1 out beside it (exit 3).
    ['refused (another run has the other backend out)', () => (writeFileSync(join(dir, 'lb-out'), 'w2\n'), [refusingBalancer()]), 'lb: refusing: w2 is out'],
    ['failed', () => [balancer(['w1', 'w2'], true)], 'lb: no upstream here'],
  ])('a drain %s: the run says so and puts nothing back (it took nothing out); the note keeps naming the load balancer', async (_, balancers, why) => {
    const { results, events } = await roll(pair('v2'), balancers());
    const steps = events.flatMap((e) => (e.kind === 'rollout' ? [`${e.host} ${e.step} ${e.ok ? 'ok' : 'failed'}`] : []));
    expect(steps).toEqual(['w1 drain failed']);
    expect(logged().filter((l) => l.includes('undrain'))).toEqual([]);
    expect(byName(results, 'w1')).toMatchObject({ changed: 0, failed: 1, error: expect.stringContaining(`could not take it out of lb: ${why}`) });
    expect(byName(results, 'w1').rollout!.leftDrained).toEqual([]);
    expect(readFileSync(join(dir, 'w1', 'state', 'drained'), 'utf8')).toBe('lb\n');
    expect(byName(results, 'w2').notAttempted).toBeDefined();
  });
});
