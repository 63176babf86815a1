/**
 * templates/app/server.js, the app role's default application, run on this
 * machine: its /health query is tried again while the database cannot be
 * reached (a restart of the primary), for a bounded time, and fails at once
 * on any other error. The `mariadb` client is a stand-in that connects to the
 * options file's port and relays the first line the test's "server" sends.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cleanup, tempDir } from '../../support/resources.js';

const SERVER = 'templates/app/server.js';

/**
 * The stand-in `mariadb`: connects to the port of --defaults-extra-file (refused → the real client's ERROR 2003) and
 * relays the first line the "server" sends; each call logged in CALLS, each one's status in CALLS.ended once it ends.
 * bash with /dev/tcp, not node: it starts in milliseconds, so a loaded machine does not hit the app's 3 s client timeout.
 */
const FAKE_CLIENT = `#!/bin/bash
echo call >>"$CALLS"
for arg in "$@"; do case $arg in --defaults-extra-file=*) options=\${arg#*=} ;; esac; done
port=$(sed -n 's/^port=\\([0-9]*\\)$/\\1/p' "$options")
status=0
if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
  IFS= read -r line <&3
  case $line in 'ERROR '*) echo "$line" >&2; status=1 ;; *) echo "$line" ;; esac
else
  echo "ERROR 2003 (HY000): Can't connect to MySQL server on '127.0.0.1' (111)" >&2
  status=1
fi
echo $status >>"$CALLS.ended"
exit $status
`;

/** A port nothing listens on (the kernel's pick, released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A "database" on `port` that answers every connection with `answer`. */
async function database(port: number, answer: string): Promise<Server> {
  const server = createServer((socket) => socket.end(`${answer}\n`));
  onTestFinished(() => void server.close());
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Resolves once the stand-in client's first call has ended (polled, bounded). */
async function firstCallEnded(calls: string): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    if (existsSync(`${calls}.ended`)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the app never called its database client');
}

/**
 * server.js started with the stand-in client and a database on `dbPort`; its /health's answer and the client's calls.
 * `meanwhile`, given the calls log, runs beside the request (and is awaited with it).
 */
async function health(dbPort: number, meanwhile?: (calls: string) => Promise<void>): Promise<{ status: number; body: { database: string; error?: string }; calls: number }> {
  const dir = tempDir();
  onTestFinished(() => cleanup(dir));
  const calls = join(dir, 'calls.log');
  writeFileSync(calls, '');
  writeFileSync(join(dir, 'mariadb'), FAKE_CLIENT, { mode: 0o755 });
  const optionsFile = join(dir, 'db.cnf');
  writeFileSync(optionsFile, `[client]\nhost=127.0.0.1\nport=${dbPort}\n`);
  // A copy outside the repository, whose package.json makes .js files ES modules (the app is CommonJS, as on a host).
  const server = join(dir, 'server.js');
  copyFileSync(SERVER, server);
  const appPort = await closedPort();
  const app = spawn(process.execPath, [server], {
    env: { ...process.env, CALLS: calls, PATH: `${dir}:${process.env['PATH'] ?? ''}`, PORT: String(appPort), DB_OPTIONS_FILE: optionsFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onTestFinished(() => void app.kill());
  await once(app.stdout, 'data');
  const [response] = await Promise.all([fetch(`http://127.0.0.1:${appPort}/health`), meanwhile?.(calls)]);
  return { status: response.status, body: (await response.json()) as { database: string; error?: string }, calls: readFileSync(calls, 'utf8').split('\n').filter((l) => l !== '').length };
}

describe('the app /health query', () => {
  it('waits for a database that starts accepting connections during the retry window', async () => {
    const port = await closedPort();
    // Opened once the first try has failed, however slow the machine is to start the app.
    const result = await health(port, async (calls) => {
      await firstCallEnded(calls);
      await database(port, '1');
    });
    expect(result.status).toBe(200);
    expect(result.body.database).toBe('ok');
    expect(result.calls).toBeGreaterThan(1);
  });

  it('fails with the connection error once the retry window is over', async () => {
    const result = await health(await closedPort());
    expect(result.status).toBe(503);
    expect(result.body.error).toMatch(/^ERROR 2003 /);
    expect(result.calls).toBeGreaterThan(1);
  });

  it('fails at once on an error that is not a connection error', async () => {
    const port = await closedPort();
    await database(port, "ERROR 1045 (28000): Access denied for user 'app'@'localhost'");
    const result = await health(port);
    expect(result.status).toBe(503);
    expect(result.body.error).toMatch(/^ERROR 1045 /);
    expect(result.calls).toBe(1);
  });
});
