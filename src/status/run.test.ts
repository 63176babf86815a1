import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { loadInventory } from '../inventory/index.js';
import { stubSops } from '../../test/support/inventory.js';
import type { InventoryHost } from '../inventory/index.js';
import { buildPlans, type HostPlan } from '../roles/plan.js';
import type { Connection, ExecResult } from '../transport/types.js';
import { checksOf, merge, StatusRunner } from './run.js';
import type { StatusCheckType, StatusColumn } from './types.js';
import { userText } from '../shell/quote.js';

describe('checksOf: what a host is checked for, from its plan', () => {
  const env = { APP_DB_PASSWORD: 'x', MYSQL_REPLICATION_PASSWORD: 'x', SUMO_ACCESS_ID: 'x', SUMO_ACCESS_KEY: 'sumo-key-x' };
  const inventory = loadInventory('inventory/lab.yaml', { env, sops: stubSops() });
  const plans = buildPlans(inventory, inventory.hosts, { rolesDirs: ['roles'], templateDirs: ['templates'], tags: [] });

  it('the reference site: system, the roles\' status declarations, then the services and firewall its roles start', () => {
    expect(Object.fromEntries(plans.map((p) => [p.host.name, checksOf(p).map((c) => c.key)]))).toEqual({
      'lb-01': ['system', 'nginx_requests http://127.0.0.1:8081/nginx_status', 'tls_certificate www.foobar.com 127.0.0.1:443', 'service cron', 'ufw', 'service collector', 'service nginx'],
      'web-01': ['system', 'nginx_requests http://127.0.0.1:8081/nginx_status', 'service cron', 'ufw', 'service collector', 'service nginx', 'service app', 'service mariadb'],
      'web-02': ['system', 'nginx_requests http://127.0.0.1:8081/nginx_status', 'mysql_replication', 'service cron', 'ufw', 'service collector', 'service nginx', 'service app', 'service mariadb'],
    });
  });

  it('a host without roles is still checked for its system, with the default thresholds', () => {
    const bare: HostPlan = { host: plans[0]!.host, resources: [], handlers: new Map() };
    expect(checksOf(bare).map((c) => c.key)).toEqual(['system']);
  });
});

describe('merge', () => {
  it('joins lists of facts, replaces the others; any problem makes the host unhealthy', () => {
    const status = merge(
      'h',
      [
        { facts: { services: [{ name: 'a', active: true }], qps: 1 }, problems: [], warnings: ['w'] },
        { facts: { services: [{ name: 'b', active: false }], qps: 2 }, problems: ['service b is inactive'], warnings: [] },
      ],
      [],
    );
    expect(status).toEqual({ name: 'h', reachable: true, healthy: false, problems: ['service b is inactive'], warnings: ['w'], facts: { services: [{ name: 'a', active: true }, { name: 'b', active: false }], qps: 2 }, columns: [] });
  });
});

