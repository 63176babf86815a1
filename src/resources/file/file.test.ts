import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearSecretsForTests, MASK, Secret } from '../../secrets.js';
import { file, type FileCurrent, type FileDesired } from './index.js';
import { ABSENT, type PathState } from '../shared/path-state.js';
import type { Effects, PathOutlook } from '../shared/lookahead.js';
import { ahead, applyLocally, argErrorOf, cleanup, converge, fileInPlace, predicted, probeLocally, probeManyLocally, stubCommands, summaries, tempDir } from '../../../test/support/resources.js';

const me = userInfo().username;
const myGroup = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();

function regular(overrides: Partial<PathState> = {}): PathState {
  return { type: 'file', mode: '0644', owner: 'root', uid: '0', group: 'root', gid: '0', size: 4, ...overrides };
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('file.validate', () => {
  it.each([
    ['an unknown key, with a suggestion', { path: '/etc/motd', contnet: 'x' }, 'contnet', /unknown key 'contnet'; did you mean 'content'/],
    ['a relative path', { path: 'etc/motd', content: 'x' }, 'path', /absolute path/],
    ['a path ending in /', { path: '/etc/', content: 'x' }, 'path', /must name a file/],
    ['no content', { path: '/etc/motd' }, 'content', /'content' \(or 'template'\) is required/],
    ['content that is a list', { path: '/etc/motd', content: ['a'] }, 'content', /must be a string, got a list/],
    ['a bad mode', { path: '/etc/motd', content: 'x', mode: 'rw-r--r--' }, 'mode', /octal mode/],
    ['a validator without %s', { path: '/etc/motd', content: 'x', validate: 'nginx -t' }, 'validate', /must contain %s/],
    ['an unknown state', { path: '/etc/motd', state: 'gone' }, 'state', /one of present, absent/],
    ['content with state absent', { path: '/etc/motd', state: 'absent', content: 'x' }, 'content', /unknown key 'content'/],
    ['an owner that is a mapping', { path: '/etc/motd', content: 'x', owner: { a: 1 } }, 'owner', /must be a string, got a mapping/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(file, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });

  it('normalises mode, hashes content and accepts empty content', () => {
    expect(file.validate({ path: '/etc/motd', content: '', mode: 640 })).toEqual({
      path: '/etc/motd',
      state: 'present',
      content: '',
      sha256: sha(''),
      attributes: { owner: undefined, group: undefined, mode: '0640' },
      validate: undefined,
      sensitive: false,
    });
  });

  it('marks content holding a secret as sensitive', () => {
    new Secret('hunter2-password');
    try {
      expect(file.validate({ path: '/etc/app.env', content: 'PASSWORD=hunter2-password\n' })).toMatchObject({ sensitive: true });
      // In a JSON file, in a quoted option-file value: the escaped forms count too.
      new Secret('json"pass\\word');
      expect(file.validate({ path: '/etc/x.json', content: `{"key": ${JSON.stringify('json"pass\\word')}}\n` })).toMatchObject({ sensitive: true });
      expect(file.validate({ path: '/etc/x.cnf', content: 'password="json\\"pass\\\\word"\n' })).toMatchObject({ sensitive: true });
    } finally {
      clearSecretsForTests();
    }
  });
});

describe('file.resolve: a template becomes the content, rendered on the control node', () => {
  const control = {
    template: (name: string, key: string) => `rendered ${name} (${key})\n`,
    controlPath: (path: string) => path,
    host: { name: 'web-01', address: '10.0.0.1' },
    controlStateDir: '/nonexistent',
  };

  it('replaces template with the rendered text, and leaves other arguments as they are', () => {
    expect(file.resolve!({ path: '/etc/motd', template: 'motd.hbs', mode: '0644' }, control)).toEqual({ path: '/etc/motd', content: 'rendered motd.hbs (template)\n', mode: '0644' });
    const inline = { path: '/etc/motd', content: 'hi\n' };
    expect(file.resolve!(inline, control)).toBe(inline);
  });

  it('leaves a template that is not a name to validate, which refuses the key', () => {
    const args = file.resolve!({ path: '/etc/motd', template: 7 }, control);
    expect(argErrorOf(file, args).key).toBe('template');
  });
});

describe('file.parse', () => {
  const desired = file.validate({ path: '/etc/motd', content: 'new\n' });
  it.each<[string, string, FileCurrent]>([
    ['nothing there', 'type=absent', { stat: ABSENT, sha256: undefined, content: undefined }],
    [
      'a file with different content',
      `type=regular file\nmode=640\nowner=root\nuid=0\ngroup=adm\ngid=4\nsize=4\nsha256=${sha('old\n')}\ncontent=${Buffer.from('old\n').toString('base64')}`,
      { stat: regular({ mode: '0640', group: 'adm', gid: '4' }), sha256: sha('old\n'), content: 'old\n' },
    ],
    ['a symlink', 'type=symbolic link\nmode=777\nowner=root\nuid=0\ngroup=root\ngid=0\nsize=9', { stat: regular({ type: 'link', mode: '0777', size: 9 }), sha256: undefined, content: undefined }],
  ])('%s', (_, output, expected) => {
    expect(file.parse(output, desired)).toEqual(expected);
  });
});

describe('file.diff', () => {
  const present = (args: Record<string, unknown> = {}): FileDesired => file.validate({ path: '/etc/motd', content: 'new\n', ...args });
  it.each<[string, FileDesired, FileCurrent, string[]]>([
    ['in state', present(), { stat: regular(), sha256: sha('new\n') }, []],
    ['in state, owner and group given as numbers', present({ owner: 0, group: '0', mode: '0644' }), { stat: regular(), sha256: sha('new\n') }, []],
    ['a new file', present({ mode: '0600', owner: 'www-data' }), { stat: ABSENT }, ['absent → file /etc/motd (4 bytes, 1 line, www-data:root 0600)']],
    ['only the mode', present({ mode: '0600' }), { stat: regular(), sha256: sha('new\n') }, ['mode 0644 → 0600']],
    ['owner and group', present({ owner: 'www-data', group: 'www-data' }), { stat: regular(), sha256: sha('new\n') }, ['owner root → www-data', 'group root → www-data']],
    ['content and mode', present({ mode: '0600' }), { stat: regular(), sha256: sha('old\n'), content: 'old\n' }, ['content changed', 'mode 0644 → 0600']],
    ['content too large to show', present(), { stat: regular({ size: 100_000 }), sha256: sha('big') }, ['content changed (100000 → 4 bytes; too large to show)']],
    ['a symlink in the way', present(), { stat: regular({ type: 'link' }) }, ['symlink → file /etc/motd (4 bytes, 1 line)']],
    ['a directory in the way', present(), { stat: regular({ type: 'directory' }) }, ['/etc/motd is a directory; the file resource neither replaces nor removes directories (apply will fail)']],
    ['removal', file.validate({ path: '/etc/motd', state: 'absent' }), { stat: regular() }, ['file → absent']],
    ['removal, already absent', file.validate({ path: '/etc/motd', state: 'absent' }), { stat: ABSENT }, []],
  ])('%s', (_, desired, current, expected) => {
    expect(summaries(file.decide(desired, current).changes)).toEqual(expected);
  });

  it('shows a unified diff with 3 lines of context', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\n';
    const [change] = file.decide(present({ content: 'a\nb\nc\nd\nE\nf\ng\n' }), { stat: regular(), sha256: sha(before), content: before }).changes;
    expect(change?.diff).toBe('--- /etc/motd\n+++ /etc/motd\n@@ -2,6 +2,6 @@\n b\n c\n d\n-e\n+E\n f\n g\n');
  });

  it('shows a new file as added lines from /dev/null', () => {
    const [change] = file.decide(present(), { stat: ABSENT }).changes;
    expect(change?.diff).toBe('--- /dev/null\n+++ /etc/motd\n@@ -0,0 +1,1 @@\n+new\n');
  });

  it('masks a secret that spans several lines, like a private key', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\nhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    new Secret(key);
    try {
      const desired = present({ content: `# key\n${key}\n` });
      expect(desired).toMatchObject({ sensitive: true });
      const [change] = file.decide(desired, { stat: ABSENT }).changes;
      expect(change?.diff).toBe(`--- /dev/null\n+++ /etc/motd\n@@ -0,0 +1,2 @@\n+# key\n+${MASK}\n`);
    } finally {
      clearSecretsForTests();
    }
  });

  it('masks secrets, and every removed line of a file that holds one', () => {
    new Secret('new-db-password');
    try {
      const desired = present({ content: 'user=app\npassword=new-db-password\n' });
      const before = 'user=app\npassword=old-db-password\n';
      const [change] = file.decide(desired, { stat: regular(), sha256: sha(before), content: before }).changes;
      expect(change?.diff).not.toContain('db-password');
      expect(change?.diff).toContain(`-${MASK}\n+password=${MASK}`);
    } finally {
      clearSecretsForTests();
    }
  });
});

describe('file.toggles: whether the change makes a line equal to a text appear in or vanish from the file in place (warn: toggles)', () => {
  const needle = 'ssl_certificate /c;';
  const tls = 'listen 443 ssl;\n    ssl_certificate /c;\n';
  const plain = 'listen 80;\n';
  // The needle inside another line (a value rendered into it) is no line of its own.
  const plainNamingIt = 'listen 80;\n# ssl_certificate /c; is elsewhere\nroot /srv/ssl_certificate /c;;\n';
  const site = (content: string): FileDesired => file.validate({ path: '/etc/nginx/site.conf', content });
  it.each<[string, FileDesired, FileCurrent, boolean]>([
    ['the line appears (plain → TLS; indented, compared trimmed)', site(tls), fileInPlace(plain), true],
    ['the line vanishes (TLS → plain)', site(plain), fileInPlace(tls), true],
    ['the line appears where other lines already held the text', site(`${plainNamingIt}${tls}`), fileInPlace(plainNamingIt), true],
    ['the line vanishes, the text stays inside other lines', site(plainNamingIt), fileInPlace(`${plainNamingIt}${tls}`), true],
    ['the line appears at the end, without a final newline, in CRLF', site('listen 443 ssl;\r\nssl_certificate /c;'), fileInPlace(plain), true],
    ['other content, the line stays', site(`${tls}# more\n`), fileInPlace(tls), false],
    ['other content, still without the line', site(`${plain}# more\n`), fileInPlace(plain), false],
    ['other content, the text only inside other lines', site(plainNamingIt), fileInPlace(plain), false],
    ['the same content, only the mode changes', file.validate({ path: '/etc/nginx/site.conf', content: tls, mode: '0600' }), { stat: regular(), sha256: sha(tls) }, false],
    ['no file in place yet', site(tls), { stat: ABSENT }, false],
    ['content too large for the probe to read', site(tls), { stat: regular({ size: 100_000 }), sha256: sha('big') }, true],
    ['a symlink in place (not read)', site(tls), { stat: regular({ type: 'link' }) }, true],
    ['a file with the line removed (its content not read)', file.validate({ path: '/etc/nginx/site.conf', state: 'absent' }), { stat: regular() }, true],
    ['a removal of nothing', file.validate({ path: '/etc/nginx/site.conf', state: 'absent' }), { stat: ABSENT }, false],
  ])('%s → %s', (_, desired, current, expected) => {
    expect(file.toggles!(desired, current, needle)).toBe(expected);
  });
});

describe('file on this machine (probe → diff → apply → probe)', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => cleanup(dir));

  /** Files other than the target left in dir: temp files must never stay behind. */
  const leftovers = (name: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => !name.startsWith(f) && f !== relative(dir, join(dir, name)));

  it.each([
    ['plain text', 'plain.txt', 'hello\n'],
    ['quotes, newlines and command substitutions', 'quotes.txt', `it's "quoted" \`id\` $(touch /tmp/pwned) $HOME\n\n'; rm -rf / #\nno final newline`],
    ['binary-ish bytes', 'binary.bin', '\u0000\u0001\u00ff\r\n\u001b[31m\t__PROVISION_EOF__\n'],
    ['a path with spaces and a single quote', "it's a '; rm -rf / # file.txt", 'x\n'],
    ['a name starting with a dash', '-rf', '-n\n'],
  ])('writes %s exactly', (_, name, content) => {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    const result = converge(file, { path, content, owner: me, group: myGroup, mode: '0600' });
    expect(result.applied?.stderr).toBe('');
    expect(result.applied?.code).toBe(0);
    expect(result.after).toEqual([]);
    expect(readFileSync(path)).toEqual(Buffer.from(content));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(leftovers(name)).toEqual([]);
  });

  it('replaces content, keeps the old mode when none is given, and shows the diff', () => {
    const path = join(dir, 'app.conf');
    writeFileSync(path, 'port=80\nhost=a\n');
    chmodSync(path, 0o664);
    const result = converge(file, { path, content: 'port=8080\nhost=a\n' });
    expect(summaries(result.before)).toEqual(['content changed']);
    expect(result.before[0]?.diff).toContain('-port=80\n+port=8080\n');
    expect(result.after).toEqual([]);
    expect(statSync(path).mode & 0o777).toBe(0o664);
  });

  it('hides the old lines of a private file: they may hold a secret nobody registered', () => {
    const path = join(dir, 'db.cnf');
    writeFileSync(path, 'user=app\npassword=old-password-1\n');
    chmodSync(path, 0o640);
    const result = converge(file, { path, content: 'user=app\n' });
    expect(result.before[0]?.diff).toContain(`-${MASK}\n`);
    expect(result.before[0]?.diff).not.toContain('old-password-1');
  });

  it('creates a file that holds a secret 0600 when no mode is given, from the first byte', () => {
    new Secret('created-secret-1');
    try {
      const path = join(dir, 'app.env');
      const result = converge(file, { path, content: 'PASSWORD=created-secret-1\n' });
      // What plan says is what apply makes.
      expect(summaries(result.before)[0]).toMatch(/^absent → file .*app\.env \(26 bytes, 1 line, root:root 0600\)$/);
      expect(result.after).toEqual([]);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      clearSecretsForTests();
    }
  });

  it('gives a new file mode 0644 when none is given', () => {
    const path = join(dir, 'new.txt');
    expect(converge(file, { path, content: 'x' }).after).toEqual([]);
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  it('changes only the mode without rewriting the content', () => {
    const path = join(dir, 'secret.key');
    writeFileSync(path, 'key\n', { mode: 0o644 });
    const inode = statSync(path).ino;
    const result = converge(file, { path, content: 'key\n', mode: '0600' });
    expect(summaries(result.before)).toEqual(['mode 0644 → 0600']);
    expect(result.after).toEqual([]);
    expect(statSync(path).ino).toBe(inode);
  });

  it('keeps the original when the validator fails, and fails with its output', () => {
    const path = join(dir, "site's.conf");
    writeFileSync(path, 'good config\n');
    const desired = file.validate({ path, content: 'bad config\n', validate: `grep -q good %s || { echo "validator: no good in $(cat %s)"; exit 3; }` });
    const result = applyLocally(file.apply(desired, file.decide(desired, probeLocally(file, desired))));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('validator: no good in bad config');
    expect(result.stderr).toContain(`was not changed`);
    expect(readFileSync(path, 'utf8')).toBe('good config\n');
    expect(leftovers("site's.conf")).toEqual([]);
  });

  it('installs the file when the validator passes, running it on the temp file', () => {
    const path = join(dir, 'ok.conf');
    const result = converge(file, { path, content: 'good config\n', validate: 'grep -q good %s && test "$(dirname %s)" = "$(dirname "$PWD/x")" || test -n %s' });
    expect(result.applied?.code).toBe(0);
    expect(result.after).toEqual([]);
  });

  it('fails clearly when the parent directory does not exist', () => {
    const desired = file.validate({ path: join(dir, 'missing', 'x.conf'), content: 'x' });
    const result = applyLocally(file.apply(desired, file.decide(desired, probeLocally(file, desired))));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`provision: parent directory ${join(dir, 'missing')} does not exist\n`);
  });

  it('replaces a symlink with a file, leaving its target alone', () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'target\n');
    const path = join(dir, 'link');
    symlinkSync(target, path);
    const result = converge(file, { path, content: 'own\n' });
    expect(summaries(result.before)).toEqual([`symlink → file ${path} (4 bytes, 1 line)`]);
    expect(result.after).toEqual([]);
    expect(readFileSync(target, 'utf8')).toBe('target\n');
  });

  it('refuses to replace a directory', () => {
    const path = join(dir, 'sub');
    mkdirSync(path);
    const desired = file.validate({ path, content: 'x' });
    const result = applyLocally(file.apply(desired, file.decide(desired, probeLocally(file, desired))));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is a directory/);
  });

  it('removes a file', () => {
    const path = join(dir, "old '; rm -rf / #");
    mkdirSync(dirname(path));
    writeFileSync(path, 'x');
    const result = converge(file, { path, state: 'absent' });
    expect(summaries(result.before)).toEqual(['file → absent']);
    expect(result.after).toEqual([]);
    expect(existsSync(path)).toBe(false);
  });

  it('sends the old content only when it differs', () => {
    const path = join(dir, 'same.txt');
    writeFileSync(path, 'same\n');
    expect(probeLocally(file, file.validate({ path, content: 'same\n' })).content).toBeUndefined();
    expect(probeLocally(file, file.validate({ path, content: 'other\n' })).content).toBe('same\n');
  });
});

