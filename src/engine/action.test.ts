import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureDir } from '../../test/fixtures/inventory/fixtures.js';
import { Interrupted, UserError } from '../errors.js';
import { loadInventory } from '../inventory/load.js';
import type { Connection, ConnectTarget } from '../transport/types.js';
import { findAction, runAction } from './action.js';

const site = loadInventory(path.join(fixtureDir('good'), 'site.yaml'), { env: { SUMO_ACCESS_ID: 'id-1', SUMO_ACCESS_KEY: 'key-1', DB_PASSWORD: 'pw-1' } });

/** Connections that answer every script with `reply(host)` and record what was opened, run and closed. */
function fakeTransport(reply: (host: string) => { stdout: string; stderr: string; code: number }) {
  const log: string[] = [];
  const openConnection = async (target: ConnectTarget): Promise<Connection> => {
    log.push(`open ${target.name}`);
    return {
      stats: { execs: 0, bytesSent: 0, bytesReceived: 0 },
      runScript: async () => {
        log.push(`run ${target.name}`);
        return reply(target.name);
      },
      close: async () => void log.push(`close ${target.name}`),
    };
  };
  return { log, options: { force: false, connect: { acceptNewHostKeys: false, timeoutMs: 1000 }, openConnection, say: () => undefined } };
}

const answers = (host: string) => ({ stdout: host === 'web-01' ? 'gtid=0-1-42\n' : 'promoted\n', stderr: '', code: 0 });

describe('named actions', () => {
  it('finds an action by its name among the resource types, and nothing for a name none offers', () => {
    expect(findAction('promote')?.forceHelp).toBe('promote even if the old primary cannot be reached');
    expect(findAction('demote')).toBeUndefined();
  });

  it("runs the action on the hosts it picks, closes every connection, and returns the action's inventory edits", async () => {
    const { log, options } = fakeTransport(answers);
    const outcome = await runAction('promote', site, 'web-02', options);
    expect(outcome.edits.map((e) => e.host)).toEqual(['web-02', 'web-01']);
    expect(log).toEqual(['open web-02', 'open web-01', 'run web-01', 'run web-02', 'run web-02', 'close web-02', 'close web-01']);
  });

  it.each([
    ['no action of that name', 'demote', 'web-02', "no resource type offers the action 'demote'"],
    ['a host the inventory lacks', 'promote', 'web-09', `promote: no host 'web-09' in ${site.file}`],
    ['hosts the action refuses', 'promote', 'web-01', 'promote: web-01 is not a replica (mysql_role is "primary")'],
  ])('fails before contacting any host on %s', async (_, name, host, message) => {
    const { log, options } = fakeTransport(answers);
    const failure = await runAction(name, site, host, options).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as Error).message).toBe(message);
    expect(log).toEqual([]);
  });

  it.each([
    ['the first host', 'web-02', 'promote: interrupted before web-02 was reached', ['open web-02', 'close web-02']],
    ['the second host', 'web-01', 'promote: interrupted before web-01 was reached', ['open web-02', 'open web-01', 'close web-01', 'close web-02']],
  ])('Ctrl-C while %s is being reached: nothing runs anywhere, with --force too, and every connection opened is closed', async (_, reaching, message, expected) => {
    for (const force of [false, true]) {
      const { log, options } = fakeTransport(answers);
      const interrupt = new AbortController();
      const openConnection = async (target: ConnectTarget): Promise<Connection> => {
        if (target.name === reaching) interrupt.abort();
        return options.openConnection(target);
      };
      await expect(runAction('promote', site, 'web-02', { ...options, force, openConnection, signal: interrupt.signal })).rejects.toThrow(new Interrupted(message));
      expect(log, `force: ${force}`).toEqual(expected);
    }
  });

  it('Ctrl-C while the primary is frozen: it is thawed, the replica is never touched, and the error says nothing was promoted', async () => {
    const { log, options } = fakeTransport(answers);
    const interrupt = new AbortController();
    // The operator presses Ctrl-C while the primary's freeze runs.
    const openConnection = async (target: ConnectTarget): Promise<Connection> => {
      const connection = await options.openConnection(target);
      return { ...connection, runScript: async (script) => ((target.name === 'web-01' && interrupt.abort()), connection.runScript(script)) };
    };
    await expect(runAction('promote', site, 'web-02', { ...options, openConnection, signal: interrupt.signal })).rejects.toThrow(new Interrupted('promote: interrupted; nothing was promoted, web-01 accepts writes again'));
    expect(log).toEqual(['open web-02', 'open web-01', 'run web-01', 'run web-01', 'close web-02', 'close web-01']);
  });

  it("names the host and its script's error when a script fails, and still closes the connections", async () => {
    const { log, options } = fakeTransport((host) => (host === 'web-01' ? { stdout: '', stderr: 'provision: the MySQL/MariaDB server does not answer\n', code: 1 } : answers(host)));
    await expect(runAction('promote', site, 'web-02', options)).rejects.toThrow('web-01: provision: the MySQL/MariaDB server does not answer');
    expect(log.filter((l) => l.startsWith('close'))).toEqual(['close web-02', 'close web-01']);
  });
});
