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

  it('check: reads the version file as a whole and starts no program but grep, making no temporary directory', () => {
    const r = helper('install', { ...INSTALL, 'sumo.accesskey': KEY });
    expect(r.code, r.stderr).toBe(0);
    const bin = join(r.stubs.dir, 'only-grep');
    const tmp = join(r.stubs.dir, 'tmp');
    mkdirSync(bin);
    mkdirSync(tmp);
    for (const program of ['sh', 'grep']) symlinkSync(execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim(), join(bin, program));
    const check = (version: string) => r.run('check', `provision.dir=${r.dir}\nprovision.version=${version}\n`, { PATH: bin, TMPDIR: tmp }).status;
    const versionFile = join(r.dir, 'config/.provision-version');
    const checks = (['19.1\n', '19.1\n\n', '19.1', '19.1\nextra\n', ' 19.1\n'] as const).map((content) => {
      writeFileSync(versionFile, content);
      return check('19.1');
    });
    expect(checks).toEqual([0, 0, 0, 1, 1]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it.each([
    ['{"success": true}', 0],
    ['{"success":true,"x":1}', 0],
    ['{\n  "code": 200,\n  "success":   true\n}', 0],
    ['{"note": "success", "success": true}', 0],
    ['{"success": false, "message": "true"}', 1],
    ['{"success": "true"}', 1],
    ['{"success":\ttrue}', 1],
    ['', 1],
  ])('check reads the installer result %j with the shell alone (no program but sh found) → exit %d', (text, code) => {
    const r = helper('install', { ...INSTALL, 'sumo.accesskey': KEY });
    expect(r.code, r.stderr).toBe(0);
    const bin = join(r.stubs.dir, 'only-sh');
    mkdirSync(bin);
    symlinkSync(execFileSync('sh', ['-c', 'command -v sh'], { encoding: 'utf8' }).trim(), join(bin, 'sh'));
    writeFileSync(join(r.dir, 'config/.installerResult'), text);
    const check = r.run('check', `provision.dir=${r.dir}\n`, { PATH: bin });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(code);
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