describe('file apply script', () => {
  it('makes the temp file under umask 077 and sets its attributes before the rename', () => {
    const desired = file.validate({ path: '/etc/app/key', content: 'TOPSECRET', mode: '0640', validate: 'check %s' });
    const script = file.apply(desired, file.decide(desired, { stat: ABSENT }));
    const order = ['umask 077', 'mktemp', 'base64 -d', 'chmod 00640 -- "$tmp"', 'eval "$provision_shell"', 'mv -f -- "$tmp"'].map((s) => script.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(script).not.toContain('TOPSECRET');
    expect(script).not.toContain('0644');
  });
});

describe('file.probeMany', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => cleanup(dir));

  /** Files of every kind, each declared once or twice. */
  const declarations = (): FileDesired[] => {
    writeFileSync(join(dir, 'same'), 'wanted\n');
    writeFileSync(join(dir, 'other'), 'old line\n');
    writeFileSync(join(dir, 'empty'), '');
    writeFileSync(join(dir, 'back\\slash'), 'x');
    mkdirSync(join(dir, 'a-dir'));
    symlinkSync(join(dir, 'same'), join(dir, 'link'));
    const present = (name: string): FileDesired => file.validate({ path: join(dir, name), content: 'wanted\n' });
    return [
      present('same'),
      present('other'),
      present('missing'),
      present('empty'),
      present('a-dir'),
      present('link'),
      present('back\\slash'),
      file.validate({ path: join(dir, 'other'), state: 'absent' }),
      present('same'),
    ];
  };

  it('reads what one probe per file reads, with one stat and one sha256sum', () => {
    const items = declarations();
    expect(probeManyLocally(file, items)).toEqual(items.map((item) => probeLocally(file, item)));
    const calls = stubCommands(['stat', 'sha256sum'], { stat: 'exec /usr/bin/stat "$@"', sha256sum: 'exec /usr/bin/sha256sum "$@"' });
    probeManyLocally(file, items, calls.env);
    expect(calls.calls().map((c) => c.split(' ')[0])).toEqual(['stat', 'sha256sum']);
  });

  it('falls back to one stat per file when the one call fails', () => {
    const items = declarations();
    const failing = stubCommands(['stat'], { stat: 'case " $* " in *" -- "*" "*" "*) exit 1 ;; *) exec /usr/bin/stat "$@" ;; esac' });
    expect(probeManyLocally(file, items, failing.env)).toEqual(items.map((item) => probeLocally(file, item)));
  });
});

