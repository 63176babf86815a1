/**
 * templates/provision-lb-backends.sh, the loadbalancer role's upstream helper,
 * run on this machine with its directories moved into a sandbox: `check`
 * (the `unless` guard every probe of the load balancer runs) answers with the
 * shell alone, for the live upstream and a renamed one's files left alike,
 * `render` writes exactly what `check` accepts, and `prune` removes a renamed
 * upstream's files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cleanup, stubCommands, tempDir } from '../../support/resources.js';

const HELPER = 'templates/provision-lb-backends.sh';
const UPSTREAM = 'app_backends';
/** The upstream's name before a rename. */
const RENAMED = 'old_pool';

/** The files of an upstream: its source, drained list and live file (undefined: absent). */
type UpstreamFiles = { source?: string; drained?: string; live?: string };

/**
 * The helper with its directories (and nginx's check, `nginxCheck` its shell text, recording its
 * arguments in `checked`) in a fresh sandbox; `files` (and `renamed`, an upstream's before a rename)
 * are written first.
 */
function sandbox(files: UpstreamFiles, options: { renamed?: UpstreamFiles; nginxCheck?: string } = {}) {
  const dir = tempDir();
  onTestFinished(() => cleanup(dir));
  const paths = { source: join(dir, 'source'), drained: join(dir, 'drained'), live: join(dir, 'live') };
  for (const d of Object.values(paths)) mkdirSync(d);
  const checked = join(dir, 'checked');
  writeFileSync(join(dir, 'nginx-check'), `#!/bin/sh\necho "$*" >> '${checked}'\n${options.nginxCheck ?? 'exit 0'}\n`, { mode: 0o755 });
  const script = readFileSync(HELPER, 'utf8')
    .replaceAll('/etc/provision/lb/', `${paths.source}/`)
    .replaceAll('/var/lib/provision/lb/', `${paths.drained}/`)
    .replaceAll('/etc/nginx/conf.d/', `${paths.live}/`)
    .replaceAll('/usr/local/sbin/provision-nginx-check', join(dir, 'nginx-check'));
  writeFileSync(join(dir, 'helper.sh'), script);
  const filesOf = (upstream: string) => ({
    source: join(paths.source, `${upstream}.conf`),
    drained: join(paths.drained, `${upstream}.drained`),
    live: join(paths.live, `provision-upstream-${upstream}.conf`),
  });
  const write = (upstream: string, content: UpstreamFiles): void => {
    for (const key of ['source', 'drained', 'live'] as const) if (content[key] !== undefined) writeFileSync(filesOf(upstream)[key], content[key]!);
  };
  write(UPSTREAM, files);
  write(RENAMED, options.renamed ?? {});
  const run = (args: string[], env: Record<string, string> = {}) => spawnSync('/bin/sh', [join(dir, 'helper.sh'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  const nginxChecks = (): string[] => (existsSync(checked) ? readFileSync(checked, 'utf8').split('\n').filter((l) => l !== '') : []);
  return { file: filesOf(UPSTREAM), renamed: filesOf(RENAMED), run, nginxChecks };
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

  it.each<[string, number, UpstreamFiles]>([
    // The role writes the source earlier in the same run (a first apply, a renamed upstream): render must be decided then.
    ['no source, no live file', 1, {}],
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

  const OLD = { source: SOURCE.replace(UPSTREAM, RENAMED), drained: 'web-01\n', live: SOURCE.replace(UPSTREAM, RENAMED) };

  // The role's render notifies prune when check fails: a renamed upstream's files left fail it, whatever is live.
  // `made`: what else stands at the renamed upstream's source and drained list.
  it.each<[string, UpstreamFiles, UpstreamFiles, 'directories' | 'dangling symlinks' | undefined, number]>([
    ['only this upstream', { source: SOURCE, live: RENDERED[1]![2], drained: 'web-01\n' }, {}, undefined, 0],
    ['a renamed upstream’s source, drained list and live file', { source: SOURCE, live: SOURCE }, OLD, undefined, 1],
    ['a renamed upstream’s live file alone', { source: SOURCE, live: SOURCE }, { live: OLD.live }, undefined, 1],
    ['a renamed upstream’s source alone', { source: SOURCE, live: SOURCE }, { source: OLD.source }, undefined, 1],
    ['a renamed upstream’s drained list alone', { source: SOURCE, live: SOURCE }, { drained: OLD.drained }, undefined, 1],
    ['a renamed upstream’s files, no live file of this one', { source: SOURCE }, OLD, undefined, 1],
    ['directories named like a renamed upstream’s source and drained list (no leftover rm -f removes)', { source: SOURCE, live: SOURCE }, {}, 'directories', 0],
    ['dangling symlinks named like them (leftovers rm -f removes)', { source: SOURCE, live: SOURCE }, {}, 'dangling symlinks', 1],
  ])('check, starting no process, of what a rename left: %s', (_, files, renamed, made, code) => {
    const s = sandbox(files, { renamed });
    for (const path of [s.renamed.source, s.renamed.drained]) {
      if (made === 'directories') mkdirSync(path);
      if (made === 'dangling symlinks') symlinkSync(`${path}.gone`, path);
    }
    const r = s.run(['check', UPSTREAM], { PATH: '/nonexistent' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(code);
    // What check fails on, the role's render and the prune it notifies mend (no loop): check passes after them.
    for (const command of ['render', 'prune']) {
      const mend = s.run([command, UPSTREAM], stubCommands(['systemctl']).env);
      expect(mend.status, mend.stderr).toBe(0);
    }
    expect(s.run(['check', UPSTREAM], { PATH: '/nonexistent' }).status).toBe(0);
  });

  it.each<[string, UpstreamFiles, string[], string[]]>([
    ['its source, drained list and live file: nginx reloaded once', OLD, ['live'], ['[is-active] [--quiet] [nginx]', '[reload] [nginx]']],
    ['its source and drained list, no live file: no reload', { source: OLD.source, drained: OLD.drained }, [], []],
  ])('prune removes a renamed upstream’s files, its live one once nginx -t passes without it, keeps this one’s: %s', (_, renamed, checked, systemctl) => {
    const s = sandbox({ source: SOURCE, live: RENDERED[1]![2], drained: 'web-01\n' }, { renamed });
    const stubs = stubCommands(['systemctl']);
    const r = s.run(['prune', UPSTREAM], stubs.env);
    expect(r.status, r.stderr).toBe(0);
    expect(s.nginxChecks()).toEqual(checked.map(() => `/dev/null ${s.renamed.live}`));
    expect(stubs.calls()).toEqual(systemctl.map((call) => `systemctl ${call}`));
    for (const path of Object.values(s.renamed)) expect(existsSync(path)).toBe(false);
    for (const path of Object.values(s.file)) expect(existsSync(path)).toBe(true);
    expect(s.run(['check', UPSTREAM]).status).toBe(0);
  });

  it('prune leaves a renamed upstream’s live file nginx still needs, and fails', () => {
    const s = sandbox({ source: SOURCE, live: SOURCE }, { renamed: { live: OLD.live }, nginxCheck: 'echo "host not found in upstream" >&2; exit 1' });
    const r = s.run(['prune', UPSTREAM]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('host not found in upstream');
    expect(existsSync(s.renamed.live)).toBe(true);
  });
});
