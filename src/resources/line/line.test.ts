import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearSecretsForTests, MASK, Secret } from '../../secrets.js';
import { line, literalRegexp, type LineAction, type LineCurrent, type LineDesired } from './index.js';
import type { Effects } from '../shared/lookahead.js';
import { ahead, applyLocally, argErrorOf, cleanup, converge, countedCommands, predicted, probeLocally, probeManyLocally, summaries, tempDir } from '../../../test/support/resources.js';

describe('line.validate', () => {
  it.each([
    ['an unknown key, with a suggestion', { path: '/etc/x', line: 'a', regex: 'a' }, 'regex', /did you mean 'regexp'/],
    ['a relative path', { path: 'x', line: 'a' }, 'path', /absolute path/],
    ['no line when present', { path: '/etc/x', regexp: '^a' }, 'line', /'line' is required/],
    ['neither line nor regexp when absent', { path: '/etc/x', state: 'absent' }, 'line', /'line' is required/],
    ['a line with a newline', { path: '/etc/x', line: 'a\nb' }, 'line', /single line/],
    ['a line with a carriage return (a properties file reads a second entry)', { path: '/etc/x', line: 'name=a\rsyncSources=/tmp/x.json' }, 'line', /single line \(it contains a carriage return\)/],
    ['a regexp with a newline', { path: '/etc/x', line: 'a', regexp: '^a\n' }, 'regexp', /single line \(it contains a newline\)/],
    ['a regexp with a carriage return', { path: '/etc/x', line: 'a', regexp: '^a\r' }, 'regexp', /single line \(it contains a carriage return\)/],
    ['create that is not a boolean', { path: '/etc/x', line: 'a', create: 'maybe' }, 'create', /true or false/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(line, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });

  it('accepts absent with only a regexp', () => {
    expect(line.validate({ path: '/etc/x', state: 'absent', regexp: '^#' })).toEqual({
      path: '/etc/x',
      state: 'absent',
      line: undefined,
      regexp: '^#',
      create: false,
      sensitive: false,
    });
  });
});

describe('line.parse: probe output → state', () => {
  const desired = line.validate({ path: '/etc/x', line: 'a' });
  const b64 = (text: string): string => Buffer.from(text).toString('base64');
  const sha = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');
  it.each<[string, string, LineCurrent]>([
    ['no file', 'kind=missing', { kind: 'missing' }],
    ['not a regular file', 'kind=notfile', { kind: 'notfile' }],
    ['a file, with the lines the regexp matches', `kind=file\ncontent=${b64('a\nport 22\n')}\nread=0\n2:port 22\ngrep=0`, { kind: 'file', sha256: sha('a\nport 22\n'), lines: ['a', 'port 22'], matches: [2], badRegexp: false }],
    ['a last line without its newline', `kind=file\ncontent=${b64('a\nb')}\nread=0`, { kind: 'file', sha256: sha('a\nb'), lines: ['a', 'b'], matches: [], badRegexp: false }],
    ['an empty file', 'kind=file\ncontent=\nread=0', { kind: 'file', sha256: sha(''), lines: [], matches: [], badRegexp: false }],
    ['matching lines that look like other fields', `kind=file\ncontent=${b64('kind=missing\n7:x\ngrep=2\n')}\nread=0\n1:kind=missing\n2:7:x\n3:grep=2\ngrep=0`, { kind: 'file', sha256: sha('kind=missing\n7:x\ngrep=2\n'), lines: ['kind=missing', '7:x', 'grep=2'], matches: [1, 2, 3], badRegexp: false }],
    ['no line matching', `kind=file\ncontent=${b64('a\n')}\nread=0\ngrep=1`, { kind: 'file', sha256: sha('a\n'), lines: ['a'], matches: [], badRegexp: false }],
    ['a bad regexp (grep exits 2)', `kind=file\ncontent=${b64('a\n')}\nread=0\ngrep=2`, { kind: 'file', sha256: sha('a\n'), lines: ['a'], matches: [], badRegexp: true }],
    ['a file base64 could not read: no hash, and grep failing on it says nothing of the regexp', 'kind=file\ncontent=\nread=2\ngrep=2', { kind: 'file', sha256: '', lines: [], matches: [], badRegexp: false }],
  ])('%s', (_, output, expected) => {
    expect(line.parse(output, desired)).toEqual(expected);
  });

  it.each<[string, string, string, number[]]>([
    ['at the start', '^x=', 'x=1\n x=2\ny=x=3\nx=4', [1, 4]],
    ['at the end', '=1$', 'x=1\nx=1 \n=1', [1, 3]],
    ['the whole line', '^x=1$', 'x=1\nx=12\n x=1\nx=1', [1, 4]],
    ['anywhere', 'b c', 'ab cd\nb  c\nb c', [1, 3]],
    ['an empty line', '^$', 'a\n\nb\n', [2]],
    ['every line', '^', 'a\n\nb', [1, 2, 3]],
    ['lines that look like grep output and other fields: only the content counts', '^kind', 'kind=missing\n7:x\ngrep=2\n', [1]],
  ])('a regexp that is plain text (%s) is matched in the content read, grep not asked', (_, regexp, content, matches) => {
    const output = `kind=file\ncontent=${b64(content)}\nread=0\n2:faked\ngrep=2`;
    expect(line.parse(output, line.validate({ path: '/etc/x', line: 'a', regexp }))).toMatchObject({ kind: 'file', matches, badRegexp: false });
  });

  it('hashes the bytes read, not their text: content that is not UTF-8 keeps its own sha256', () => {
    const bytes = Buffer.from([0xff, 0x00, 0x0a, 0xc3]);
    expect(line.parse(`kind=file\ncontent=${bytes.toString('base64')}\nread=0`, desired)).toMatchObject({ sha256: sha(bytes) });
  });

  it('fails on output without a kind', () => {
    expect(() => line.parse('garbage', desired)).toThrow(/no known kind/);
  });
});

describe('literalRegexp: a regexp written as plain text', () => {
  it.each<[string, ReturnType<typeof literalRegexp>]>([
    ['^LANG=', { text: 'LANG=', start: true, end: false }],
    ['^syncSources=', { text: 'syncSources=', start: true, end: false }],
    ['x = 1$', { text: 'x = 1', start: false, end: true }],
    ['^a b$', { text: 'a b', start: true, end: true }],
    ['', { text: '', start: false, end: false }],
    ['$', { text: '', start: false, end: true }],
    ['a-b_c/d:e,f@g"h\'i', { text: 'a-b_c/d:e,f@g"h\'i', start: false, end: false }],
  ])('%j is plain text', (regexp, expected) => {
    expect(literalRegexp(regexp)).toEqual(expected);
  });

  it.each([['^#?Port '], ['a.b'], ['a[b]'], ['(a)'], ['a*'], ['a+'], ['a{2}'], ['a|b'], ['a\\.b'], ['^^a'], ['a$b'], ['a\tb'], ['é'], ['a['], ['\\$']])('%j is not', (regexp) => {
    expect(literalRegexp(regexp)).toBeUndefined();
  });
});

describe('line.decide: desired + state → changes', () => {
  const present = line.validate({ path: '/etc/ssh/sshd_config', line: 'Port 2222', regexp: '^#?Port ' });
  const absent = line.validate({ path: '/etc/ssh/sshd_config', state: 'absent', regexp: '^Port ' });
  const exact = line.validate({ path: '/etc/x', state: 'absent', line: 'a' });
  const creating = line.validate({ path: '/etc/x', line: 'a', create: true });
  const file = (lines: string[], matches: number[] = []): LineCurrent => ({ kind: 'file', sha256: 'ab', lines, matches, badRegexp: false });
  it.each<[string, LineDesired, LineCurrent, LineAction, string[], string | undefined]>([
    ['in state', present, file(['a', 'Port 2222'], [2]), { kind: 'ok' }, [], undefined],
    ['the line there, the regexp matching nothing', present, file(['Port 2222']), { kind: 'ok' }, [], undefined],
    ['a replacement of the last match', present, file(['#Port 22', 'x', '#Port 23'], [1, 3]), { kind: 'replace', lineNumber: 3 }, ['line 3 replaced'], '--- /etc/ssh/sshd_config\n+++ /etc/ssh/sshd_config\n-#Port 23\n+Port 2222\n'],
    ['an append', present, file(['a']), { kind: 'append' }, ['line appended'], '--- /etc/ssh/sshd_config\n+++ /etc/ssh/sshd_config\n+Port 2222\n'],
    ['removals by regexp', absent, file(['x', 'Port 22', 'y', 'Port 23'], [2, 4]), { kind: 'remove', lineNumbers: [2, 4] }, ['lines 2, 4 removed'], '--- /etc/ssh/sshd_config\n+++ /etc/ssh/sshd_config\n-Port 22\n-Port 23\n'],
    ['removals of an exact line', exact, file(['a', 'b', 'a']), { kind: 'remove', lineNumbers: [1, 3] }, ['lines 1, 3 removed'], '--- /etc/x\n+++ /etc/x\n-a\n-a\n'],
    ['nothing to remove', absent, file(['x']), { kind: 'ok' }, [], undefined],
    ['a missing file, removing', absent, { kind: 'missing' }, { kind: 'ok' }, [], undefined],
    ['a missing file, creating', creating, { kind: 'missing' }, { kind: 'create' }, ['absent → file with the line'], '--- /etc/x\n+++ /etc/x\n+a\n'],
    ['a missing file, not creating', present, { kind: 'missing' }, { kind: 'fail', reason: '/etc/ssh/sshd_config does not exist (set create: true to create it)' }, ['file does not exist and create is false (apply will fail unless it appears first)'], undefined],
    ['not a file', present, { kind: 'notfile' }, { kind: 'fail', reason: '/etc/ssh/sshd_config is not a regular file' }, ['not a regular file (apply will fail)'], undefined],
    ['a bad regexp', present, { kind: 'file', sha256: 'ab', lines: [], matches: [], badRegexp: true }, { kind: 'fail', reason: 'regexp is not a valid grep -E expression: ^#?Port ' }, ['regexp is not a valid grep -E expression (apply will fail)'], undefined],
  ])('%s', (_, desired, current, action, expected, diffText) => {
    const decision = line.decide(desired, current);
    expect(decision.action).toEqual(action);
    expect(summaries(decision.changes)).toEqual(expected);
    expect(decision.changes[0]?.diff).toBe(diffText);
  });

  it('masks the value of a removed line that assigns a credential, even when no secret is known', () => {
    const desired = line.validate({ path: '/etc/app.conf', state: 'absent', regexp: '^(db_password|mode)' });
    const [change] = line.decide(desired, { kind: 'file', sha256: 'ab', lines: ['db_password = old-value', 'mode = fast'], matches: [1, 2], badRegexp: false }).changes;
    expect(change?.diff).toBe(`--- /etc/app.conf\n+++ /etc/app.conf\n-db_password = ${MASK}\n-mode = fast\n`);
  });

  it('masks a secret line and the line it replaces', () => {
    new Secret('s3cret-value');
    try {
      const desired = line.validate({ path: '/etc/app.conf', line: 'password = s3cret-value', regexp: '^password' });
      const [change] = line.decide(desired, { kind: 'file', sha256: 'ab', lines: ['x', 'password = old-value'], matches: [2], badRegexp: false }).changes;
      expect(change?.diff).toBe(`--- /etc/app.conf\n+++ /etc/app.conf\n-${MASK}\n+password = ${MASK}\n`);
    } finally {
      clearSecretsForTests();
    }
  });
});

describe('line on this machine (probe → diff → apply → probe)', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => cleanup(dir));

  const tricky = `it's "x" $(touch ${'/tmp/pwned'}) \`id\` '; rm -rf / # \\n %s`;

  it.each([
    ['replaces the last matching line', 'a\n#Port 22\nb\n#Port 23\nc\n', { line: 'Port 2222', regexp: '^#?Port ' }, 'a\n#Port 22\nb\nPort 2222\nc\n', ['line 4 replaced']],
    ['appends when nothing matches', 'a\nb\n', { line: 'Port 2222', regexp: '^#?Port ' }, 'a\nb\nPort 2222\n', ['line appended']],
    ['appends after a last line without newline', 'a\nb', { line: 'c' }, 'a\nb\nc\n', ['line appended']],
    ['leaves a file that has the line', 'a\nc\nb\n', { line: 'c' }, 'a\nc\nb\n', []],
    ['leaves an exact line that the regexp does not match', 'a\nPort 2222\n', { line: 'Port 2222', regexp: '^#Port' }, 'a\nPort 2222\n', []],
    ['writes a line full of shell syntax as is', 'a\n', { line: tricky, regexp: '^it' }, `a\n${tricky}\n`, ['line appended']],
    ['treats the line literally, not as a pattern', 'a.b\n', { line: 'a*b' }, 'a.b\na*b\n', ['line appended']],
    ['removes every matching line', 'x=1\nkeep\nx=2\n', { state: 'absent', regexp: '^x=' }, 'keep\n', ['lines 1, 3 removed']],
    ['removes an exact line', 'a\nb\na\n', { state: 'absent', line: 'a' }, 'b\n', ['lines 1, 3 removed']],
    ['removes the only line, leaving an empty file', 'a\n', { state: 'absent', line: 'a' }, '', ['line 1 removed']],
  ])('%s', (_, before, args, after, expected) => {
    const path = join(dir, "my '; rm -rf x # file.conf");
    writeFileSync(path, before);
    chmodSync(path, 0o640);
    const result = converge(line, { path, ...args });
    expect(summaries(result.before)).toEqual(expected);
    expect(result.applied?.stderr ?? '').toBe('');
    expect(result.after).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(after);
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it('creates a missing file that will hold a secret 0600, from the first byte', () => {
    new Secret('line-secret-1');
    try {
      const path = join(dir, 'secret.conf');
      expect(converge(line, { path, line: 'token=line-secret-1', create: true }).after).toEqual([]);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      clearSecretsForTests();
    }
  });

  it('creates a missing file when asked', () => {
    const path = join(dir, 'new.conf');
    const result = converge(line, { path, line: 'a', create: true });
    expect(result.after).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe('a\n');
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  it('fails on a missing file without create; once it appeared after the probe, apply leaves it to be decided again', () => {
    const path = join(dir, 'later.conf');
    const desired = line.validate({ path, line: 'a' });
    const script = line.apply(desired, line.decide(desired, probeLocally(line, desired)));
    expect(applyLocally(script).stderr).toBe(`provision: ${path} does not exist (set create: true to create it)\n`);
    writeFileSync(path, 'installed by a package\n');
    expect(applyLocally(script)).toEqual({ code: 0, stdout: `${path} changed since it was probed: decided again\n`, stderr: '', outcome: 'stale' });
    expect(converge(line, { path, line: 'a' }).after).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe('installed by a package\na\n');
  });

  it('does not overwrite a file that changed since the probe: it says so, changing nothing', () => {
    const path = join(dir, 'busy.conf');
    writeFileSync(path, 'name=old\n');
    const desired = line.validate({ path, line: 'name=web-01', regexp: '^name=' });
    const script = line.apply(desired, line.decide(desired, probeLocally(line, desired)));
    writeFileSync(path, 'name=old\nsyncSources=/x\n');
    const applied = applyLocally(script);
    expect(applied.stdout).toMatch(/decided again\n$/);
    expect(applied.outcome).toBe('stale');
    expect(readFileSync(path, 'utf8')).toBe('name=old\nsyncSources=/x\n');
    expect(converge(line, { path, line: 'name=web-01', regexp: '^name=' }).before.map((c) => c.summary)).toEqual(['line 1 replaced']);
    expect(readFileSync(path, 'utf8')).toBe('name=web-01\nsyncSources=/x\n');
  });

  it('fails on a bad regexp and on a directory', () => {
    const path = join(dir, 'x.conf');
    writeFileSync(path, 'a\n');
    const bad = line.validate({ path, line: 'a', regexp: 'a[' });
    expect(summaries(line.decide(bad, probeLocally(line, bad)).changes)).toEqual(['regexp is not a valid grep -E expression (apply will fail)']);
    expect(applyLocally(line.apply(bad, line.decide(bad, probeLocally(line, bad)))).stderr).toMatch(/not a valid grep -E expression/);
    mkdirSync(join(dir, 'd'));
    const onDir = line.validate({ path: join(dir, 'd'), line: 'a' });
    expect(applyLocally(line.apply(onDir, line.decide(onDir, probeLocally(line, onDir)))).stderr).toMatch(/is not a regular file/);
  });

  it('removing from a missing file changes nothing', () => {
    const result = converge(line, { path: join(dir, 'none'), state: 'absent', line: 'a' });
    expect(result.before).toEqual([]);
    expect(existsSync(join(dir, 'none'))).toBe(false);
  });

  it('starts a base64 per file it reads (once for declarations in a row on the same file) and a grep per regexp that is not plain text, and reads several lines in one section as one probe each would', () => {
    const hostile = join(dir, "a 'b'\n$(x) `y` *");
    writeFileSync(hostile, 'x=1\n5:x=2\nx=3');
    writeFileSync(join(dir, 'plain'), 'a\n');
    mkdirSync(join(dir, 'd'));
    const items = [
      line.validate({ path: hostile, line: 'x=9', regexp: '^x=' }),
      line.validate({ path: join(dir, 'plain'), line: 'a' }),
      line.validate({ path: join(dir, 'plain'), line: 'a', regexp: 'a[' }),
      line.validate({ path: join(dir, 'none'), line: 'a' }),
      line.validate({ path: join(dir, 'd'), line: 'a' }),
    ];
    const stubs = countedCommands(['base64', 'grep', 'sha256sum', 'cut', 'tr']);
    const many = probeManyLocally(line, items, stubs.env);
    // A call's log line breaks where the hostile path does: only lines that start with a program's name count.
    // '^x=' is plain text: parse finds its lines; 'a[' is grep's to judge.
    expect(stubs.calls().flatMap((c) => /^[a-z0-9]+ \[/.exec(c) ?? []).map((c) => c.slice(0, -2))).toEqual(['base64', 'base64', 'grep']);
    expect(many).toEqual(items.map((item) => probeLocally(line, item)));
    expect(many.map((c) => (c.kind === 'file' ? [c.matches, c.badRegexp] : c.kind))).toEqual([[[1, 3], false], [[], false], [[], true], 'missing', 'notfile']);
  });

  it('a plain-text regexp matches the lines grep -E matches, whatever the bytes around it', () => {
    const path = join(dir, 'mixed');
    const content = Buffer.concat([Buffer.from('LANG=C\n LANG=x\nxLANG=\n'), Buffer.from([0xff, 0xc3, 0x4c, 0x41, 0x4e, 0x47, 0x3d, 0x00, 0x0a]), Buffer.from('LANG=\xe9\r\n\nLANG=last')]);
    writeFileSync(path, content);
    for (const regexp of ['^LANG=', 'LANG=', '=x$', '^$', '^LANG=last$', 'G=', '$']) {
      const probed = probeLocally(line, line.validate({ path, line: 'a', regexp }));
      let grep = '';
      try {
        grep = execFileSync('grep', ['-a', '-n', '-E', '-e', regexp, '--', path], { encoding: 'latin1' });
      } catch {
        grep = '';
      }
      const expected = grep.split('\n').flatMap((l) => (/^[0-9]+:/.exec(l) ? [Number(l.split(':')[0])] : []));
      expect(probed, regexp).toMatchObject({ kind: 'file', matches: expected });
    }
  });

  it('holds a file in the shell only for declarations in a row on it; a file read once is streamed (a large file is not held several times over)', () => {
    const held = (paths: string[]): boolean => String(line.probeMany!(paths.map((path) => line.validate({ path, line: 'a' })), 'SEP')).includes('provision_b64=$(');
    expect(held(['/etc/a', '/etc/b'])).toBe(false);
    expect(held(['/etc/a', '/etc/a'])).toBe(true);
    expect(held(['/etc/a'])).toBe(false);
  });

  it('hashes what apply checks: binary content without a last newline, an empty file are not taken for changed', () => {
    const binary = (first: string): Buffer => Buffer.concat([Buffer.from(`${first}\n`), Buffer.from([0xff, 0x00, 0xc3, 0x0a]), Buffer.from('tail')]);
    const cases = [
      ['binary', binary('key=1'), binary('key=2')],
      ['empty', Buffer.alloc(0), Buffer.from('key=2\n')],
    ] as const;
    for (const [name, before, after] of cases) {
      const path = join(dir, name);
      writeFileSync(path, before);
      const desired = line.validate({ path, line: 'key=2', regexp: '^key=' });
      const current = probeLocally(line, desired);
      expect(current).toMatchObject({ kind: 'file', sha256: execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0] });
      const applied = applyLocally(line.apply(desired, line.decide(desired, current)));
      expect(applied).toMatchObject({ code: 0, stderr: '' });
      expect(applied.outcome).toBeUndefined();
      expect(readFileSync(path)).toEqual(after);
      expect(line.decide(desired, probeLocally(line, desired)).changes).toEqual([]);
    }
  });
});

describe('line.predict: decided again when apply reaches it', () => {
  const want = line.validate({ path: '/opt/c/user.properties', line: 'name=web-01', regexp: '^name=' });
  const missing: LineCurrent = { kind: 'missing' };
  const command: Effects = { anything: { by: 'command /usr/local/sbin/provision-sumo-install…', why: 'a command runs earlier in this run' } };
  it.each<[string, Effects, Effects, string]>([
    ['nothing touches the file', {}, {}, 'unaffected'],
    [
      'a command earlier in the same apply call may write it',
      {},
      command,
      'unknown: command /usr/local/sbin/provision-sumo-install… may change /opt/c/user.properties: a command runs earlier in this run; the line is checked when apply reaches it | if the line is there: nothing to do | if a line matches the regexp: that line replaced | if the file is not there: apply fails (create is false)',
    ],
    ['a file resource removes it first', {}, { paths: new Map([['/opt/c/user.properties', { kind: 'absent', by: 'file /opt/c/user.properties' }]]) }, 'known: file does not exist and create is false (apply will fail unless it appears first) (file /opt/c/user.properties removes it)'],
  ])('%s', (_, before, atApply, expected) => {
    expect(predicted(line, want, missing, ahead(before, atApply))).toBe(expected);
  });
});
