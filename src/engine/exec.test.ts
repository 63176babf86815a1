import { describe, expect, it } from 'vitest';
import type { InventoryHost } from '../inventory/index.js';
import { userText } from '../shell/quote.js';
import type { Connection, ConnectTarget } from '../transport/types.js';
import { execOnHosts, type ExecOutcome } from './exec.js';

const hostNamed = (name: string) => ({ name, connection: { type: 'ssh', address: name, port: 22, become: false }, groups: ['all'], roles: [], vars: {} }) as InventoryHost;

/** Connections that record what was opened, run and closed; `onOpen` runs as a host's connection opens. */
function fakeTransport(onOpen: (host: string) => void = () => undefined) {
  const log: string[] = [];
  const openConnection = async (target: ConnectTarget): Promise<Connection> => {
    log.push(`open ${target.name}`);
    onOpen(target.name);
    return {
      stats: { execs: 0, bytesSent: 0, bytesReceived: 0 },
      runScript: async () => (log.push(`run ${target.name}`), { stdout: 'done\n', stderr: '', code: 0 }),
      close: async () => void log.push(`close ${target.name}`),
    };
  };
  return { log, openConnection };
}

async function exec(hosts: string[], transport: ReturnType<typeof fakeTransport>, signal?: AbortSignal): Promise<ExecOutcome[]> {
  return execOnHosts(hosts.map(hostNamed), userText('reboot'), { forks: 1, connect: { acceptNewHostKeys: false, timeoutMs: 1000 }, openConnection: transport.openConnection, onDone: () => undefined, ...(signal ? { signal } : {}) });
}

describe('execOnHosts', () => {
  it('runs the command on every host and closes each connection', async () => {
    const transport = fakeTransport();
    const outcomes = await exec(['a', 'b'], transport);
    expect(outcomes.map((o) => [o.host, o.code, o.stdout])).toEqual([
      ['a', 0, 'done\n'],
      ['b', 0, 'done\n'],
    ]);
    expect(transport.log).toEqual(['open a', 'run a', 'close a', 'open b', 'run b', 'close b']);
  });

  it('Ctrl-C while a host is being connected to: the command never runs there, its connection is closed, it and the hosts after it are reported not started', async () => {
    const interrupt = new AbortController();
    const transport = fakeTransport((host) => host === 'b' && interrupt.abort());
    const outcomes = await exec(['a', 'b', 'c'], transport, interrupt.signal);
    expect(transport.log).toEqual(['open a', 'run a', 'close a', 'open b', 'close b']);
    expect(outcomes.map((o) => [o.host, o.code, o.notStarted ?? false])).toEqual([
      ['a', 0, false],
      ['b', null, true],
      ['c', null, true],
    ]);
  });
});