describe('file.predict: the file as earlier changes of the run leave it', () => {
  const installs = (over: Partial<Extract<PathOutlook, { kind: 'file' }>> = {}): Effects => ({
    paths: new Map([['/etc/motd', { kind: 'file', by: 'package base', attributes: { owner: 'root', group: 'root', mode: '0644' }, size: 5, keepsExisting: false, ...over }]]),
  });
  const present = file.validate({ path: '/etc/motd', content: 'mine\n' });
  const absent = file.validate({ path: '/etc/motd', state: 'absent' });
  it.each<[string, FileDesired, FileCurrent, Effects, string]>([
    ['nothing touches it', present, { stat: ABSENT }, {}, 'unaffected'],
    ['a package installs it with the wanted content', present, { stat: ABSENT }, installs({ sha256: sha('mine\n'), content: 'mine\n' }), 'known: in state (package base installs it)'],
    ['a package installs other content: the diff is known', present, { stat: ABSENT }, installs({ sha256: sha('theirs\n'), content: 'theirs\n' }), 'known: content changed (package base installs it)'],
    ['a package installs it, content not read', present, { stat: ABSENT }, installs(), 'unknown: package base installs /etc/motd; its content is known once it is installed | if it holds other content: content replaced | if it holds this content: nothing to do'],
    ['a conffile already there is kept', present, { stat: regular(), sha256: sha('old') }, installs({ keepsExisting: true }), 'unaffected'],
    ['to be absent, and a package installs it', absent, { stat: ABSENT }, installs(), 'known: file → absent (package base installs it)'],
    ['a script may change it', absent, { stat: ABSENT }, { paths: new Map([['/etc/motd', { kind: 'unknown', by: 'package x', why: "x's postinst names it (ln)" }]]) }, "unknown: package x may change /etc/motd: x's postinst names it (ln) | if it is there: removed | if it is not: nothing to do"],
    ['a package removes it', present, { stat: regular(), sha256: sha('mine\n') }, { paths: new Map([['/etc/motd', { kind: 'absent', by: 'package x (removed)' }]]) }, 'known: absent → file /etc/motd (5 bytes, 1 line, root:root 0644) (package x (removed) removes it)'],
  ])('%s', (_, desired, current, effects, expected) => {
    expect(predicted(file, desired, current, ahead(effects))).toBe(expected);
  });
});

