/**
 * templates/provision-lb-backends.sh, the loadbalancer role's upstream helper,
 * run on this machine with its directories moved into a sandbox: `check`
 * (the `unless` guard every probe of the load balancer runs) answers with the
 * shell alone, and `render` writes exactly what `check` accepts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cleanup, stubCommands, tempDir } from '../../support/resources.js';

const HELPER = 'templates/provision-lb-backends.sh';
const UPSTREAM = 'app_backends';

/** The helper with its directories (and nginx's check) in a fresh sandbox; `files` are written first (undefined: absent). */
function sandbox(files: { source?: string; drained?: string; live?: string }) {
  const dir = tempDir();
  onTestFinished(() => cleanup(dir));
  const paths = { source: join(dir, 'source'), drained: join(dir, 'drained'), live: join(dir, 'live') };
  for (const d of Object.values(paths)) mkdirSync(d);
  writeFileSync(join(dir, 'nginx-check'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const script = readFileSync(HELPER, 'utf8')
    .replaceAll('/etc/provision/lb/', `${paths.source}/`)
    .replaceAll('/var/lib/provision/lb/', `${paths.drained}/`)
    .replaceAll('/etc/nginx/conf.d/', `${paths.live}/`)
    .replaceAll('/usr/local/sbin/provision-nginx-check', join(dir, 'nginx-check'));
  writeFileSync(join(dir, 'helper.sh'), script);
  const file = {
    source: join(paths.source, `${UPSTREAM}.conf`),
    drained: join(paths.drained, `${UPSTREAM}.drained`),
    live: join(paths.live, `provision-upstream-${UPSTREAM}.conf`),
  };
  for (const key of ['source', 'drained', 'live'] as const) if (files[key] !== undefined) writeFileSync(file[key], files[key]!);
  const run = (args: string[], env: Record<string, string> = {}) => spawnSync('/bin/sh', [join(dir, 'helper.sh'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { file, run };
}

const line = (name: string, extra = ''): string => `    server 10.77.0.12:80 max_fails=3${extra}; # backend ${name}\n`;
const down = (name: string): string => `    server 10.77.0.12:80 max_fails=3 down; # backend ${name}\n`;
const SOURCE = `upstream app_backends {\n${line('web-01')}${line('web-02')}    keepalive 16;\n}\n`;

/** Source, drained list and the live text render writes for them. */
const RENDERED: Array<[string, { source: string; drained?: string }, string]> = [
  ['nothing drained', { source: SOURCE }, SOURCE],
  ['web-01 drained', { source: SOURCE, drained: 'web-01\n' }, `upstream app_backends {\n${down('web-01')}${line('web-02')}    keepalive 16;\n}\n`],
  ['a drained name only the prefix of a backend', { source: SOURCE, drained: 'web-0\n' }, SOURCE],
  ['a drained list without its last newline', { source: SOURCE, drained: 'web-02\nweb-01' }, `upstream app_backends {\n${down('web-01')}${down('web-02')}    keepalive 16;\n}\n`],
  ['a source without its last newline gets one', { source: SOURCE.slice(0, -1) }, SOURCE],
  ['the last "; # backend " of a line names it', { source: `a; # backend web-01; # backend web-02\n`, drained: 'web-02\n' }, `a; # backend web-01 down; # backend web-02\n`],
  ['a name with a space is no backend', { source: `a; # backend web-01 x\nb; # backend \n`, drained: 'web-01 x\n\n' }, `a; # backend web-01 x\nb; # backend \n`],
  ['spaces, tabs, backslashes, $ and globs stay as they are', { source: `  \tx \\n $HOME * [a]; # backend w*\n`, drained: 'w*\n' }, `  \tx \\n $HOME * [a] down; # backend w*\n`],
];

describe('provision-lb-backends', () => {
  it.each(RENDERED)('render: %s', (_, files, live) => {
    const s = sandbox(files);
    const r = s.run(['render', UPSTREAM]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(s.file.live, 'utf8')).toBe(live);
    // What render wrote is what check wants.
    expect(s.run(['check', UPSTREAM], { PATH: '/nonexistent' }).status).toBe(0);
  });

  it.each<[string, number, { source?: string; drained?: string; live?: string }]>([
    ['no source, no live file', 0, {}],
    ['no source, a live file', 1, { live: SOURCE }],
    ['a source, no live file', 1, { source: SOURCE }],
    ['live is the source', 0, { source: SOURCE, live: SOURCE }],
    ['live lacks the drained mark', 1, { source: SOURCE, drained: 'web-01\n', live: SOURCE }],
    ['live has the drained mark', 0, { source: SOURCE, drained: 'web-01\n', live: RENDERED[1]![2] }],
    ['live without its last newline', 1, { source: SOURCE, live: SOURCE.slice(0, -1) }],
    ['live with a line more', 1, { source: SOURCE, live: `${SOURCE}\n` }],
    ['live with a line less', 1, { source: SOURCE, live: SOURCE.slice(0, SOURCE.lastIndexOf('}')) }],
    ['live with a trailing space', 1, { source: SOURCE, live: SOURCE.replace('16;', '16; ') }],
  ])('check, starting no process (no PATH at all): %s → exit %d', (_, code, files) => {
    const s = sandbox(files);
    const r = s.run(['check', UPSTREAM], { PATH: '/nonexistent' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(code);
    // check only reads.
    expect(existsSync(s.file.live)).toBe(files.live !== undefined);
  });

  it('drain marks a backend down in the live file and undrain takes the mark away, each leaving what check wants', () => {
    const s = sandbox({ source: SOURCE, live: SOURCE });
    // nginx is not running here (systemctl says inactive); the other backend answers 200.
    const stubs = stubCommands(['systemctl', 'curl'], { systemctl: 'exit 3', curl: 'printf 200' });
    const drain = s.run(['drain', UPSTREAM, '1', 'web-01'], stubs.env);
    expect(drain.status, drain.stderr).toBe(0);
    expect(readFileSync(s.file.live, 'utf8')).toBe(RENDERED[1]![2]);
    expect(s.run(['check', UPSTREAM], { PATH: '/nonexistent' }).status).toBe(0);
    const undrain = s.run(['undrain', UPSTREAM, '1', 'web-01'], stubs.env);
    expect(undrain.status, undrain.stderr).toBe(0);
    expect(readFileSync(s.file.live, 'utf8')).toBe(SOURCE);
    expect(s.run(['check', UPSTREAM], { PATH: '/nonexistent' }).status).toBe(0);
  });

  it.each([
    ['an IPv4 address', '"10.77.0.13:80"', 'http://10.77.0.13:80/'],
    ['an IPv6 address, bracketed as the upstream writes it', '"[2001:db8::13]:80"', 'http://[2001:db8::13]:80/'],
  ])('drain asks the other backend, at %s, whether it serves', (_, server, url) => {
    const source = `upstream app_backends {\n${line('web-01')}    server ${server} max_fails=3; # backend web-02\n}\n`;
    const s = sandbox({ source, live: source });
    const stubs = stubCommands(['systemctl', 'curl'], { systemctl: 'exit 3', curl: 'printf 200' });
    const drain = s.run(['drain', UPSTREAM, '1', 'web-01'], stubs.env);
    expect(drain.status, drain.stderr).toBe(0);
    // -g: curl reads the brackets as an IPv6 address's, not as a glob.
    expect(stubs.calls().find((call) => call.endsWith(`[${url}]`))).toMatch(/^curl \[-g\] /);
  });
});
