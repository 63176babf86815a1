/**
 * The firewall role on lb-01 only (other files use web-01 and web-02): ufw
 * enabled without losing the SSH connection, exactly the declared ports open,
 * rules added by hand removed (or kept with keep_unmanaged). lb-01 is left
 * with ufw off and no rules, as the other test files expect.
 */
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_ADDRESSES, labRun } from '../lab/lab.js';
import { provision, report } from './cli.js';

const INV = 'test/fixtures/firewall/inventory.yaml';
const HOST = 'lb-01';
const ADDRESS = LAB_ADDRESSES[HOST];

const onHost = (command: string): Promise<string> => labRun(HOST, command);

/** ufw off with no rules, no test listener: how the other test files expect lb-01. */
const openHost = (): Promise<string> =>
  onHost(
    'systemctl stop provision-firewall-test 2>/dev/null || true; ' +
      'if command -v ufw >/dev/null; then ufw --force reset >/dev/null && rm -f /etc/ufw/*.rules.[0-9]*_[0-9]*; fi',
  );

/** What a TCP connection from here gets: a handshake, a refusal, or nothing (a firewall dropping it). */
function connect(address: string, port: number, timeoutMs = 1500): Promise<'open' | 'refused' | 'timeout'> {
  // This test only ever talks to the lab.
  if (!address.startsWith('10.77.0.')) throw new Error(`not a lab address: ${address}`);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (result: 'open' | 'refused' | 'timeout'): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done('open'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'refused' : 'timeout'));
    socket.connect(port, address);
  });
}

/**
 * Connects to ADDRESS:port every 25 ms (40 a second, each not waiting for the
 * one before) while `during` runs, for at most 60 s; what each got, in order.
 * 900 ms is under TCP's first SYN resend (1 s): a dropped connection times out.
 */
async function connectsDuring<T>(port: number, during: Promise<T>): Promise<{ result: T; connects: string[] }> {
  const connects: Promise<string>[] = [];
  const started = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - started > 60_000) return clearInterval(timer);
    connects.push(connect(ADDRESS, port, 900));
  }, 25);
  try {
    return { result: await during, connects: await Promise.all(connects) };
  } finally {
    clearInterval(timer);
  }
}

const changedOnHost = async (args: string[]): Promise<number> => {
  const run = await provision([...args, '--json']);
  const r = report(run);
  expect(r.hosts[HOST], run.stderr).toMatchObject({ failed: 0, unreachable: false });
  return r.hosts[HOST]!.changed;
};

