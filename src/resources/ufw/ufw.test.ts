import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { applyLocally, argErrorOf, cleanup, probeLocally, probeScriptLocally, stubCommands, summaries, syntaxOk, tempDir } from '../../../test/support/resources.js';
import { parseFields } from '../shared/probe-output.js';
import { normaliseAddress } from './address.js';
import { groupTuples, parseTuple, ruleCommand, type UfwTuple } from './tuple.js';
import type { Shell } from '../../shell/quote.js';
import { BRIDGE_MARKER, bridgeProbe, bridgeSeen, type BridgeSeen } from './bridge.js';
import { ufw, ufwProbe, type UfwCurrent, type UfwDesired } from './index.js';

/** A tuple with ufw's defaults for what `fields` leaves out. */
const tuple = (fields: Partial<UfwTuple> = {}): UfwTuple => ({
  action: 'allow',
  log: '',
  route: false,
  proto: 'tcp',
  dport: 'any',
  dst: '0.0.0.0/0',
  sport: 'any',
  src: '0.0.0.0/0',
  dapp: '',
  sapp: '',
  direction: 'in',
  interfaceIn: '',
  interfaceOut: '',
  comment: '',
  v6: false,
  ...fields,
});
const hex = (text: string): string => Buffer.from(text).toString('hex');

/** Probe output: ufw installed, settings as given (ufw's defaults otherwise), then tuple lines ("4 ..." / "6 ..."). */
function probeOutput(settings: Record<string, string>, tuples: string[]): string {
  const all = { ENABLED: 'yes', LOGLEVEL: 'low', DEFAULT_INPUT_POLICY: '"DROP"', DEFAULT_OUTPUT_POLICY: '"ACCEPT"', DEFAULT_FORWARD_POLICY: '"DROP"', IPV6: 'yes', ...settings };
  return ['installed=yes', ...Object.entries(all).map(([k, v]) => `${k}=${v}`), ...tuples.map((t) => `tuple${t}`)].join('\n');
}
const want = (args: Record<string, unknown> = {}): UfwDesired => ufw.validate({ ssh_port: 22, ...args });
const host = (tuples: string[], settings: Record<string, string> = {}): UfwCurrent => ufw.parse(probeOutput(settings, tuples), want());
/** Both tuples of a rule from anywhere, as ufw writes them ("allow tcp 22", comment). */
const anywhere = (rule: string, comment = ''): string[] => {
  const tail = comment ? ` comment=${hex(comment)}` : '';
  const [action, proto, port] = rule.split(' ');
  return [`4 ${action} ${proto} ${port} 0.0.0.0/0 any 0.0.0.0/0 in${tail}`, `6 ${action} ${proto} ${port} ::/0 any ::/0 in${tail}`];
};
const SSH = anywhere('allow tcp 22', 'ssh');
/** The probe's fields of a bridge left behind: an older build's marker, which names no owner, there on both reads. */
const LEFT = { bridge: '', bridge_again: '' };
/** A process's /proc/PID/stat line. */
const statOf = (pid: number): string => readFileSync(`/proc/${pid}/stat`, 'utf8').trim();
/** The marker line naming a process as the bridge's owner (bridge.ts), its start time (field 22) moved by `skew` ticks. */
const ownerLine = (pid: number, skew = 0): string => {
  const stat = statOf(pid);
  return `pid ${pid} start ${Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[19]) + skew}\n`;
};

describe('ufw tuple lines', () => {
  it.each<[string, string, boolean, Partial<UfwTuple> | undefined]>([
    ['a port from anywhere', 'allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in', false, { dport: '22' }],
    ['IPv6 from anywhere', 'allow tcp 22 ::/0 any ::/0 in', true, { dport: '22', dst: '::/0', src: '::/0', v6: true }],
    ['a comment in hex', `allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in comment=${hex('https')}`, false, { dport: '443', comment: 'https' }],
    ['a UTF-8 comment', `allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in comment=${hex('café $x')}`, false, { dport: '443', comment: 'café $x' }],
    ['a range from an IPv6 network', 'allow udp 5000:5010 ::/0 any fd00::1/64 in', true, { proto: 'udp', dport: '5000:5010', dst: '::/0', src: 'fd00::1/64', v6: true }],
    ['limit', 'limit tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in', false, { action: 'limit', dport: '2222' }],
    ['any protocol', 'deny any 53 0.0.0.0/0 any 0.0.0.0/0 in', false, { action: 'deny', proto: 'any', dport: '53' }],
    ['all ports from a host', 'allow any any 0.0.0.0/0 any 10.77.0.13 in', false, { proto: 'any', src: '10.77.0.13' }],
    ['reject to an address', 'reject tcp 25 10.77.0.11 any 10.0.0.0/8 in', false, { action: 'reject', dport: '25', dst: '10.77.0.11', src: '10.0.0.0/8' }],
    ['an outgoing rule', 'deny tcp 31 10.77.0.1 any 0.0.0.0/0 out', false, { action: 'deny', dport: '31', dst: '10.77.0.1', direction: 'out' }],
    ['an interface, a source port, log-all', 'allow_log-all udp 99 0.0.0.0/0 53 0.0.0.0/0 in_eth0', false, { log: 'log-all', proto: 'udp', dport: '99', sport: '53', interfaceIn: 'eth0' }],
    ['a routed rule with two interfaces', 'route:allow tcp 77 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_br_lan', false, { route: true, dport: '77', interfaceIn: 'eth0', interfaceOut: 'br_lan' }],
    ['a routed outgoing rule that logs', 'route:deny_log tcp 78 0.0.0.0/0 any 0.0.0.0/0 out_eth1', false, { route: true, action: 'deny', log: 'log', dport: '78', direction: 'out', interfaceOut: 'eth1' }],
    ['an application rule', 'allow tcp 80,443 0.0.0.0/0 any 0.0.0.0/0 Nginx%20Full - in', false, { dport: '80,443', dapp: 'Nginx Full' }],
    ["ufw's old format without a direction", 'allow tcp 22 0.0.0.0/0 any 0.0.0.0/0', false, { dport: '22' }],
    ['an address written another way', 'allow tcp 27 ::/0 any FD00:0:0::1 in', true, { dport: '27', dst: '::/0', src: 'fd00::1', v6: true }],
    ['an unknown action', 'accept tcp 22 0.0.0.0/0 any 0.0.0.0/0 in', false, undefined],
    ['too few fields', 'allow tcp 22 0.0.0.0/0 any', false, undefined],
    ['a bad direction', 'allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 sideways', false, undefined],
  ])('%s', (_, text, v6, expected) => {
    expect(parseTuple(text, v6)).toEqual(expected && tuple(expected));
  });
});

