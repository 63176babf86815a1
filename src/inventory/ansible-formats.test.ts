import { describe, expect, it } from 'vitest';
import { ErrorList } from '../yaml/error-list.js';
import { UserError } from '../errors.js';
import { Secret } from '../secrets.js';
import { expandHostPattern } from './host-pattern.js';
import { readIniInventory } from './ini-inventory.js';
import { GroupTree } from './model.js';
import { PythonFloat, pythonFloatText } from './python-float.js';
import { pythonLiteral, PythonValueWithoutJson } from './python-literal.js';
import { PythonBigInt } from '../yaml/python-int.js';
import { proxyFromSshArgs } from './ssh-args.js';
import { loadInventory } from './load.js';
import { targetOf } from '../engine/host-run.js';
import { tempFile, userErrorOf } from '../../test/fixtures/inventory/fixtures.js';

describe('host patterns (Ansible ranges and ports)', () => {
  it.each([
    ['web[01:03]', ['web01', 'web02', 'web03'], undefined],
    ['web[1:9:4].x', ['web1.x', 'web5.x', 'web9.x'], undefined],
    ['db-[a:c]', ['db-a', 'db-b', 'db-c'], undefined],
    ['r[0:1]-[a:b]', ['r0-a', 'r0-b', 'r1-a', 'r1-b'], undefined],
    ['host:2222', ['host'], 2222],
    ['[fe80::1]:22', ['fe80::1'], 22],
    ['10.0.0.[1:2]:2200', ['10.0.0.1', '10.0.0.2'], 2200],
    // Python's \w in Ansible's pattern takes letters of any script
    ['ünï3:2222', ['ünï3'], 2222],
    ['сервер-[1:2].пример:22', ['сервер-1.пример', 'сервер-2.пример'], 22],
  ])('%s', (pattern, names, port) => {
    expect(expandHostPattern(pattern)).toEqual(port === undefined ? { names } : { names, port });
  });

  it.each([['web[01:3]', /equal-length/], ['web[1:3:0]', /step must be a positive/], ['db-[c:a]', /begin <= end/], ['web[a:]', /end value/]])('refuses %s', (pattern, message) => {
    expect(() => expandHostPattern(pattern)).toThrow(message);
  });
});