describe('the firewall role on lb-01', () => {
  beforeAll(openHost);
  afterAll(openHost);

  it('enables ufw with default deny without losing the SSH connection; only the declared port is open', async () => {
    const run = await provision(['apply', INV, '--json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const results = report(run).results.filter((r) => r.host === HOST);
    // The listener is started after ufw is enabled, over the same connection.
    expect(results.map((r) => r.resource)).toEqual(['package ufw', 'ufw firewall', 'listener on 80 and 3306']);
    expect(results.slice(1).map((r) => r.status)).toEqual(['changed', 'changed']);
    const status = await onHost('ufw status verbose');
    expect(status).toContain('Status: active');
    expect(status).toContain('Default: deny (incoming), allow (outgoing)');
    expect(await onHost("ss -Hltn '( sport = :80 or sport = :3306 )' | wc -l")).toMatch(/^[2-9]\n$/);
    expect(await connect(ADDRESS, 80)).toBe('open');
    // Something listens on 3306, and the firewall drops the connection (no peer: its rule is dropped).
    expect(await connect(ADDRESS, 3306)).toBe('timeout');
    expect(await connect(ADDRESS, 22)).toBe('open');
  });

  it('a second apply connects again and changes nothing', async () => {
    expect(await changedOnHost(['apply', INV])).toBe(0);
  });

  it('removes a rule added by hand, after plan shows it', async () => {
    await onHost('ufw allow 8080/tcp');
    const plan = await provision(['plan', INV]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('- allow 8080/tcp from any');
    expect(await changedOnHost(['apply', INV])).toBe(1);
    expect(await onHost('ufw status')).not.toContain('8080');
    expect(await changedOnHost(['apply', INV])).toBe(0);
  });

  it('keeps a rule added by hand with keep_unmanaged', async () => {
    await onHost('ufw allow 8080/tcp');
    expect(await changedOnHost(['apply', INV, '-e', 'firewall_keep_unmanaged=true'])).toBe(0);
    expect(await onHost('ufw status')).toContain('8080/tcp');
    expect(await changedOnHost(['apply', INV])).toBe(1);
  });

  it('shows a changed port as + and - lines, and apply moves it', async () => {
    const moved = ['-e', '{firewall_allow_test: [{port: 8081, comment: moved}]}'];
    const plan = await provision(['plan', INV, ...moved]);
    expect(plan.stdout).toContain('+ allow 8081/tcp from any (moved)');
    expect(plan.stdout).toContain('- allow 80/tcp from any (test http)');
    expect(await changedOnHost(['apply', INV, ...moved])).toBe(1);
    expect(await connect(ADDRESS, 80)).toBe('timeout');
    expect(await changedOnHost(['apply', INV])).toBe(1);
    expect(await connect(ADDRESS, 80)).toBe('open');
  });

  it('a default policy change under load drops and refuses no connection to an allowed port (the bridge)', async () => {
    // ufw restarts the whole firewall for it, loading the allow rules last.
    const { result: run, connects } = await connectsDuring(80, provision(['apply', INV, '-e', 'firewall_default_incoming=reject', '--json']));
    expect(report(run).hosts[HOST], run.stderr).toMatchObject({ changed: 1, failed: 0 });
    expect(await onHost('ufw status verbose')).toContain('Default: reject (incoming)');
    expect(connects.length).toBeGreaterThan(0);
    expect(connects.filter((c) => c !== 'open')).toEqual([]);
    expect(await onHost('iptables -w -S INPUT; ls /run')).not.toContain('provision-ufw-bridge');
  });

  it("a bridge whose apply still runs is not a leftover to plan; once that apply is gone, plan shows it and apply removes it", async () => {
    // The declared firewall again (the test before left another incoming policy).
    await changedOnHost(['apply', INV]);
    // The apply's shell stood in for by a process of the test's own, named in the marker by its pid and start time (/proc/PID/stat's field 22), beside a bridge chain.
    const owner = 'provision-test-bridge-owner';
    await onHost(`systemd-run --quiet --unit=${owner} sleep 600`);
    try {
      await onHost(
        `pid=$(systemctl show -p MainPID --value ${owner}) && read -r s </proc/$pid/stat && set -- \${s##*) } && ` +
          `printf 'pid %s start %s\\n' "$pid" "\${20}" >/run/provision-ufw-bridge && iptables -w -N provision-ufw-bridge`,
      );
      expect(await onHost('cat /run/provision-ufw-bridge')).toMatch(/^pid [0-9]+ start [0-9]+\n$/);
      const running = await provision(['plan', INV]);
      expect(running.code, running.stderr).toBe(0);
      expect(running.stdout).not.toContain('bridge');
      expect(await changedOnHost(['plan', INV])).toBe(0);
      await onHost(`systemctl stop ${owner}`);
      const died = await provision(['plan', INV]);
      expect(died.stdout).toContain('a bridge left by an interrupted apply is removed, and ufw reloads its rules');
      expect(await changedOnHost(['apply', INV])).toBe(1);
      expect(await onHost('iptables -w -S; ls /run')).not.toContain('provision-ufw-bridge');
      expect(await changedOnHost(['plan', INV])).toBe(0);
    } finally {
      await onHost(`systemctl stop ${owner} 2>/dev/null; iptables -w -F provision-ufw-bridge 2>/dev/null; iptables -w -X provision-ufw-bridge 2>/dev/null; rm -f /run/provision-ufw-bridge; true`);
    }
  });
});