describe('addresses, normalised as ufw stores them', () => {
  it.each<[string, string | undefined]>([
    ['10.77.0.12', '10.77.0.12'],
    ['10.77.0.12/32', '10.77.0.12'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['192.168.1.77/26', '192.168.1.64/26'],
    ['10.77.0.12/0', '0.0.0.0/0'],
    ['FD00:0:0::1/128', 'fd00::1'],
    ['fd00::1/64', 'fd00::1/64'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['0:0:0:0:0:0:0:0/0', '::/0'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['::ffff:0102:0304', '::ffff:1.2.3.4'],
    ['::1.2.3.4', '::1.2.3.4'],
    ['db-peer.example', undefined],
    ['010.0.0.1', undefined],
    ['10.0.0.0/33', undefined],
    ['10.0.0.0/08', undefined],
    ['10.0.0.0/8/8', undefined],
    ['fe80::1%eth0', undefined],
    ['fd00::/129', undefined],
  ])('%s → %s', (input, expected) => {
    expect(normaliseAddress(input)?.text).toBe(expected);
  });

  // The address check is the C library's inet_pton, not node's isIPv6: both must take the same texts.
  it.each(['::', '::1', 'fd00::1', 'FD00::A', '1:2:3:4:5:6:7:8', '::ffff:1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '1::2:3:4:5:6:7', '1::2::3', '::ffff:1.02.3.4', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '::1.2.3', '', ':', '1:::2', '[::1]', ' ::1', '::1 ', '::%', 'fe80::1%eth0', '::1\u0000', '::1\u0000x', '::ffff:1.2.3.4\u0000'])(
    '%j is IPv6 exactly when node:net says so',
    (text) => {
      expect(normaliseAddress(text)?.family === 'v6').toBe(isIPv6(text) && !text.includes('%'));
    },
  );
});

describe('ufw.parse', () => {
  it('reads the settings and both rules files', () => {
    const current = ufw.parse(probeOutput({ ENABLED: 'NO', LOGLEVEL: 'off', DEFAULT_INPUT_POLICY: '"ACCEPT"', DEFAULT_FORWARD_POLICY: "'REJECT'" }, [...SSH, '4 allow tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in']), want());
    expect(current).toEqual({
      installed: true,
      enabled: false,
      logging: 'off',
      defaults: { incoming: 'allow', outgoing: 'allow', routed: 'reject' },
      ipv6: true,
      tuples: [tuple({ dport: '22', comment: 'ssh' }), tuple({ dport: '22', comment: 'ssh', src: '::/0', dst: '::/0', v6: true }), tuple({ dport: '8080' })],
      bridgeLeft: false,
    });
  });

  it("takes the package's settings when ufw is not installed", () => {
    expect(ufw.parse('installed=no\n', want())).toEqual({
      installed: false,
      enabled: false,
      logging: 'low',
      defaults: { incoming: 'deny', outgoing: 'allow', routed: 'deny' },
      ipv6: true,
      tuples: [],
      bridgeLeft: false,
    });
  });

  it('reads the settings and rule lines of ufw files as grep and sed did, starting no process', () => {
    const dir = tempDir();
    try {
      const files = { conf: join(dir, 'ufw.conf'), defaults: join(dir, 'default ufw'), rules: join(dir, 'user.rules'), rules6: join(dir, "user6 '$x'.rules"), bridgeMarker: join(dir, "bridge '$x'") };
      writeFileSync(files.conf, '# ENABLED=no\n  LOGLEVEL=high\nENABLED=yes\nLOGLEVEL=\\t$(touch pwned) `x` *\nENABLED\nIPV6_X=no');
      writeFileSync(files.defaults, 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_INXYZ_POLICY=x\nDEFAULT_FORWARD_POLICY=\'REJECT\'\n### tuple ### allow tcp 1 0.0.0.0/0 any 0.0.0.0/0 in\nDEFAULT_OUTPUT_POLICY="ACCEPT"');
      writeFileSync(files.rules, '*filter\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\nENABLED=no\n ### tuple ### deny any 9 0.0.0.0/0 any 0.0.0.0/0 in\n### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in comment=\\x2a');
      writeFileSync(files.rules6, '### tuple ### allow tcp 22 ::/0 any ::/0 in\n');
      const onlySh = join(dir, 'bin');
      mkdirSync(onlySh);
      symlinkSync('/bin/sh', join(onlySh, 'sh'));
      expect(probeScriptLocally(ufwProbe(files), { PATH: onlySh }).split('\n')).toEqual([
        'installed=no',
        'ENABLED=yes',
        'LOGLEVEL=\\t$(touch pwned) `x` *',
        'IPV6=yes',
        'DEFAULT_INPUT_POLICY="DROP"',
        "DEFAULT_FORWARD_POLICY='REJECT'",
        'DEFAULT_OUTPUT_POLICY="ACCEPT"',
        'tuple4 allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in',
        'tuple4 allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in comment=\\x2a',
        'tuple6 allow tcp 22 ::/0 any ::/0 in',
        '',
      ]);
      expect(existsSync('pwned') || existsSync(join(dir, 'pwned'))).toBe(false);
      // An older build's marker (empty), then one naming this test's own process: read by builtins too.
      writeFileSync(files.bridgeMarker, '');
      expect(probeScriptLocally(ufwProbe(files), { PATH: onlySh }).split('\n').slice(-3)).toEqual(['bridge=', 'bridge_again=', '']);
      expect(ufw.parse(probeScriptLocally(ufwProbe(files), { PATH: onlySh }), want()).bridgeLeft).toBe(true);
      writeFileSync(files.bridgeMarker, ownerLine(process.pid));
      expect(ufw.parse(probeScriptLocally(ufwProbe(files), { PATH: onlySh }), want()).bridgeLeft).toBe(false);
    } finally {
      cleanup(dir);
    }
  });

  it('runs a read-only probe that exits 0 without ufw', () => {
    const current = probeLocally(ufw, want(), { PATH: '/usr/bin:/bin' });
    expect(typeof current.installed).toBe('boolean');
  });
});

describe("the bridge's marker and its owner", () => {
  it.each<[string, Record<string, string>, BridgeSeen]>([
    ['no marker', {}, 'none'],
    ['its owner running', { bridge: 'pid 812 start 5000', bridge_owner: '812 S 5000', bridge_again: 'pid 812 start 5000' }, 'running'],
    ['its owner gone (a stale pid)', { bridge: 'pid 812 start 5000', bridge_owner: '', bridge_again: 'pid 812 start 5000' }, 'left'],
    ['its pid used again by a process started later', { bridge: 'pid 812 start 5000', bridge_owner: '812 S 7345', bridge_again: 'pid 812 start 5000' }, 'left'],
    ['its owner a zombie: ended without removing it', { bridge: 'pid 812 start 5000', bridge_owner: '812 Z 5000', bridge_again: 'pid 812 start 5000' }, 'left'],
    ["another process's", { bridge: 'pid 812 start 5000', bridge_owner: '813 S 5000', bridge_again: 'pid 812 start 5000' }, 'left'],
    ["an older build's marker: empty, no owner", { bridge: '', bridge_again: '' }, 'left'],
    ['garbage', { bridge: 'pid 812 start', bridge_again: 'pid 812 start' }, 'left'],
    ['garbage naming a live pid', { bridge: 'pid 812 start 5000 x', bridge_owner: '812 S 5000', bridge_again: 'pid 812 start 5000 x' }, 'left'],
    ['removed by its owner before the second read', { bridge: 'pid 812 start 5000', bridge_owner: '' }, 'none'],
    ["replaced by another apply's before the second read", { bridge: '', bridge_again: 'pid 900 start 6000' }, 'running'],
  ])('%s', (_, fields, expected) => {
    expect(bridgeSeen(new Map(Object.entries(fields)))).toBe(expected);
  });

  /** A shell running as a command named `name` (comm, in /proc/PID/stat's parentheses), once it sleeps waiting on its stdin (its state, which the probe reads, stays as it is). */
  const named = async (name: string): Promise<ChildProcess> => {
    const dir = tempDir();
    onTestFinished(() => cleanup(dir));
    copyFileSync('/bin/sh', join(dir, name));
    chmodSync(join(dir, name), 0o755);
    const child = spawn(join(dir, name), ['-c', 'echo ready; read -r x'], { stdio: ['pipe', 'pipe', 'ignore'] });
    onTestFinished(() => void child.kill());
    await once(child.stdout, 'data');
    for (let tries = 0; tries < 1000 && !/\) S [^)]*$/.test(statOf(child.pid!)); tries++) await new Promise((resolve) => setTimeout(resolve, 5));
    return child;
  };

  it.each<[string, (owner: number) => string, BridgeSeen]>([
    ['a live owner with its start time', (owner) => ownerLine(owner), 'running'],
    ['a live pid with another start time (used again)', (owner) => ownerLine(owner, -1), 'left'],
    ['a pid whose process ended', () => `pid ${spawnSync('true').pid} start 1\n`, 'left'],
    ["an older build's (empty)", () => '', 'left'],
    ['garbage', () => 'hello\n', 'left'],
    ['a name, not a pid', () => 'pid self start 1\n', 'left'],
  ])('probed on this machine, a marker of %s', async (_, content, expected) => {
    // Its command name as hostile as one can be: spaces, parentheses, a state letter.
    const owner = await named('a) Z 9 (b');
    expect(statOf(owner.pid!)).toMatch(/^[0-9]+ \(a\) Z 9 \(b\) S /);
    const dir = tempDir();
    try {
      const marker = join(dir, 'provision-ufw-bridge');
      writeFileSync(marker, content(owner.pid!));
      // Inline, as the ufw probe runs: the batch's shell left as found.
      expect(bridgeSeen(parseFields(probeScriptLocally(bridgeProbe(marker), {}, true)))).toBe(expected);
    } finally {
      cleanup(dir);
    }
  });
});

describe('ufw.diff', () => {
  const converged = [...SSH, ...anywhere('allow tcp 443', 'https')];
  it.each<[string, UfwDesired, UfwCurrent, string[]]>([
    ['converged', want({ rules: [{ port: 443, comment: 'https' }] }), host(converged), []],
    ['a rule to add', want({ rules: [{ port: 443, comment: 'https' }, { port: 80 }] }), host(converged), ['+ allow 80/tcp from any']],
    ['a rule not declared', want(), host([...SSH, ...anywhere('allow tcp 8080')]), ['- allow 8080/tcp from any']],
    ['keep_unmanaged', want({ keep_unmanaged: true }), host([...SSH, ...anywhere('allow tcp 8080')]), []],
    [
      'keep_unmanaged still rewrites a rule for a declared port',
      want({ keep_unmanaged: true, rules: [{ port: 443, comment: 'web' }] }),
      host(converged),
      ['+ allow 443/tcp from any (web)', '- allow 443/tcp from any (https)'],
    ],
    ['a source list that is empty drops the rule', want({ rules: [{ port: 3306, from: '' }, { port: 3306, from: ' , ' }, { port: 3306, from: [] }] }), host(SSH), []],
    [
      'a source list makes a rule per source',
      want({ rules: [{ port: 3306, from: '10.77.0.12, 10.77.0.13/32,fd00::7', comment: 'db' }] }),
      host(SSH),
      ['+ allow 3306/tcp from 10.77.0.12 (db)', '+ allow 3306/tcp from 10.77.0.13 (db)', '+ allow 3306/tcp from fd00::7 (db)'],
    ],
    ['a source written another way is the same rule', want({ rules: [{ port: 3306, from: '10.77.0.12/32' }] }), host([...SSH, '4 allow tcp 3306 0.0.0.0/0 any 10.77.0.12 in']), []],
    ['a range, udp, to an address', want({ rules: [{ port: '60000:61000', proto: 'udp', to: '10.77.0.11' }] }), host(SSH), ['+ allow 60000:61000/udp from any to 10.77.0.11']],
    ['a changed action', want({ rules: [{ port: 80, action: 'deny' }] }), host([...SSH, ...anywhere('allow tcp 80')]), ['+ deny 80/tcp from any', '- allow 80/tcp from any']],
    ['a missing IPv6 half', want({ rules: [{ port: 80 }] }), host([...SSH, '4 allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in']), ['+ allow 80/tcp from any (IPv6 only)']],
    ['IPv6 switched off: user6.rules is ignored', want({ rules: [{ port: 80 }] }), host([SSH[0]!, '4 allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in', '6 allow tcp 8080 ::/0 any ::/0 in'], { IPV6: 'no' }), []],
    ['the SSH rule is added first', want({ rules: [{ port: 80 }] }), host([]), ['+ allow 22/tcp from any (ssh)', '+ allow 80/tcp from any']],
    ['an unmanaged rule of any shape', want(), host([...SSH, '4 route:allow_log tcp 77 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1']), ['- route allow in on eth0 out on eth1 log 77/tcp from any (IPv4 only)']],
    [
      'policies',
      want({ default_outgoing: 'deny' }),
      host(SSH, { DEFAULT_INPUT_POLICY: '"ACCEPT"', DEFAULT_FORWARD_POLICY: '"ACCEPT"' }),
      ['default incoming: allow → deny', 'default outgoing: allow → deny', 'default routed: allow → deny'],
    ],
    ['logging', want(), host(SSH, { LOGLEVEL: 'off' }), ['logging: off → low']],
    ['enable', want(), host(SSH, { ENABLED: 'no' }), ['state: inactive → active']],
    ['disable', want({ state: 'disabled' }), host(SSH), ['state: active → inactive']],
    ['not installed yet', want(), ufw.parse('installed=no', want()), ['+ allow 22/tcp from any (ssh)', 'state: not installed → active']],
    ['a bridge an interrupted apply left, alone', want(), host(SSH, LEFT), ['a bridge left by an interrupted apply is removed, and ufw reloads its rules']],
    ['a left bridge, removed first', want(), host(SSH, { ...LEFT, DEFAULT_INPUT_POLICY: '"ACCEPT"' }), ['a bridge left by an interrupted apply is removed, and ufw reloads its rules', 'default incoming: allow → deny']],
    ['a left bridge on an inactive firewall', want({ state: 'disabled' }), host(SSH, { ...LEFT, ENABLED: 'no' }), ['a bridge left by an interrupted apply is removed']],
  ])('%s', (_, desired, current, expected) => {
    expect(summaries(ufw.decide(desired, current).changes)).toEqual(expected);
  });
});

describe('ufw.apply (ufw stubbed)', () => {
  /** Stand-ins for the netfilter tools (never the machine's own firewall): ufw-user-input holds these rules, ufw6-user-input is missing. */
  const FIREWALL_TOOLS = ['iptables', 'ip6tables', 'iptables-restore', 'ip6tables-restore'];
  /** The bridge's marker is renamed into place and removed by these (recorded, then run for real on the marker in the stand-ins' directory: this machine's /run is never touched). */
  const MARKER_TOOLS = ['mv', 'rm'];
  const MARKER_BEHAVIOUR = { mv: 'exec /bin/mv "$@"', rm: 'exec /bin/rm "$@"' };
  /** An apply script whose bridge marker is in `dir` instead of /run; its calls read back with the marker's own path. */
  const markerIn = (dir: string): { script: (script: Shell) => Shell; calls: (calls: string[]) => string[]; path: string } => {
    const path = join(dir, 'provision-ufw-bridge');
    return {
      // A test's own rewrite of a path the script holds quoted as a plain word.
      script: (script) => script.replaceAll(BRIDGE_MARKER, path) as Shell,
      calls: (calls) => calls.filter((c) => !c.startsWith('rm ') || c.includes(path)).map((c) => c.replaceAll(path, BRIDGE_MARKER)),
      path,
    };
  };
  const USER_INPUT = ['-N ufw-user-input', '-A ufw-user-input -s 203.0.113.5/32 -j DROP', '-A ufw-user-input -p tcp -m tcp --dport 22 -j ACCEPT', '-A ufw-user-input -p tcp -m tcp --dport 25 -j ufw-user-logging-input', '-A ufw-user-input -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset', '-A ufw-user-input -s 10.77.0.11/32 -p tcp -m multiport --dports 80,443 -j ACCEPT', '-A ufw-user-input -p tcp -m tcp --dport 2222 -j ufw-user-limit', '-A ufw-user-input -p tcp -m tcp --dport 2222 -j ufw-user-limit-accept', '-A ufw-user-input -p tcp -m tcp --dport 8080 -j ACCEPT'].join('\n');
  /** INPUT as fail2ban leaves it: its chain, inserted first, comes before ufw's. */
  const F2B_FIRST = ['-P INPUT DROP', '-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd', '-A INPUT -j ufw-before-logging-input', '-A INPUT -j ufw-before-input', '-A INPUT -j ufw-after-input'].join('\n');
  /** Every call an apply script makes, each argument in brackets; what iptables-restore read is in `restored`. */
  /** A jump of INPUT, or the whole chain as `iptables -S` prints it, kept in the stand-ins' file `input`. */
  const BRIDGE_JUMP = '-A INPUT -j provision-ufw-bridge';
  /** awk putting `line` before INPUT's rule number n (its `-A` lines counted from 1). */
  const beforeRule = (line: string): string => `awk -v n="$n" '/^-A INPUT /{i++; if (i == n) print "${line}"} {print}' "$d/input" >"$d/input.new"; cat "$d/input.new" >"$d/input"`;
  const applyCalls = (desired: UfwDesired, current: UfwCurrent, ufwBehaviour = '', code = ufwBehaviour === '' ? 0 : 1, INPUT = F2B_FIRST, raced = false): { calls: string[]; restored: string } => {
    const stubs = stubCommands(['ufw', ...FIREWALL_TOOLS, ...MARKER_TOOLS], {
      ...MARKER_BEHAVIOUR,
      ufw: ufwBehaviour,
      // INPUT as the file `input` holds it; with `raced`, another tool inserts its rule first right after INPUT is first read. Deleting a jump that is not there fails, as iptables does.
      iptables: [
        'd=$(dirname "$0")',
        `case "$*" in "-w -S ufw-user-input") printf '%s\\n' '${USER_INPUT.replace(/\\n/g, "' '")}' ;;`,
        `  "-w -S INPUT") cat "$d/input"; if [ -e "$d/race" ]; then rm "$d/race"; n=1; ${beforeRule('-A INPUT -j other-tool')}; fi ;;`,
        `  "-w -D INPUT -j provision-ufw-bridge") grep -qx -e '${BRIDGE_JUMP}' "$d/input" || exit 1; grep -vx -e '${BRIDGE_JUMP}' "$d/input" >"$d/input.new"; cat "$d/input.new" >"$d/input" ;;`,
        '  "-w -D "*) exit 1 ;;',
        'esac',
      ].join('\n'),
      // No IPv6 firewall live: ufw6-user-input is not there.
      ip6tables: 'case "$*" in "-w -D "* | "-w -S ufw6-user-input") exit 1 ;; esac',
      // What it read, and its insert of the bridge's jump made in `input`.
      'iptables-restore': `d=$(dirname "$0"); r=$(cat); printf '%s\\n' "$r" >>"$d/restored"; n=$(printf '%s\\n' "$r" | sed -n 's/^-I INPUT \\([0-9]*\\) -j provision-ufw-bridge$/\\1/p'); ${beforeRule(BRIDGE_JUMP)}`,
    });
    writeFileSync(join(stubs.dir, 'input'), `${INPUT}\n`);
    if (raced) writeFileSync(join(stubs.dir, 'race'), '');
    const marker = markerIn(stubs.dir);
    const script = marker.script(ufw.apply(desired, ufw.decide(desired, current)));
    expect(syntaxOk(script)).toBe(true);
    const result = applyLocally(script, stubs.env);
    expect(result.code, result.stderr).toBe(code);
    const restored = join(stubs.dir, 'restored');
    return { calls: marker.calls(stubs.calls()), restored: existsSync(restored) ? readFileSync(restored, 'utf8') : '' };
  };
  /** The ufw calls an apply script makes, each argument in brackets. */
  const ufwCalls = (desired: UfwDesired, current: UfwCurrent): string[] => applyCalls(desired, current).calls.filter((c) => c.startsWith('ufw '));
  const SSH_CALLS = ['ufw [prepend] [allow] [proto] [tcp] [from] [any] [to] [any] [port] [22] [comment] [ssh]', 'ufw [allow] [proto] [tcp] [from] [any] [to] [any] [port] [22] [comment] [ssh]'];

  it('allows SSH first, then adds, deletes, sets policies and logging, and enables last', () => {
    const current = host(['4 allow tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in', '6 allow tcp 8080 ::/0 any ::/0 in'], { ENABLED: 'no', LOGLEVEL: 'off', DEFAULT_INPUT_POLICY: '"ACCEPT"' });
    expect(ufwCalls(want({ rules: [{ port: 443, comment: 'https' }, { port: 3306, from: '10.77.0.12' }] }), current)).toEqual([
      ...SSH_CALLS,
      'ufw [allow] [proto] [tcp] [from] [any] [to] [any] [port] [443] [comment] [https]',
      'ufw [allow] [proto] [tcp] [from] [10.77.0.12] [to] [any] [port] [3306]',
      'ufw [delete] [allow] [proto] [tcp] [from] [any] [to] [any] [port] [8080]',
      'ufw [default] [deny] [incoming]',
      'ufw [logging] [low]',
      'ufw [--force] [enable]',
    ]);
  });

  it('allows SSH first even when only a policy changes', () => {
    expect(ufwCalls(want(), host(SSH, { DEFAULT_INPUT_POLICY: '"ACCEPT"' }))).toEqual([...SSH_CALLS, 'ufw [default] [deny] [incoming]']);
  });

  it('lets an added rule rewrite one with the same port instead of deleting it', () => {
    const calls = ufwCalls(want({ rules: [{ port: 80, action: 'limit' }] }), host([...SSH, ...anywhere('allow tcp 80')]));
    expect(calls.slice(2)).toEqual(['ufw [limit] [proto] [tcp] [from] [any] [to] [any] [port] [80]']);
  });

  it("deletes one family's half by that family's anywhere", () => {
    const calls = ufwCalls(want(), host([...SSH, '6 allow udp 53 ::/0 any ::/0 in']));
    expect(calls.slice(2)).toEqual(['ufw [delete] [allow] [proto] [udp] [from] [::/0] [to] [::/0] [port] [53]']);
  });

  it("a live firewall's allowed traffic passes while ufw changes it, and nothing it denied: loopback, open connections, its drop of invalid packets and its allow, deny and reject rules in their order, up to its first limit rule, in a chain INPUT jumps to where ufw's rules begin, removed after the last ufw call", () => {
    const { calls, restored } = applyCalls(want(), host(SSH, { DEFAULT_FORWARD_POLICY: '"ACCEPT"' }));
    expect(restored).toBe('*filter\n:provision-ufw-bridge - [0:0]\n-A provision-ufw-bridge -i lo -j ACCEPT\n-A provision-ufw-bridge -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A provision-ufw-bridge -m conntrack --ctstate INVALID -j DROP\n-A provision-ufw-bridge -s 203.0.113.5/32 -j DROP\n-A provision-ufw-bridge -p tcp -m tcp --dport 22 -j ACCEPT\n-A provision-ufw-bridge -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset\n-A provision-ufw-bridge -s 10.77.0.11/32 -p tcp -m multiport --dports 80,443 -j ACCEPT\n-I INPUT 2 -j provision-ufw-bridge\nCOMMIT\n');
    const restore = calls.indexOf('iptables-restore [-w] [-n]');
    const policy = calls.indexOf('ufw [default] [deny] [routed]');
    const removed = calls.lastIndexOf('iptables [-w] [-X] [provision-ufw-bridge]');
    expect([restore, policy, removed].every((i) => i >= 0)).toBe(true);
    expect(restore).toBeLessThan(calls.findIndex((c) => c.startsWith('ufw ')));
    // In place where it was put: kept until the change is done.
    expect(calls.slice(restore, policy)).not.toContain('iptables [-w] [-D] [INPUT] [-j] [provision-ufw-bridge]');
    expect(removed).toBeGreaterThan(policy);
    // No IPv6 firewall live here: nothing to bridge.
    expect(calls).not.toContain('ip6tables-restore [-w] [-n]');
  });

  it.each<[string, string, string]>([
    ["fail2ban's chain first: it stays first, the bridge goes right before ufw's", F2B_FIRST, '-I INPUT 2 -j provision-ufw-bridge'],
    ["ufw's rules first: the bridge goes first", ['-P INPUT DROP', '-A INPUT -j ufw-before-logging-input', '-A INPUT -j ufw-before-input', '-A INPUT -p tcp -m tcp --dport 22 -j f2b-sshd'].join('\n'), '-I INPUT 1 -j provision-ufw-bridge'],
    ['without the logging chain: before ufw-before-input', ['-P INPUT ACCEPT', '-A INPUT -j f2b-sshd', '-A INPUT -s 198.51.100.7/32 -j DROP', '-A INPUT -j ufw-before-input'].join('\n'), '-I INPUT 3 -j provision-ufw-bridge'],
  ])('the bridge never passes what INPUT ran before ufw: %s', (_, input, jump) => {
    const { calls, restored } = applyCalls(want(), host(SSH, { DEFAULT_FORWARD_POLICY: '"ACCEPT"' }), '', 0, input);
    expect(calls).toContain('iptables [-w] [-S] [INPUT]');
    expect(restored.split('\n').filter((l) => l.includes('INPUT'))).toEqual([jump]);
    expect(restored).toContain('-A provision-ufw-bridge -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A provision-ufw-bridge -m conntrack --ctstate INVALID -j DROP\n-A provision-ufw-bridge -s 203.0.113.5/32 -j DROP\n');
  });

  it("another tool's rule inserted first in INPUT between the bridge's read of it and its insert: the bridge, then before that rule, is taken out before any ufw call (ufw alone, never a bridge passing what that rule stops)", () => {
    const { calls, restored } = applyCalls(want(), host(SSH, { DEFAULT_FORWARD_POLICY: '"ACCEPT"' }), '', 0, F2B_FIRST, true);
    expect(restored).toContain('-I INPUT 2 -j provision-ufw-bridge');
    const taken = calls.indexOf('iptables [-w] [-D] [INPUT] [-j] [provision-ufw-bridge]', calls.indexOf('iptables-restore [-w] [-n]'));
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThan(calls.indexOf('ufw [default] [deny] [routed]'));
  });

  it('no jump to ufw in INPUT: the family is not live, no bridge for it', () => {
    const { calls, restored } = applyCalls(want(), host(SSH, { DEFAULT_FORWARD_POLICY: '"ACCEPT"' }), '', 0, ['-P INPUT ACCEPT', '-A INPUT -j f2b-sshd', '-A INPUT -j ufw6-before-input'].join('\n'));
    expect(restored).toBe('');
    expect(calls).toContain('ufw [default] [deny] [routed]');
  });

  it('the bridge is removed when a ufw call fails too', () => {
    const { calls } = applyCalls(want(), host(SSH, { DEFAULT_FORWARD_POLICY: '"ACCEPT"' }), 'case "$1" in default) exit 1 ;; esac');
    expect(calls.slice(-2)).toEqual(['ip6tables [-w] [-X] [provision-ufw-bridge]', `rm [-f] [${BRIDGE_MARKER}]`]);
    expect(calls).toContain('iptables [-w] [-D] [INPUT] [-j] [provision-ufw-bridge]');
  });

  it('the marker the probe sees is made before the bridge is installed and removed after it is', () => {
    const { calls } = applyCalls(want(), host(SSH, { DEFAULT_FORWARD_POLICY: '"ACCEPT"' }));
    const touched = calls.indexOf(`mv [-f] [${BRIDGE_MARKER}.new] [${BRIDGE_MARKER}]`);
    expect(touched).toBeGreaterThanOrEqual(0);
    expect(touched).toBeLessThan(calls.indexOf('iptables-restore [-w] [-n]'));
    expect(calls.at(-1)).toBe(`rm [-f] [${BRIDGE_MARKER}]`);
    expect(calls.at(-2)).toBe('ip6tables [-w] [-X] [provision-ufw-bridge]');
  });

  it("the marker names the shell whose EXIT trap removes the bridge: while ufw runs, the probe sees a running apply's bridge; once that shell is killed outright (SIGKILL: no trap), a leftover", () => {
    const seen = (stubs: { dir: string }): BridgeSeen => bridgeSeen(parseFields(readFileSync(join(stubs.dir, 'seen'), 'utf8')));
    for (const [kill, expected] of [['', 'running'], ['kill -KILL $PPID', 'left']] as const) {
      // ufw, mid-change, runs the probe (then kills its parent, the step's shell, as the OOM killer would).
      const stubs = stubCommands(['ufw', ...FIREWALL_TOOLS, ...MARKER_TOOLS], {
        ...MARKER_BEHAVIOUR,
        ufw: `case "$1" in default) ${kill} ;; *) exit 0 ;; esac; sh "$(dirname "$0")/probe" >"$(dirname "$0")/seen"`,
        iptables: `case "$*" in "-w -S ufw-user-input") printf '%s\\n' '-N ufw-user-input' ;; "-w -D "*) exit 1 ;; esac`,
        ip6tables: 'exit 1',
      });
      const marker = markerIn(stubs.dir);
      writeFileSync(join(stubs.dir, 'probe'), bridgeProbe(marker.path));
      applyLocally(marker.script(ufw.apply(want(), ufw.decide(want(), host(SSH, { DEFAULT_FORWARD_POLICY: '"ACCEPT"' })))), stubs.env);
      expect(seen(stubs), kill).toBe(expected);
      expect(existsSync(marker.path)).toBe(expected === 'left');
    }
  });

  it('no bridge without its marker: one the probe could not see is never installed', () => {
    const stubs = stubCommands(['ufw', ...FIREWALL_TOOLS, ...MARKER_TOOLS], { ...MARKER_BEHAVIOUR, mv: 'exit 1', iptables: `case "$*" in "-w -S ufw-user-input") printf '%s\\n' '-N ufw-user-input' ;; "-w -D "*) exit 1 ;; esac`, ip6tables: 'exit 1' });
    expect(applyLocally(markerIn(stubs.dir).script(ufw.apply(want(), ufw.decide(want(), host(SSH, { DEFAULT_FORWARD_POLICY: '"ACCEPT"' })))), stubs.env).code).toBe(0);
    expect(stubs.calls()).toContain('ufw [default] [deny] [routed]');
    expect(stubs.calls().filter((c) => c.includes('-restore'))).toEqual([]);
  });

  it.each<[string, number]>([
    ['HUP', 129],
    ['INT', 130],
    ['QUIT', 131],
    ['PIPE', 141],
    ['TERM', 143],
  ])('an apply stopped by SIG%s removes the bridge and its marker, and exits as the signal says', (signal, code) => {
    // ufw, mid-change, signals the apply script's shell (its parent) as a hang-up or a stop would.
    const { calls } = applyCalls(want(), host(SSH, { DEFAULT_FORWARD_POLICY: '"ACCEPT"' }), `case "$1" in default) kill -${signal} $PPID ;; esac`, code);
    expect(calls.slice(calls.indexOf('ufw [default] [deny] [routed]') + 1).slice(-2)).toEqual(['ip6tables [-w] [-X] [provision-ufw-bridge]', `rm [-f] [${BRIDGE_MARKER}]`]);
  });

  it('a bridge an interrupted apply left: ufw reloads its rules from its files under a new bridge, which goes after (a killed ufw command can leave the live firewall stopped)', () => {
    const { calls, restored } = applyCalls(want(), host(SSH, LEFT));
    expect(restored).toContain('-I INPUT 2 -j provision-ufw-bridge');
    expect(calls.filter((c) => c.startsWith('ufw '))).toEqual([...SSH_CALLS, 'ufw [reload]']);
    expect(calls.indexOf('iptables-restore [-w] [-n]')).toBeLessThan(calls.indexOf('ufw [reload]'));
    expect(calls.lastIndexOf('iptables [-w] [-X] [provision-ufw-bridge]')).toBeGreaterThan(calls.indexOf('ufw [reload]'));
    expect(calls.at(-1)).toBe(`rm [-f] [${BRIDGE_MARKER}]`);
  });

  it('a bridge left on a firewall that stays off is removed alone: no ufw call', () => {
    const { calls } = applyCalls(want({ state: 'disabled' }), host(SSH, { ...LEFT, ENABLED: 'no' }));
    expect(calls).toContain('iptables [-w] [-X] [provision-ufw-bridge]');
    expect(calls.at(-1)).toBe(`rm [-f] [${BRIDGE_MARKER}]`);
    expect(calls.filter((c) => c.startsWith('ufw ') || c.startsWith('touch ') || c.includes('-restore'))).toEqual([]);
  });

  it('a left bridge on an inactive firewall is removed before ufw changes it, and no new one is installed', () => {
    const { calls } = applyCalls(want(), host(SSH, { ...LEFT, ENABLED: 'no' }));
    expect(calls.indexOf(`rm [-f] [${BRIDGE_MARKER}]`)).toBeLessThan(calls.indexOf('ufw [--force] [enable]'));
    expect(calls.filter((c) => c.startsWith('touch ') || c.includes('-restore'))).toEqual([]);
  });

  it('no bridge for a firewall that is not active', () => {
    const { calls } = applyCalls(want(), host(SSH, { ENABLED: 'no' }));
    expect(calls.filter((c) => !c.startsWith('ufw '))).toEqual([]);
  });

  it('disables without touching rules', () => {
    expect(ufwCalls(want({ state: 'disabled' }), host(SSH))).toEqual([...SSH_CALLS, 'ufw [disable]']);
  });

  it('does nothing when in state', () => {
    expect(ufw.apply(want(), ufw.decide(want(), host(SSH)))).toBe(':');
  });

  it('fails clearly when ufw is missing', () => {
    const result = applyLocally(ufw.apply(want(), ufw.decide(want(), ufw.parse('installed=no', want()))), { PATH: '/nonexistent-provision-dir:/bin' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('provision: ufw is not installed: install the ufw package before the ufw resource\n');
  });

  it('passes a hostile comment as one word, never as shell code', () => {
    const dir = tempDir();
    try {
      const mark = join(dir, 'pwned');
      for (const comment of [`$(touch ${mark})`, `\`touch ${mark}\``, `"; touch ${mark}; "`, `\\"; touch ${mark} #`, `a  b;|&<>*?`]) {
        const calls = ufwCalls(want({ rules: [{ port: 443, comment }] }), host(SSH));
        expect(calls[2]).toBe(`ufw [allow] [proto] [tcp] [from] [any] [to] [any] [port] [443] [comment] [${comment}]`);
        expect(existsSync(mark), comment).toBe(false);
      }
    } finally {
      cleanup(dir);
    }
  });
});

describe('ufw rule commands, for rules of every shape', () => {
  it.each<[string, string[], string]>([
    ['both families', ['allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in', '6:allow tcp 80 ::/0 any ::/0 in'], 'ufw delete allow proto tcp from any to any port 80'],
    ['a source port, an interface and log-all', ['allow_log-all udp 99 0.0.0.0/0 53 0.0.0.0/0 in_eth0'], 'ufw delete allow in on eth0 log-all proto udp from 0.0.0.0/0 port 53 to 0.0.0.0/0 port 99'],
    ['a routed rule between interfaces', ['route:allow tcp 77 0.0.0.0/0 any 10.0.0.0/8 in_eth0!out_eth1'], 'ufw route delete allow in on eth0 out on eth1 proto tcp from 10.0.0.0/8 to any port 77'],
    ['an outgoing rule', ['deny tcp 31 10.77.0.1 any 0.0.0.0/0 out'], 'ufw delete deny out proto tcp from any to 10.77.0.1 port 31'],
    ['an application rule', ['allow tcp 80,443 0.0.0.0/0 any 0.0.0.0/0 Nginx%20Full - in'], "ufw delete allow from 0.0.0.0/0 to 0.0.0.0/0 app 'Nginx Full'"],
    ['a comment', [`allow tcp 443 0.0.0.0/0 any 10.0.0.0/8 in comment=${hex('web site')}`], "ufw delete allow proto tcp from 10.0.0.0/8 to any port 443 comment 'web site'"],
    ["a comment ufw would refuse (hand-edited file)", [`allow tcp 443 0.0.0.0/0 any 10.0.0.0/8 in comment=${hex("it's")}`], 'ufw delete allow proto tcp from 10.0.0.0/8 to any port 443'],
  ])('%s', (_, lines, expected) => {
    const tuples = lines.map((l) => (l.startsWith('6:') ? parseTuple(l.slice(2), true)! : parseTuple(l, false)!));
    const [group] = groupTuples(tuples);
    expect(ruleCommand(group!, 'delete')).toBe(expected);
  });
});

describe('ufw.validate', () => {
  it.each([
    ['no ssh_port', {}, 'ssh_port', /'ssh_port' is required/],
    ['a bad ssh_port', { ssh_port: 70000 }, 'ssh_port', /must be a port/],
    ['an unknown key, with a suggestion', { ssh_port: 22, keep_unmanged: true }, 'keep_unmanged', /did you mean 'keep_unmanaged'/],
    ['a bad policy, with a suggestion', { ssh_port: 22, default_incoming: 'drop' }, 'default_incoming', /one of allow, deny, reject/],
    ['a bad log level', { ssh_port: 22, logging: 'verbose' }, 'logging', /one of off, low, medium, high, full/],
    ['rules that are not a list', { ssh_port: 22, rules: { port: 80 } }, 'rules', /must be a list of rules/],
    ['a rule that is not a mapping', { ssh_port: 22, rules: [80] }, 'rules', /rules\[0\] 80: expected a mapping/],
    ['an unknown rule key, with a suggestion', { ssh_port: 22, rules: [{ port: 80, prot: 'tcp' }] }, 'rules', /rules\[0\] \{"port":80,"prot":"tcp"\}: unknown key 'prot'; did you mean 'proto'\?/],
    ['a bad action, with a suggestion', { ssh_port: 22, rules: [{ port: 80, action: 'alow' }] }, 'rules', /'action' must be one of allow, deny, reject, limit, got string "alow"; did you mean 'allow'\?/],
    ['no port', { ssh_port: 22, rules: [{ proto: 'tcp' }] }, 'rules', /'port' is required/],
    ['a port that is not a number', { ssh_port: 22, rules: [{ port: '80x' }] }, 'rules', /'port' must be a port \(1-65535\) or a range/],
    ['port 0', { ssh_port: 22, rules: [{ port: 0 }] }, 'rules', /'port' must be a port/],
    ['a fractional port', { ssh_port: 22, rules: [{ port: 80.5 }] }, 'rules', /'port' must be a port/],
    ['a list of ports', { ssh_port: 22, rules: [{ port: [80, 443] }] }, 'rules', /'port' must be a port .*got a list/],
    ['a port too high', { ssh_port: 22, rules: [{ port: 65536 }] }, 'rules', /'port' must be a port/],
    ['a backwards range', { ssh_port: 22, rules: [{ port: '90:80' }] }, 'rules', /'port' must be a port/],
    ['a range for any protocol', { ssh_port: 22, rules: [{ port: '80:90', proto: 'any' }] }, 'rules', /a port range needs proto tcp or udp/],
    ['a host name as source', { ssh_port: 22, rules: [{ port: 3306, from: 'web-02' }] }, 'rules', /'from' must be an IPv4\/IPv6 address or network/],
    ['a comment with a quote', { ssh_port: 22, rules: [{ port: 80, comment: "it's" }] }, 'rules', /'comment' must be one line without '/],
    ['mixed IP versions', { ssh_port: 22, rules: [{ port: 80, from: '10.0.0.1', to: 'fd00::1' }] }, 'rules', /not of the same IP version/],
    ['two actions for one rule', { ssh_port: 22, rules: [{ port: 80 }, { port: 80, action: 'deny' }] }, 'rules', /allow 80\/tcp from any and deny 80\/tcp from any are the same rule with different actions/],
    ['a rule that would block SSH', { ssh_port: 2222, rules: [{ port: 2222, action: 'deny' }] }, 'rules', /deny 2222\/tcp from any would cut the SSH connection provision uses/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(ufw, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });

  it('fills in the defaults, keeps each rule once, and takes SSH from a template as a string', () => {
    const desired = ufw.validate({ ssh_port: '2222', rules: [{ port: '443', comment: 'https' }, { port: 443, comment: 'web' }, { port: 80 }] });
    expect(desired).toEqual({
      state: 'enabled',
      defaults: { incoming: 'deny', outgoing: 'allow', routed: 'deny' },
      logging: 'low',
      ssh: { action: 'allow', proto: 'tcp', port: '2222', comment: 'ssh' },
      rules: [
        { action: 'allow', proto: 'tcp', port: '443', from: undefined, to: undefined, comment: 'https' },
        { action: 'allow', proto: 'tcp', port: '80', from: undefined, to: undefined, comment: '' },
      ],
      keepUnmanaged: false,
    });
  });

  it('lets a declared rule for the SSH port set its action and comment', () => {
    expect(want({ rules: [{ port: 22, action: 'limit', comment: 'ssh, rate-limited' }] }).ssh).toMatchObject({ action: 'limit', port: '22', comment: 'ssh, rate-limited' });
  });
});

describe('ufw.status: what provision status checks for the firewall', () => {
  it('only a firewall the role enables is checked', () => {
    expect(ufw.status!(want({ state: 'disabled' }))).toBeUndefined();
    expect(syntaxOk(ufw.status!(want())!.script)).toBe(true);
  });

  it.each([
    ['active', 'Status: active\n', true, []],
    ['inactive', 'Status: inactive\n', false, ['ufw is not active']],
    ['not installed (no output)', '', false, ['ufw is not active']],
  ])('%s', (_, output, active, problems) => {
    expect(ufw.status!(want())!.read(output)).toEqual({ facts: { ufw_active: active }, problems, warnings: [] });
  });

  it('its column', () => {
    const [column] = ufw.status!(want())!.columns;
    expect([true, false, undefined].map((ufw_active) => column!.cell(ufw_active === undefined ? {} : { ufw_active }, new Date()))).toEqual(['active', 'INACTIVE', '-']);
  });
});
