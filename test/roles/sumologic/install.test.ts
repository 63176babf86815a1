/**
 * templates/sumo-install.sh, the sumologic role's install helper, run on this
 * machine against a stand-in installer (test/fixtures/sumo/installer.sh),
 * with curl and systemctl stubbed: settings on stdin, key never in argv.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stubCommands } from '../../support/resources.js';

const HELPER = 'templates/sumo-install.sh';
const INSTALLER = join(process.cwd(), 'test/fixtures/sumo/installer.sh');
const KEY = 'right-key';

/** Runs the helper in a sandbox: curl "downloads" the stand-in installer, systemctl does nothing. */
function helper(mode: string, settings: Record<string, string>) {
  const stubs = stubCommands(['curl', 'systemctl'], {
    curl: `while [ $# -gt 0 ]; do if [ "$1" = -o ]; then cp '${INSTALLER}' "$2"; fi; shift; done`,
  });
  const dir = join(stubs.dir, 'SumoCollector');
  const input = Object.entries({ 'provision.dir': dir, 'provision.wait': '2', ...settings })
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
  const run = (m: string, text = input, env: Record<string, string> = {}) =>
    spawnSync('sh', [HELPER, m], { input: text, encoding: 'utf8', env: { ...process.env, ...stubs.env, SUMO_TEST_ARGS: join(stubs.dir, 'args'), ...env } });
  const r = run(mode);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, dir, stubs, run };
}

const INSTALL = { 'provision.url': 'http://10.77.0.1:8070/rest/download/linux/64', 'sumo.accessid': 'suLAB', 'collector.name': 'web-01', syncSources: '/etc/sumologic/sources.json' };

