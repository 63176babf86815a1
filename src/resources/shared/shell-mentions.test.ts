import { describe, expect, it } from 'vitest';
import { namedTrees, pathsIn, shellMentions, simpleCommands, UNKNOWN } from './shell-mentions.js';

const words = (text: string): string[][] => simpleCommands(text).map((c) => c.words);

describe('simpleCommands', () => {
  it.each([
    ['words, quotes removed', `ln -s "/etc/a b" '/etc/c'`, [['ln', '-s', '/etc/a b', '/etc/c']]],
    ['separators', 'a; b && c || d | e &\nf', [['a'], ['b'], ['c'], ['d'], ['e'], ['f']]],
    ['keywords are not programs', 'if [ -x /x ]; then rm /y; fi', [['[', '-x', '/x', ']'], ['rm', '/y']]],
    ['comments', '# rm /etc\necho hi # rm /var', [['echo', 'hi']]],
    ['continued lines', 'adduser \\\n  --system \\\n  mysql', [['adduser', '--system', 'mysql']]],
    ['a here-document body is data', "cat <<EOF > /etc/x\nrm -rf /var\nEOF\ntrue", [['cat'], ['true']]],
    ['a substitution is a command of its own, its output unknown', 'x=$(readlink /etc/a)\nls "$x"', [['readlink', '/etc/a'], ['ls', UNKNOWN]]],
    ['backquotes too', 'ls `cat /etc/list`', [['cat', '/etc/list'], ['ls', UNKNOWN]]],
    ['variables assigned literally are expanded', 'dir=/etc/ufw\nf="$dir/user.rules"\nchmod 640 $f ${dir}/x', [['chmod', '640', '/etc/ufw/user.rules', '/etc/ufw/x']]],
    ['a variable assigned from a command is unknown', 'd=$(pwd)\nrm $d/x', [['pwd'], ['rm', `${UNKNOWN}/x`]]],
    ['a loop variable is unknown', 'f=a\nfor f in a b; do rm /etc/$f; done', [['rm', `/etc/${UNKNOWN}`]]],
    ['$DPKG_ROOT is empty', 'rm "$DPKG_ROOT/etc/x"', [['rm', '/etc/x']]],
    ['single quotes are not expanded', `echo '$HOME'`, [['echo', '$HOME']]],
  ])('%s', (_, text, expected) => {
    expect(words(text)).toEqual(expected);
  });

  it('records redirections apart from the words', () => {
    expect(simpleCommands('sed s/a/b/ /etc/in > /etc/out 2>&1 >&2')).toEqual([{ words: ['sed', 's/a/b/', '/etc/in'], redirects: [{ op: '>', target: '/etc/out' }], line: 1 }]);
  });
});

describe('pathsIn', () => {
  it.each([
    ['/etc/nginx/sites-enabled/default', [{ path: '/etc/nginx/sites-enabled/default', tree: false }]],
    ['--home=/nonexistent', [{ path: '/nonexistent', tree: false }]],
    ['PATH=/usr/bin:/sbin', [{ path: '/usr/bin', tree: false }, { path: '/sbin', tree: false }]],
    [`/etc/ufw/${UNKNOWN}`, [{ path: '/etc/ufw', tree: true }]],
    ['/var/lib/mysql/debian-*.flag', [{ path: '/var/lib/mysql/debian-*', tree: true }]],
    [`/var/lib/mysql-${UNKNOWN}`, [{ path: '/var/lib/mysql-*', tree: true }]],
    [`/${UNKNOWN}/x`, [{ path: '/', tree: true }]],
    ['/etc//x/./y/', [{ path: '/etc/x/y', tree: false }]],
    ['s/^ENABLED=.*/ENABLED=no/', []],
    ['http://example.org/x', []],
    ['/etc/../root', []],
  ])('%s', (word, expected) => {
    expect(pathsIn(word)).toEqual(expected);
  });
});

describe('shellMentions', () => {
  it('names the paths and programs of a guard', () => {
    expect(shellMentions('test "$(stat -c %U "/opt/x/user.properties")" = root')).toEqual({ paths: ['/opt/x/user.properties'], trees: [], programs: ['stat', 'test'] });
    expect(shellMentions("/usr/local/sbin/check <<'EOF'\ndir=/opt/y\nEOF")).toEqual({ paths: ['/usr/local/sbin/check'], trees: [], programs: [] });
  });
});

describe('namedTrees', () => {
  it('every path named anywhere, cut at a variable', () => {
    expect(namedTrees(`cmd "--dir=/opt/a b" <<'X'\nhome=/var/lib/app\nX\nrm -f $HOME/x /etc/\${n}.conf`)).toEqual(['/opt/a', '/var/lib/app', '/etc']);
  });
});