describe('Python literals (INI values)', () => {
  it.each([
    ['22', 22], ['True', true], ['None', null], ["'a b'", 'a b'], ['"x\\ty"', 'x\ty'], ['[1, "a", (2, 3)]', [1, 'a', [2, 3]]],
    ["{'k': [1]}", { k: [1] }], ["{1.0: 'x'}", { '1.0': 'x' }], ['0x1F', 31], ['1_000', 1000], ['1 # comment', 1], ["'a' 'b'", 'ab'],
    ['- 1', -1], ['-(1)', -1], ['+3', 3], ["b'x'", 'x'], ["(b'x')", 'x'],
  ])('%s is a literal', (text, value) => {
    expect(pythonLiteral(text)).toEqual({ value });
  });

  it.each([
    ['-1.5', -1.5, new PythonFloat(-1.5)],
    ['2.0', 2, new PythonFloat(2)],
    ['[1, 2.0]', [1, 2], [1, new PythonFloat(2)]],
    ["{'w': 1e3, 'v': [0.5]}", { w: 1000, v: [0.5] }, { w: new PythonFloat(1000), v: [new PythonFloat(0.5)] }],
  ])('%s is a literal holding floats: the number, and PythonFloat where Ansible prints a float', (text, value, printed) => {
    expect(pythonLiteral(text)).toEqual({ value, printed });
  });

  // Python's integers have no size limit; a JavaScript number holds them exactly only up to 2^53, so bigger ones keep their digits.
  it.each([
    ['18446744073709551615', '18446744073709551615'], ['-18446744073709551616', '-18446744073709551616'], ['0xFFFFFFFFFFFFFFFFFF', '4722366482869645213695'],
    ['-(9007199254740993)', '-9007199254740993'], ['1_000_000_000_000_000_000', '1000000000000000000'],
  ])('%s is an integer beyond 2^53: variables hold its exact digits, ansible-inventory prints them as a number', (text, digits) => {
    expect(pythonLiteral(text)).toEqual({ value: digits, printed: new PythonBigInt(digits) });
  });

  it('keeps integers up to 2^53 as numbers, inside lists and mappings too', () => {
    expect(pythonLiteral('[9007199254740991, -9007199254740991]')).toEqual({ value: [9007199254740991, -9007199254740991] });
    expect(pythonLiteral("{'k': [9007199254740992]}")).toEqual({ value: { k: ['9007199254740992'] }, printed: { k: [new PythonBigInt('9007199254740992')] } });
  });

  // Python's json.dumps of a float: what `python3 -c 'import json; print(json.dumps(X))'` prints.
  it.each([
    [2, '2.0'], [1.5, '1.5'], [-0, '-0.0'], [1e15, '1000000000000000.0'], [1e16, '1e+16'], [1e20, '1e+20'], [1.5e-7, '1.5e-07'],
    [1e-5, '1e-05'], [1e-4, '0.0001'], [123456789.123456789, '123456789.12345679'], [-3.25, '-3.25'],
    [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [NaN, 'NaN'], [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'],
  ])('the float %d prints as Python prints it: %s', (n, text) => {
    expect(pythonFloatText(n)).toBe(text);
  });

  // ast.literal_eval signs only a number constant: `--1`, `-(-1)` and `-True` are text, as Ansible keeps them.
  it.each(['yes', '0644', 'a b', '{a:1}', 'hello # c', '[1, 2', '--1', '-(-1)', '-True', '1+2', "'a' b'b'", '8jdk', '2jobs', '5-1jx', '0x1Fj', '[1, 2j3]'])('%s stays text', (text) => {
    expect(pythonLiteral(text)).toBeUndefined();
  });

  // Python 3.11's tokenizer lets 200 brackets stand one inside another, not 201 (ast.literal_eval and ansible-inventory
  // agree, checked): deeper, the value is text, and no depth of nesting overflows the reader.
  const nested = (depth: number, open: string, inner: string, close: string): string => open.repeat(depth) + inner + close.repeat(depth);
  it.each([
    ['a list', (d: number) => nested(d, '[', '', ']'), (d: number) => JSON.parse(nested(d, '[', '', ']')) as unknown],
    ['a signed number', (d: number) => `-${nested(d, '(', '1', ')')}`, () => -1],
    ['a list of a tuple', (d: number) => nested(d - 1, '[', '(1, 2)', ']'), (d: number) => JSON.parse(nested(d - 1, '[', '[1, 2]', ']')) as unknown],
  ])('%s nested 200 deep is read, 201 deep and more stays text', (_kind, text, value) => {
    expect(pythonLiteral(text(200))).toEqual({ value: value(200) });
    for (const depth of [201, 2000, 100_000]) expect(pythonLiteral(text(depth))).toBeUndefined();
  });

  it.each([
    ['1j', 'complex number'], ['-1+2j', 'complex number'], ['1.5J', 'complex number'], ['[1, 2j]', 'complex number'], ['{1, 2}', 'set'], ['set()', 'set'], ["[b'x']", 'bytes'], ["{b'k': 1}", 'bytes'],
  ])('%s is refused: Ansible reads it as a value JSON cannot hold, and ansible-inventory fails', (text, kind) => {
    expect(() => pythonLiteral(text)).toThrow(PythonValueWithoutJson);
    expect(() => pythonLiteral(text)).toThrow(`a Python ${kind} literal`);
  });
});

describe('INI inventories', () => {
  const read = (text: string) => {
    const tree = new GroupTree();
    const errors = new ErrorList();
    readIniInventory(text, 'hosts', tree, '/inv', errors);
    try {
      errors.throwIfAny();
    } catch (err) {
      return { tree, error: (err as UserError).format() };
    }
    return { tree, error: undefined };
  };

  it.each([
    ['[web]\nh1 x', 'hosts:2:4: expected key=value host variables after the host name, got a word without \'=\''],
    ['[web]\nh\n[web:vars]\npassword', "hosts:4:1: expected key=value in [web:vars], got a line without '='"],
    ['[web:nope]\n', 'hosts:1:1: section [web:nope] has an unknown type: expected [web], [web:vars] or [web:children]'],
    ['[x:vars]\na=1\n', 'hosts:1:1: section [x:vars] is for a group that is not defined: expected a [x] section, or x under some [group:children]'],
    ['[p:children]\nmissing\n', "hosts:2:1: section [p:children] includes the group 'missing', which is not defined: expected a [missing] or [missing:children] section"],
    ['[web]\nh1 pw="unclosed s3cret', 'hosts:2:7: no closing quotation in this host line'],
    ['[web]\nh1 ids={1,2}', 'hosts:2:8: ids: a Python set literal, which Ansible reads but cannot print as JSON (ansible-inventory fails on it): expected a value JSON can hold, or quotes around it to keep it as text'],
    ['[web]\nh1\n[web:vars]\nz = 2j', 'hosts:4:5: z: a Python complex number literal, which Ansible reads but cannot print as JSON (ansible-inventory fails on it): expected a value JSON can hold, or quotes around it to keep it as text'],
    [
      '[db]\ndb1\nansible_become_password:s3cret-pw',
      "hosts:3:1: invalid host name (a word with ':' that is not host:port, shown only by its column): expected a name without spaces or any of , : ! & * ? (they have a meaning in --limit); variables go after the host name as key=value, or under [group:vars]",
    ],
  ])('reports %j without showing its values', (text, message) => {
    expect(read(text).error).toBe(message);
  });

  it('reads hosts, vars, children declared after use, and ungrouped hosts', () => {
    const { tree, error } = read('top1\n[p:children]\nc\n[c]\nh[1:2] a=1\n[c:vars]\nb = two words\n');
    expect(error).toBeUndefined();
    expect(tree.groups.get('p')!.children.map((c) => c.name)).toEqual(['c']);
    expect(tree.groups.get('c')!.hosts).toEqual(['h1', 'h2']);
    expect(tree.groups.get('ungrouped')!.hosts).toEqual(['top1']);
    expect(tree.groups.get('c')!.vars.get('b')!.value).toBe('two words');
  });
});

describe('files that are neither YAML nor INI', () => {
  it('say so, with the first problem of each reading and no value of the file', () => {
    const file = tempFile('web:\n  hosts: [\n[broken\npassword=hunter2-secret x\n', 'hosts');
    const message = userErrorOf(() => loadInventory(file)).format();
    expect(message).toMatch(/^inventory '.*hosts' is neither valid YAML nor INI: read as YAML, line \d+:\d+: .*; read as INI, line \d+:\d+: /);
    expect(message).not.toContain('hunter2');
  });
});

describe('ansible_ssh_common_args', () => {
  it.each([
    ['-o ProxyJump=jump@bastion:2222', { jump: 'jump@bastion:2222' }],
    ['-J bastion -o StrictHostKeyChecking=no', { jump: 'bastion' }],
    ['-o ProxyCommand="ssh -W %h:%p -q -p 2200 admin@gw.example"', { jump: 'admin@gw.example:2200' }],
    ['-o ServerAliveInterval=30', {}],
  ])('%s', (args, expected) => {
    expect(proxyFromSshArgs(args)).toEqual(expected);
  });

  it('refuses what it cannot follow', () => {
    expect(proxyFromSshArgs('-o ProxyCommand="nc -X 5 -x proxy:1080 %h %p"')).toHaveProperty('problem');
    expect(proxyFromSshArgs('-J a,b')).toHaveProperty('problem');
  });

  it.each([
    ['-p 2222', '-p is not followed: set the port with ansible_port'],
    ['-o StrictHostKeyChecking=no -l deploy', '-l is not followed: set the user with ansible_user'],
    ['-i ~/.ssh/other', '-i is not followed: set the key with ansible_ssh_private_key_file'],
    ['-o Port=2200', '-o Port is not followed: set the port with ansible_port'],
    ['-oUser=deploy', '-o User is not followed: set the user with ansible_user'],
    ['-o IdentityFile=/keys/x', '-o IdentityFile is not followed: set the key with ansible_ssh_private_key_file'],
    ['-o HostName=10.0.0.9', '-o HostName is not followed: set the address with ansible_host'],
    ['-F ./ssh_config', '-F is not followed: provision reads ~/.ssh/config only: set the connection variables instead'],
  ])('refuses %s, which would reach another port, user, key or host than provision does', (args, problem) => {
    expect(proxyFromSshArgs(args)).toEqual({ problem });
  });
});

describe('connection settings provision does not follow are refused when the host is reached, never dropped', () => {
  const inventory = () =>
    tempFile(
      [
        '[web]',
        'extra ansible_ssh_extra_args="-o ProxyJump=admin@bastion.example:2222"',
        'su ansible_become_method=su',
        'sudo ansible_become_method=ansible.builtin.sudo',
        'pass ansible_ssh_pass=hunter2-password',
        "port ansible_ssh_common_args='-o StrictHostKeyChecking=no -p 2222'",
        'proxy ansible_ssh_common_args=\'-o ProxyCommand="nc -x socks:1080 %h %p"\'',
        '',
      ].join('\n'),
      'hosts',
    );
  const connectionOf = (name: string) => loadInventory(inventory(), { env: {} }).hosts.find((h) => h.name === name)!.connection;

  it('follows the jump host of ansible_ssh_extra_args, as of ansible_ssh_common_args', () => {
    expect(connectionOf('extra').jump).toBe('admin@bastion.example:2222');
    expect(connectionOf('sudo').become).toBe(false);
  });

  it.each([
    ['su', 'hosts:3:26: web.hosts.su.ansible_become_method: expected sudo, the only become method provision has, got string "su" (host su)'],
    ['pass', 'hosts:5:23: web.hosts.pass.ansible_ssh_pass: SSH password login is not supported: expected key authentication (ansible_ssh_private_key_file, ~/.ssh/config or ssh-agent) (host pass)'],
    ['port', `hosts:6:30: web.hosts.port.ansible_ssh_common_args: -p is not followed: set the port with ansible_port, got string "-o StrictHostKeyChecking=no -p 2222" (host port)`],
    ['proxy', 'hosts:7:31: web.hosts.proxy.ansible_ssh_common_args: expected ProxyCommand in the form'],
  ])('%s', (name, message) => {
    const error = userErrorOf(() => connectionOf(name)).format();
    expect(error).toContain(message);
    expect(error).not.toContain('hunter2');
  });

  it('lists them all in provision inventory, as ansible-inventory does', () => {
    expect(loadInventory(inventory(), { env: {} }).hosts.map((h) => h.ansibleVars)).toHaveLength(6);
  });
});

describe('host lists (-i "web1,web2:2222,")', () => {
  it.each([
    ['web[1:3],', "-i web[1:3],:1:1: host ranges are not expanded in a host list (nor by Ansible's host_list plugin): write the hosts out, or use an inventory file"],
    ['ok, bad!name,', '-i ok, bad!name,:1:5: invalid host name in the host list: expected a name without spaces or any of , : ! & * ? (they have a meaning in --limit)'],
  ])('%s is refused at the host', (source, message) => {
    expect(userErrorOf(() => loadInventory(source, { env: {} })).format()).toBe(message);
  });

  it('reads ports, and a source that is a file stays a file', () => {
    const inventory = loadInventory('web1,web2:2222,', { env: {} });
    expect(inventory.hosts.map((h) => [h.name, h.connection.port])).toEqual([['web1', undefined], ['web2', 2222]]);
    expect(userErrorOf(() => loadInventory('no-such-file.ini', { env: {} })).format()).toBe("inventory 'no-such-file.ini' not found");
  });
});

describe("a host's ansible_host_key_checking / ansible_ssh_host_key_checking (the ssh plugin's variables)", () => {
  it('is read per host, and carried to the connection target', () => {
    const file = tempFile(['[web]', 'strict ansible_host_key_checking=True', 'loose ansible_ssh_host_key_checking=false', 'plain', ''].join('\n'), 'hosts');
    const hosts = loadInventory(file, { env: {} }).hosts;
    expect(hosts.map((h) => [h.name, h.connection.hostKeyChecking, targetOf(h).hostKeyChecking])).toEqual([
      ['strict', true, true],
      ['loose', false, false],
      ['plain', undefined, undefined],
    ]);
  });

  it('the ssh name wins over the other whatever their scopes, as in Ansible; the bare host_key_checking is an ordinary variable', () => {
    const file = tempFile(['[web]', 'h1 ansible_host_key_checking=false', 'h2 ansible_ssh_host_key_checking=false', '[web:vars]', 'ansible_ssh_host_key_checking=true', 'ansible_host_key_checking=true', '[other]', 'h3 host_key_checking=false', ''].join('\n'), 'hosts');
    const hosts = loadInventory(file, { env: {} }).hosts;
    expect(hosts.map((h) => [h.name, h.connection.hostKeyChecking])).toEqual([
      ['h1', true],
      ['h2', false],
      ['h3', undefined],
    ]);
  });

  it('a value that is no boolean is refused, never read as off', () => {
    const file = tempFile(['[web]', 'typo ansible_host_key_checking=flase', ''].join('\n'), 'hosts');
    expect(userErrorOf(() => loadInventory(file, { env: {} })).format()).toContain('ansible_host_key_checking: expected a boolean');
  });
});

describe('integers beyond 2^53 (sysctl limits), which a JavaScript number would round', () => {
  it.each([
    ['INI', 'hosts', '[db]\ndb01 shmmax=18446744073709551615 list=[9007199254740993]\n'],
    ['YAML', 'hosts.yml', 'db:\n  hosts:\n    db01:\n      shmmax: 18446744073709551615\n      list: [9007199254740993]\n'],
  ])('keep every digit in variables (%s)', (_, name, text) => {
    const db01 = loadInventory(tempFile(text, name), { env: {} }).hosts[0]!;
    expect(db01.vars).toMatchObject({ shmmax: '18446744073709551615', list: ['9007199254740993'] });
  });
});

describe('YAML 1.1 timestamps, which Ansible reads as Python datetimes', () => {
  it('are written in variables as a template writes a datetime (str), dates alone as typed', () => {
    const text = 'web:\n  hosts:\n    web01:\n      at: 2024-1-5 1:02:03\n      zoned: 2001-12-14t21:59:43.10 -5\n      day: 2002-12-14\n      quoted: "2024-1-5 1:02:03"\n';
    const web01 = loadInventory(tempFile(text, 'hosts.yml'), { env: {} }).hosts[0]!;
    expect(web01.vars).toMatchObject({ at: '2024-01-05 01:02:03', zoned: '2001-12-14 21:59:43.100000-05:00', day: '2002-12-14', quoted: '2024-1-5 1:02:03' });
  });
});

describe('a become password too short to mask', () => {
  it('is refused without showing it, written in the inventory', () => {
    const file = tempFile('[web]\nweb01 ansible_become_pass=q1z\n', 'hosts');
    const message = userErrorOf(() => loadInventory(file, { env: {} })).format();
    expect(message).toBe(`${file}:2:27: web.hosts.web01.ansible_become_pass: expected a password of at least 4 characters (a shorter one could not be masked in output)`);
  });

  it('is refused without showing it, from a template, when the host is reached', () => {
    const file = tempFile('web:\n  hosts:\n    web01:\n      ansible_become_password: "{{ pw }}"\n      pw: q1z\n', 'hosts.yml');
    const web01 = loadInventory(file, { env: {} }).hosts[0]!;
    const message = userErrorOf(() => web01.connection).format();
    expect(message).toContain('expected a password of at least 4 characters');
    expect(message).not.toContain('q1z');
  });
});

describe("sudo's user and password under the names Ansible's sudo plugin reads", () => {
  it('takes ansible_sudo_user and ansible_sudo_pass, stronger than the ansible_become_ names whatever the scopes', () => {
    const file = tempFile('[web]\nweb01 ansible_become=true ansible_become_user=alice ansible_become_pass=host-pass\n[web:vars]\nansible_sudo_user=bob\nansible_sudo_pass=group-pass\n', 'hosts');
    const { connection } = loadInventory(file, { env: {} }).hosts[0]!;
    expect(connection.becomeUser).toBe('bob');
    expect(connection.becomePassword?.reveal()).toBe('group-pass');
  });

  it("keeps each name's own password for templates, a secret like the one sudo gets", () => {
    const file = tempFile('[web]\nweb01 ansible_become_password=first-pass ansible_become_pass=second-pass\n', 'hosts');
    const web01 = loadInventory(file, { env: {} }).hosts[0]!;
    expect(web01.connection.becomePassword?.reveal()).toBe('second-pass');
    const own = web01.vars.ansible_become_password;
    expect(own).toBeInstanceOf(Secret);
    expect((own as Secret).reveal()).toBe('first-pass');
  });
});

describe("a connection setting's outranked Ansible name is a plain variable, as in Ansible: its value as written, unchecked", () => {
  it.each([
    ['INI, one scope', 'hosts', '[web]\nweb01 ansible_port=22x ansible_ssh_port=2222 ansible_user="" ansible_ssh_user=root\n'],
    ['YAML, one scope', 'hosts.yml', 'web:\n  hosts:\n    web01:\n      ansible_port: 22x\n      ansible_ssh_port: 2222\n      ansible_user: ""\n      ansible_ssh_user: root\n'],
    ['INI, across scopes', 'hosts', '[web]\nweb01 ansible_port=22x ansible_user=""\n[web:vars]\nansible_ssh_port=2222\nansible_ssh_user=root\n'],
    ['YAML, across scopes', 'hosts.yml', 'web:\n  vars:\n    ansible_ssh_port: 2222\n    ansible_ssh_user: root\n  hosts:\n    web01:\n      ansible_port: 22x\n      ansible_user: ""\n'],
  ])('%s', (_, name, text) => {
    const web01 = loadInventory(tempFile(text, name), { env: {} }).hosts[0]!;
    expect(web01.vars).toMatchObject({ ansible_port: '22x', ansible_user: '', port: 2222, user: 'root' });
    expect(web01.connection).toMatchObject({ port: 2222, user: 'root' });
  });

  it.each([
    ['the stronger name', '[web]\nweb01 ansible_port=2222 ansible_ssh_port=22x\n', 'web.hosts.web01.ansible_ssh_port: expected an integer from 1 to 65535, got string "22x"'],
    ['a weaker name nothing outranks', '[web]\nweb01 ansible_port=2222\n[web:vars]\nansible_user=""\n', 'web.vars.ansible_user: expected a non-empty string, got string ""'],
  ])('%s is still checked', (_, text, expected) => {
    expect(userErrorOf(() => loadInventory(tempFile(text, 'hosts'), { env: {} })).format()).toContain(expected);
  });
});