describe('sumo-install.sh', () => {
  it.each([
    ['the right key: installed and registered', { 'sumo.accesskey': KEY }, 0, /collector installed in .* and registered/],
    ['a wrong key: refused, removed again', { 'sumo.accesskey': 'wrong-key-123' }, 1, /could not register with Sumo Logic: access id\/key refused by Sumo Logic \(HTTP 401\); check sumo_access_id and sumo_access_key/],
    ['a checksum that does not match', { 'sumo.accesskey': KEY, 'provision.sha256': '0'.repeat(64) }, 1, /does not have the sha256 0{64}/],
    ['the matching checksum', { 'sumo.accesskey': KEY, 'provision.sha256': createHash('sha256').update(readFileSync(INSTALLER)).digest('hex') }, 0, /registered/],
    ['no installer URL', { 'sumo.accesskey': KEY, 'provision.url': '' }, 1, /no installer URL/],
  ])('%s', (_, settings, code, message) => {
    const r = helper('install', { ...INSTALL, ...settings });
    expect(r.code, r.stderr).toBe(code);
    expect(code === 0 ? r.stdout : r.stderr).toMatch(message);
    expect(r.stdout + r.stderr).not.toContain('-key');
  });

  it('passes the settings in a 0600 varfile, never in argv, and removes it', () => {
    const r = helper('install', { ...INSTALL, 'sumo.accesskey': KEY });
    expect(r.code, r.stderr).toBe(0);
    const args = readFileSync(join(r.stubs.dir, 'args'), 'utf8');
    expect(args).toMatch(/^-q\n-console\n-dir\n.*SumoCollector\n-varfile\n.*\/varfile\n$/);
    expect(args).not.toContain(KEY);
    expect(readFileSync(join(r.dir, 'varfile-mode'), 'utf8').trim()).toBe('600');
    expect(readFileSync(join(r.dir, 'config/user.properties'), 'utf8')).toBe(`sumo.accessid=suLAB\ncollector.name=web-01\nsyncSources=/etc/sumologic/sources.json\nsumo.accesskey=${KEY}\n`);
    expect(r.stubs.calls().join('\n')).not.toContain(KEY);
  });

  it('returns only after the collector has removed accesskey from user.properties', () => {
    const r = helper('install', { ...INSTALL, 'sumo.accesskey': KEY });
    const again = r.run('install', `provision.dir=${r.dir}\nprovision.url=http://x/y\nsumo.accesskey=${KEY}\n`, { SUMO_TEST_DELAYED_REMOVAL: '1' });
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(r.dir, 'config/user.properties'), 'utf8')).not.toMatch(/^accesskey=/m);
  });

  it('check: passes only when installed, registered and at the wanted version', () => {
    const r = helper('check', {});
    expect(r.code).toBe(1);
    expect(r.run('install', `provision.dir=${r.dir}\nprovision.url=http://x/y\nprovision.version=19.1\nsumo.accesskey=${KEY}\n`).status).toBe(0);
    const check = (version: string) => r.run('check', `provision.dir=${r.dir}\nprovision.version=${version}\n`).status;
    expect([check('19.1'), check(''), check('19.2')]).toEqual([0, 0, 1]);
  });

  // The installer's own result, as the stand-in writes it.
  const REGISTERED = '{"success": true}';
  const LONG = 'x'.repeat(5000);
  it.each<[string, string, string | undefined, number, string[]]>([
    ['the version file with a final newline', REGISTERED, '19.1\n', 0, []],
    ['the version file with two final newlines', REGISTERED, '19.1\n\n', 0, []],
    ['the version file without its final newline', REGISTERED, '19.1', 0, []],
    ['the version file with another line', REGISTERED, '19.1\nextra\n', 1, []],
    ['the version file with a leading space', REGISTERED, ' 19.1\n', 1, []],
    ['the result {"success": true}', '{"success": true}', undefined, 0, []],
    ['the result with a final newline', '{"success": true}\n', undefined, 0, []],
    ['the result in a CRLF line', '{"success": true}\r\n', undefined, 0, []],
    ['the result in CRLF lines', '{\r\n"success": true\r\n}\r\n', undefined, 0, []],
    ['the result without spaces, more keys after', '{"success":true,"x":1}', undefined, 0, []],
    ['the result on lines, several spaces', '{\n  "code": 200,\n  "success":   true\n}', undefined, 0, []],
    ['"success" as a value before the key', '{"note": "success", "success": true}', undefined, 0, []],
    ['a false success, then a true one on the same line', '{"success": false, "retry": {"success": true}}', undefined, 0, []],
    ['a false success, "true" a value after it', '{"success": false, "message": "true"}', undefined, 1, []],
    ['success the text "true"', '{"success": "true"}', undefined, 1, []],
    ['a tab before true', '{"success":\ttrue}', undefined, 1, []],
    ['an empty result', '', undefined, 1, []],
    // A line no installer writes (a corrupt file): grep reads it, not the shell's quadratic pattern removal.
    ['a line of 5000 characters before a true success', `{"x": "${LONG}", "success": true}\n`, undefined, 0, ['grep']],
    ['a line of 5000 characters before a false success', `{"x": "${LONG}", "success": false}\n`, undefined, 1, ['grep']],
  ])('check reads the installer result and the version file with the shell, making no temporary directory: %s', (_, result, versionFile, code, started) => {
    const r = helper('install', { ...INSTALL, 'sumo.accesskey': KEY });
    expect(r.code, r.stderr).toBe(0);
    // PATH: sh, and a grep that notes each start before it runs the real one.
    const bin = join(r.stubs.dir, 'only-sh');
    const tmp = join(r.stubs.dir, 'tmp');
    const starts = join(r.stubs.dir, 'started');
    mkdirSync(bin);
    mkdirSync(tmp);
    const which = (program: string) => execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim();
    symlinkSync(which('sh'), join(bin, 'sh'));
    writeFileSync(join(bin, 'grep'), `#!${which('sh')}\necho grep >> '${starts}'\nexec '${which('grep')}' "$@"\n`, { mode: 0o755 });
    writeFileSync(join(r.dir, 'config/.installerResult'), result);
    if (versionFile !== undefined) writeFileSync(join(r.dir, 'config/.provision-version'), versionFile);
    const check = r.run('check', `provision.dir=${r.dir}\nprovision.version=${versionFile === undefined ? '' : '19.1'}\n`, { PATH: bin, TMPDIR: tmp });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(code);
    expect(existsSync(starts) ? readFileSync(starts, 'utf8').split('\n').filter((l) => l !== '') : []).toEqual(started);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('install over an unregistered collector uninstalls it first; remove cleans up', () => {
    const r = helper('install', { ...INSTALL, 'sumo.accesskey': 'wrong-key-123' });
    expect(r.code).toBe(1);
    expect(existsSync(r.dir)).toBe(false);
    expect(readFileSync(join(r.stubs.dir, 'uninstalled'), 'utf8')).toBe('-q\n');
    expect(r.run('install', `provision.dir=${r.dir}\nprovision.url=http://x/y\nsumo.accesskey=${KEY}\n`).status).toBe(0);
    expect(r.run('remove', `provision.dir=${r.dir}\n`).status).toBe(0);
    expect(existsSync(r.dir)).toBe(false);
    expect(r.stubs.calls()).toContain('systemctl [disable] [--now] [collector]');
  });

  it.each([
    ['an empty directory', [] as string[], true],
    ["what a failed install left (install4j's folder)", ['.install4j/response.varfile'], true],
    ['what a failed install left (its settings)', ['config/user.properties'], true],
    ["another program's files", ['data/important.db', 'config/app.yaml'], false],
  ])('install and remove replace %s only when it is a collector\'s', (_, files, removable) => {
    for (const mode of ['install', 'remove']) {
      const r = helper('check', {});
      for (const file of files) {
        mkdirSync(join(r.dir, file, '..'), { recursive: true });
        writeFileSync(join(r.dir, file), 'kept?');
      }
      mkdirSync(r.dir, { recursive: true });
      const run = r.run(mode, `provision.dir=${r.dir}\nprovision.url=http://x/y\nsumo.accesskey=${KEY}\n`);
      // A file still holding what the test wrote was not removed (install writes a user.properties of its own).
      const kept = files.filter((f) => existsSync(join(r.dir, f)) && readFileSync(join(r.dir, f), 'utf8') === 'kept?');
      if (removable) {
        expect(run.status, run.stderr).toBe(0);
        expect(kept).toEqual([]);
      } else {
        expect(run.status).toBe(1);
        expect(run.stderr).toContain('holds files but no Sumo Logic collector');
        expect(kept).toEqual(files);
      }
    }
  });
});
