import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearSecretsForTests, MASK, Secret } from '../../secrets.js';
import { command, type CommandCurrent } from './index.js';
import type { Effects } from '../shared/lookahead.js';
import { insert, sh } from '../../shell/quote.js';
import { ahead, applyLocally, argErrorOf, cleanup, converge, predicted, probeLocally, summaries, tempDir } from '../../../test/support/resources.js';

describe('command.validate', () => {
  it.each([
    ['an unknown key, with a suggestion', { cmd: 'true', creates: '/x', unles: 'true' }, 'unles', /did you mean 'unless'/],
    ['no cmd', { creates: '/x' }, 'cmd', /'cmd' is required/],
    ['a cmd that is a list', { cmd: ['a', 'b'] }, 'cmd', /must be a string, got a list/],
    ['a relative creates', { cmd: 'true', creates: 'x' }, 'creates', /absolute path/],
    ['a relative chdir', { cmd: 'true', chdir: 'x' }, 'chdir', /absolute path/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(command, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });
});

describe('command.parse and diff', () => {
  const desired = command.validate({ cmd: 'make install', creates: '/usr/local/bin/app', unless: 'app --version' });
  it.each<[string, string, CommandCurrent, string[]]>([
    ['no guard passed', '', { created: false, unlessPassed: false }, ['run: make install']],
    ['creates exists', 'created=yes', { created: true, unlessPassed: false }, []],
    ['unless passed', 'unless=passed', { created: false, unlessPassed: true }, []],
  ])('%s', (_, output, current, expected) => {
    expect(command.parse(output, desired)).toEqual(current);
    expect(summaries(command.decide(desired, current).changes)).toEqual(expected);
  });

  it('labels with the first line, shortened, and masks secrets', () => {
    new Secret('pa55word-xyz');
    try {
      const desired = command.validate({ cmd: "mysql -ppa55word-xyz -e 'select 1'\necho done" });
      expect(command.label(desired)).toBe(`mysql -p${MASK} -e 'select 1'…`);
      expect(summaries(command.decide(desired, { created: false, unlessPassed: false }).changes)).toEqual([`run: mysql -p${MASK} -e 'select 1'…`]);
      expect(command.apply(desired, command.decide(desired, { created: false, unlessPassed: false }))).not.toContain('pa55word');
    } finally {
      clearSecretsForTests();
    }
  });
});

describe('command on this machine', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => cleanup(dir));

  it('runs shell text as is in chdir, then creates stops it', () => {
    const chdir = join(dir, "it's here");
    const args = { cmd: 'echo "$PWD" > out; x=$(printf "%s" "a b"); [ "$x" = "a b" ] && touch done', creates: join(chdir, 'done'), chdir };
    mkdirSync(chdir);
    const result = converge(command, args);
    expect(summaries(result.before)).toEqual([`run: ${args.cmd}`]);
    expect(result.applied?.code).toBe(0);
    expect(result.after).toEqual([]);
    expect(readFileSync(join(chdir, 'out'), 'utf8')).toBe(`${chdir}\n`);
  });

  it('runs without set -e, like sh -c, and fails with the last status', () => {
    const desired = command.validate({ cmd: 'false; echo still running; exit 3' });
    const result = applyLocally(command.apply(desired, command.decide(desired, { created: false, unlessPassed: false })));
    expect(result.stdout).toBe('still running\n');
    expect(result.code).toBe(3);
  });

  it('runs unless in the probe, hiding its output', () => {
    const marker = join(dir, 'marker');
    writeFileSync(marker, '');
    const desired = command.validate({ cmd: 'touch x', unless: `echo noise; test -e '${marker}'` });
    expect(probeLocally(command, desired)).toEqual({ created: false, unlessPassed: true });
    expect(probeLocally(command, command.validate({ cmd: 'touch x', unless: 'echo noise; false' }))).toEqual({ created: false, unlessPassed: false });
  });

  it('runs a guard in one subshell, its own (userShell), and in a second only to change directory', () => {
    const subshells = (desired: ReturnType<typeof command.validate>): number => String(command.probe(desired)).split('(').length - 1;
    expect(subshells(command.validate({ cmd: 'x', unless: 'true' }))).toBe(1);
    expect(subshells(command.validate({ cmd: 'x', unless: 'true', chdir: '/tmp' }))).toBe(2);
  });

  it('runs a guard with chdir in that directory, leaving the batch where it was (the probe runs inline)', () => {
    const there = join(dir, 'there');
    mkdirSync(there);
    writeFileSync(join(there, 'marker'), '');
    const desired = command.validate({ cmd: 'x', unless: 'test -e marker', chdir: there });
    expect(probeLocally(command, desired)).toEqual({ created: false, unlessPassed: true });
    const r = applyLocally(sh`cd ${dir}\n${insert(command.probe(desired))}\npwd`);
    expect(r.stdout).toBe(`unless=passed\n${dir}\n`);
    expect(probeLocally(command, command.validate({ cmd: 'x', unless: 'test -e marker', chdir: dir }))).toEqual({ created: false, unlessPassed: false });
  });

  it('carries the text without starting a process: a guard made of builtins passes with no program on PATH', () => {
    const marker = join(dir, 'marker');
    writeFileSync(marker, '');
    const onlySh = join(dir, 'bin');
    mkdirSync(onlySh);
    symlinkSync('/bin/sh', join(onlySh, 'sh'));
    const desired = command.validate({ cmd: 'touch x', unless: `test -e '${marker}'` });
    expect(probeLocally(command, desired, { PATH: onlySh })).toEqual({ created: false, unlessPassed: true });
  });

  it.each([
    ['an unbalanced quote', "echo 'never closed"],
    ['a closing parenthesis and a here-document end', ')\n__PROVISION_EOF__\nprovision_eof\n)'],
    ['exit', 'exit 0'],
  ])('keeps %s inside the guard: the rest of the batch runs', (_, unless) => {
    const desired = command.validate({ cmd: 'true', unless: unless.replace(/\\n/g, '\n'), creates: join(dir, 'absent') });
    const script = sh`${insert(command.probe(desired))}\necho after`;
    const r = applyLocally(script);
    expect(r.stdout).toMatch(/(^|\n)after\n$/);
    expect(r.stdout).toBe(unless === 'exit 0' ? 'unless=passed\nafter\n' : 'after\n');
  });

  it('runs a guard that holds a secret, without the secret in clear in the probe', () => {
    new Secret('pa55word-xyz');
    try {
      const desired = command.validate({ cmd: 'true', unless: "test 'pa55word-xyz' = pa55word-xyz" });
      expect(command.probe(desired)).not.toContain('pa55word');
      expect(probeLocally(command, desired)).toEqual({ created: false, unlessPassed: true });
    } finally {
      clearSecretsForTests();
    }
  });

  it('does not read the rest of the script from stdin', () => {
    const desired = command.validate({ cmd: 'cat' });
    const result = applyLocally(sh`${insert(command.apply(desired, command.decide(desired, { created: false, unlessPassed: false })))}\necho after`);
    expect(result.stdout).toBe('after\n');
  });

  it('skips at apply time when creates appeared since the probe', () => {
    const creates = join(dir, 'made');
    const desired = command.validate({ cmd: `echo ran > '${join(dir, 'ran')}'`, creates });
    const script = command.apply(desired, command.decide(desired, probeLocally(command, desired)));
    writeFileSync(creates, '');
    expect(applyLocally(script)).toEqual({ code: 0, stdout: `skipped: ${creates} exists now\n`, stderr: '', outcome: 'unchanged' });
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it("never lets a guard path escape its quotes", () => {
    const creates = join(dir, "x'; touch pwned; echo '");
    const desired = command.validate({ cmd: 'true', creates, chdir: dir, unless: 'false' });
    probeLocally(command, desired);
    applyLocally(command.apply(desired, command.decide(desired, { created: false, unlessPassed: false })));
    expect(existsSync('pwned')).toBe(false);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });
});

describe('command.predict: whether it runs once earlier changes are applied', () => {
  const run: CommandCurrent = { created: false, unlessPassed: false };
  const pkgFile = (path: string, by: string): Effects => ({ paths: new Map([[path, { kind: 'file', by, attributes: { owner: 'root', group: 'root', mode: '0755' }, size: 1, keepsExisting: false }]]) });
  it.each<[string, Record<string, unknown>, Effects, Effects, string]>([
    ['nothing it names is touched', { cmd: 'do-it', unless: 'test -e /etc/done' }, pkgFile('/usr/bin/nginx', 'package nginx'), {}, 'unaffected'],
    ['an earlier change of the same call creates what `creates` names', { cmd: 'make-cert', creates: '/etc/cert.pem' }, {}, pkgFile('/etc/cert.pem', 'file /etc/cert.pem'), 'known: in state (file /etc/cert.pem creates /etc/cert.pem)'],
    ['a package installs the program the guard runs', { cmd: 'do-it', unless: 'jq -e .ok /etc/x.json' }, pkgFile('/usr/bin/jq', 'package jq'), {}, 'unknown: package jq may change what its unless guard finds: it installs /usr/bin/jq, which the command runs | if the guard passes then: nothing to do | if it fails: run: do-it'],
    ['a command may create what `creates` names', { cmd: 'b', creates: '/opt/x' }, {}, { anything: { by: 'command a', why: 'a command runs earlier in this run' } }, 'unknown: command a may create /opt/x: a command runs earlier in this run | if /opt/x is there then: nothing to do | if it is not: run: b'],
  ])('%s', (_, args, before, atApply, expected) => {
    expect(predicted(command, command.validate(args), run, ahead(before, atApply))).toBe(expected);
  });
});

describe('command effects: what its text names', () => {
  it('paths anywhere in it (a here-document too) as whole directories, accounts it creates, services it acts on', () => {
    const desired = command.validate({ cmd: "installer install <<'EOF'\nprovision.dir=/opt/Collector\nEOF\nuseradd -r svc && systemctl restart svc\nchown root /etc/$name/x", chdir: '/srv' });
    const effects = command.effects!.of([{ desired, current: { created: false, unlessPassed: false } }]);
    expect(effects.trees?.map((t) => t.path)).toEqual(['/opt/Collector', '/etc', '/srv']);
    expect([...(effects.accounts?.keys() ?? [])]).toEqual(['user:svc']);
    expect([...(effects.units?.keys() ?? [])]).toEqual(['svc.service']);
    const later = ahead({}, effects);
    expect(later.atApply.path('/opt/Collector/config/user.properties')).toMatchObject({ kind: 'unknown', why: 'the command names it' });
    expect(later.atApply.path('/var/www/acme')).toBeUndefined();
  });
});