describe('StatusRunner', () => {
  const answers: StatusColumn = { header: 'ANSWERS', cell: (f) => String(f.answers) };
  /** A check kind for the test: prints `answer=N`, or fails. */
  const answer: StatusCheckType<{ n: number; fail?: boolean }> = {
    name: 'answer',
    validate: (a) => a as { n: number },
    label: () => 'answer',
    check: (d) => ({ key: `answer ${d.n}`, script: userText(d.fail ? 'exit 3' : `echo answer=${d.n}`), read: (out) => ({ facts: { answers: [Number(out.trim().split('=')[1])] }, problems: [], warnings: [] }), columns: [answers] }),
  };
  const host = (name: string): InventoryHost => ({ name, connection: { type: 'ssh', address: name, port: 22, become: false }, groups: ['all'], roles: [], vars: {} });
  const at = { file: 'role.yaml', line: 1, col: 1 };
  const planOf = (name: string, ...checks: Array<{ n: number; fail?: boolean }>): HostPlan => ({
    host: host(name),
    resources: [],
    handlers: new Map(),
    status: [{ role: 'system', type: { ...answer, name: 'system', check: () => ({ key: 'system', script: userText('true'), read: () => ({ facts: {}, problems: [], warnings: [] }), columns: [] }) }, desired: {}, label: 'system', position: at }, ...checks.map((desired) => ({ role: 'r', type: answer, desired, label: 'answer', position: at }))],
  });

  /** Connections that run the script with the local sh; `lost` hosts lose it once; `hung` hosts never answer, `mute` ones never connect. */
  function transport(lost: string[] = [], hung: string[] = []) {
    const opened: string[] = [];
    const scripts: string[] = [];
    const closed: string[] = [];
    const openConnection = async (target: { name: string }): Promise<Connection> => {
      opened.push(target.name);
      if (target.name === 'down') throw new Error('down:22: connection refused');
      if (target.name === 'mute') await new Promise(() => undefined);
      if (target.name === 'slow') await new Promise((resolve) => setTimeout(resolve, 100));
      return {
        stats: { execs: 0, bytesSent: 0, bytesReceived: 0 },
        async runScript(script): Promise<ExecResult> {
          scripts.push(script);
          if (hung.includes(target.name)) {
            hung.splice(hung.indexOf(target.name), 1);
            return new Promise(() => undefined);
          }
          if (lost.includes(target.name)) {
            lost.splice(lost.indexOf(target.name), 1);
            return { stdout: '', stderr: '', code: null };
          }
          return { stdout: execFileSync('sh', ['-s'], { input: script }).toString(), stderr: '', code: 0 };
        },
        async close() {
          closed.push(target.name);
        },
      };
    };
    return { opened, scripts, closed, openConnection };
  }
  // A host's deadline: the connection timeout (half of it here), then its checks'.
  const options = (t: ReturnType<typeof transport>, deadlineMs = 10_000) => ({ forks: 5, connect: { acceptNewHostKeys: false, timeoutMs: deadlineMs / 2 }, openConnection: t.openConnection, checksMs: deadlineMs / 2 });

  it('one remote call per host, every check answered in it; a later round reuses the connection', async () => {
    const t = transport();
    const runner = new StatusRunner([planOf('a', { n: 1 }, { n: 2 }), planOf('b', { n: 3 })], options(t));
    const [a, b] = await runner.run();
    expect(a).toMatchObject({ name: 'a', healthy: true, facts: { answers: [1, 2] }, columns: [answers] });
    expect(b).toMatchObject({ name: 'b', healthy: true, facts: { answers: [3] } });
    expect(t.scripts).toHaveLength(2);
    await runner.run();
    expect(t.opened.sort()).toEqual(['a', 'b']);
    await runner.close();
  });

  it('a failing check is a problem of that host; an unreachable host is unhealthy with the reason', async () => {
    const t = transport();
    const [a, down] = await new StatusRunner([planOf('a', { n: 1, fail: true }), planOf('down', { n: 4 })], options(t)).run();
    expect(a).toMatchObject({ healthy: false, problems: ['answer 1: the check failed (exit 3)'] });
    expect(down).toEqual({ name: 'down', reachable: false, healthy: false, problems: ['unreachable: down:22: connection refused'], warnings: [], facts: {}, columns: [answers] });
  });

  it('a lost connection is reported, then opened again', async () => {
    const t = transport(['a']);
    const runner = new StatusRunner([planOf('a', { n: 1 })], options(t));
    expect((await runner.run())[0]).toMatchObject({ reachable: false, problems: ['unreachable: the connection was lost'] });
    expect((await runner.run())[0]).toMatchObject({ reachable: true, healthy: true });
    expect(t.opened).toEqual(['a', 'a']);
  });

  it('a host whose checks hang, or that never connects, is reported at the deadline; the others are not held up', async () => {
    const t = transport([], ['hung']);
    const runner = new StatusRunner([planOf('a', { n: 1 }), planOf('hung', { n: 2 }), planOf('mute', { n: 3 })], options(t, 300));
    const started = Date.now();
    const [a, hung, mute] = await runner.run();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(a).toMatchObject({ reachable: true, healthy: true });
    expect(hung).toMatchObject({ reachable: false, healthy: false, problems: ['unreachable: no answer within 1 s'] });
    expect(mute).toMatchObject({ reachable: false, healthy: false, problems: ['unreachable: no answer within 1 s'] });
    // The hung connection was closed; the next round opens a new one, which answers.
    expect(t.closed).toEqual(['hung']);
    expect((await runner.run())[1]).toMatchObject({ reachable: true, healthy: true, facts: { answers: [2] } });
    expect(t.opened.filter((n) => n === 'hung')).toHaveLength(2);
    await runner.close();
  });

  it("a host's own connection timeout (ansible_timeout) moves its deadline, not the others'", async () => {
    const t = transport([], ['hung', 'patient']);
    const patient: HostPlan = { ...planOf('patient', { n: 1 }), host: { ...host('patient'), connection: { ...host('patient').connection, timeoutSeconds: 2 } } };
    const [hung, late] = await new StatusRunner([planOf('hung', { n: 2 }), patient], options(t, 300)).run();
    expect(hung).toMatchObject({ problems: ['unreachable: no answer within 1 s'] });
    expect(late).toMatchObject({ problems: ['unreachable: no answer within 3 s'] });
  });

  it('a connection that opens after the runner was closed (Ctrl-C mid-round) is closed at once, not left open', async () => {
    const t = transport();
    const runner = new StatusRunner([planOf('slow', { n: 1 })], options(t));
    const round = runner.run();
    // Its connection opening (it took its fork).
    await new Promise((resolve) => setImmediate(resolve));
    await runner.close();
    expect((await round)[0]).toMatchObject({ reachable: false });
    expect(t.closed).toEqual(['slow']);
  });

  it('hosts still waiting for a fork when the runner is closed (Ctrl-C) are not connected to', async () => {
    const t = transport();
    const runner = new StatusRunner(['slow', 'a', 'b'].map((name) => planOf(name, { n: 1 })), { ...options(t), forks: 1 });
    const round = runner.run();
    // The first host's connection opening (it took the fork), the others waiting for it.
    await new Promise((resolve) => setImmediate(resolve));
    await runner.close();
    expect((await round).map((s) => s.reachable)).toEqual([false, false, false]);
    expect(t.opened).toEqual(['slow']);
  });

  it('a round given up before its deadline (Ctrl-C) leaves no timer that keeps the process alive', async () => {
    // The runner's own timers, not the process's count of them: the test runner's timers come and go meanwhile.
    const created: NodeJS.Timeout[] = [];
    const original = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((...args: Parameters<typeof setTimeout>) => {
      const timer = original(...args);
      created.push(timer);
      return timer;
    }) as typeof setTimeout);
    const runner = new StatusRunner([planOf('mute', { n: 1 })], options(transport(), 60_000));
    void runner.run();
    await new Promise((resolve) => setImmediate(resolve));
    spy.mockRestore();
    expect(created.length).toBeGreaterThan(0);
    expect(created.filter((timer) => timer.hasRef())).toEqual([]);
    await runner.close();
  });
});