describe('file never changes the owner or mode of what a symbolic link points to', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => cleanup(dir));

  it('a link put there after the probe saw a regular file is refused by the attributes-only apply: its target keeps its mode', () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'same');
    chmodSync(target, 0o644);
    const path = join(dir, 'f');
    writeFileSync(path, 'same');
    chmodSync(path, 0o644);
    const desired = file.validate({ path, content: 'same', mode: '0600' });
    const current = probeLocally(file, desired);
    expect(summaries(file.decide(desired, current).changes)).toEqual(['mode 0644 → 0600']);
    const script = file.apply(desired, file.decide(desired, current));
    rmSync(path);
    symlinkSync(target, path);
    const result = applyLocally(script);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is a symbolic link: refusing to change the owner or mode');
    expect(statSync(target).mode & 0o777).toBe(0o644);
  });

  it('chowns with -h', () => {
    const desired = file.validate({ path: '/etc/x', content: 'x', owner: 'app' });
    const script = String(file.apply(desired, file.decide(desired, { stat: { type: 'file', mode: '0644', owner: 'root', uid: '0', group: 'root', gid: '0', size: 1 }, sha256: desired.state === 'present' ? desired.sha256 : '' })));
    expect(script).toContain('chown -h app -- /etc/x');
    expect(script).toContain('if [ -L /etc/x ]; then');
  });
});
