/**
 * ansible.cfg is read as Ansible's configparser.ConfigParser(inline_comment_prefixes=(';',))
 * reads it: every text below is read by Python's configparser (the oracle, in one process)
 * and by readIni, and the sections, keys and raw values (or the refusal) must match.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { iniValue, readIni } from './config-ini.js';

const TEXTS: Record<string, string> = {
  'key = value, key: value, spaces around': '[defaults]\nremote_user = deploy\nforks: 7\n  timeout   =   30  \n',
  'inline ; comment after a space, not without one': '[defaults]\nremote_user = deploy ; the user\nprivate_key_file = ~/.ssh/k;not a comment\nx = a\t; tab before\n',
  '# inside a value is kept (only ; is an inline comment)': '[defaults]\nremote_user = deploy # not a comment\n',
  'full-line comments with # and ;, also indented': '# top\n[defaults]\n; comment\n  # indented comment\nforks = 3\n',
  'continuation lines and blank lines inside a value': '[ssh_connection]\nssh_args = -C\n  -o ControlMaster=auto\n\n  -o ProxyJump=bastion\n\n\n[defaults]\nforks = 2\n',
  'a comment line inside a value is dropped, a blank one kept': '[ssh_connection]\nssh_args = -C\n# between\n  -o ProxyJump=b\n',
  'first = or : splits, the key is lowercased': '[defaults]\nRemote_User = Deploy\nssh_args = -o ProxyJump=bastion\na:b = c\n',
  '% is kept as written (values are read raw)': '[defaults]\nremote_user = 100%%\nprivate_key_file = %(here)s/k\n',
  '[DEFAULT] gives values to every section': '[DEFAULT]\nremote_user = from_default\n[defaults]\nforks = 3\n[privilege_escalation]\nbecome = True\n',
  'two [DEFAULT] sections': '[DEFAULT]\na = 1\n[defaults]\nforks = 3\n[DEFAULT]\nb = 2\n',
  'section names keep their case; junk after ] is ignored': '[Defaults]\nforks = 1\n[defaults] trailing\nforks = 2\n',
  'empty values': '[defaults]\nremote_user =\nforks=\n',
  'Windows line ends': '[defaults]\r\nremote_user = deploy\r\nforks = 4\r\n',
  'a section header inside a value ends it only when not indented': '[defaults]\nx = a\n  [not a section]\n[privilege_escalation]\nbecome = yes\n',
  'quotes are kept by the reader': '[defaults]\nremote_user = "deploy"\n',
  'refused: a line before any section': 'remote_user = deploy\n[defaults]\n',
  'refused: a duplicate section': '[defaults]\na = 1\n[defaults]\nb = 2\n',
  'refused: a duplicate key (case-insensitive)': '[defaults]\nforks = 1\nFORKS = 2\n',
  'refused: a line without = or :': '[defaults]\nremote_user deploy\n',
  'refused: a byte order mark before the first section header': '\uFEFF[defaults]\nremote_user = deploy\n',
  'refused: a byte order mark before a comment': '\uFEFF# made on Windows\n[defaults]\nforks = 2\n',
  'refused: an empty key': '[defaults]\n= value\n',
  'refused: a byte-order mark before the first section': '\ufeff[defaults]\nforks = 1\n',
};

const ORACLE = `
import configparser, json, sys
out = []
for text in json.load(sys.stdin):
    p = configparser.ConfigParser(inline_comment_prefixes=(';',))
    try:
        p.read_string(text)
    except configparser.Error as e:
        out.append({'error': type(e).__name__})
        continue
    sections = {s: {k: p.get(s, k, raw=True) for k in p.options(s)} for s in p.sections()}
    out.append({'sections': sections, 'defaults': dict(p.defaults())})
json.dump(out, sys.stdout)
`;

type Oracle = { error: string } | { sections: Record<string, Record<string, string>>; defaults: Record<string, string> };

/** What readIni gives, in the oracle's shape: every section's keys with [DEFAULT]'s folded in, as configparser's get() sees them. */
function provisionReads(text: string): Oracle | { error: string } {
  try {
    const file = readIni(text, 'ansible.cfg');
    const sections: Record<string, Record<string, string>> = {};
    for (const [name, keys] of file.sections) {
      sections[name] = Object.fromEntries([...new Set([...keys.keys(), ...file.defaults.keys()])].map((key) => [key, iniValue(file, name, key)!.value]));
    }
    return { sections, defaults: Object.fromEntries([...file.defaults].map(([k, v]) => [k, v.value])) };
  } catch (err) {
    if (err instanceof UserError) return { error: 'refused' };
    throw err;
  }
}

describe('ansible.cfg is read as Python configparser reads it (differential, Python is the oracle)', () => {
  const names = Object.keys(TEXTS);
  const oracle = JSON.parse(execFileSync('/usr/bin/python3', ['-c', ORACLE], { input: JSON.stringify(Object.values(TEXTS)), encoding: 'utf8' })) as Oracle[];
  it.each(names.map((name, i) => [name, i] as const))('%s', (name, i) => {
    const expected = oracle[i]!;
    const got = provisionReads(TEXTS[name]!);
    if ('error' in expected) expect(got).toEqual({ error: 'refused' });
    else expect(got).toEqual(expected);
  });
});

/** The formatted UserError a call throws. */
function refusal(call: () => unknown): string {
  try {
    call();
  } catch (err) {
    if (err instanceof UserError) return err.format();
    throw err;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

describe('readIni errors', () => {
  it.each([
    ['remote_user = deploy\n', 'ansible.cfg:1:1: expected a [section] header before any setting (Ansible refuses the file too)'],
    ['[defaults]\nforks = 1\n\n  [x]\n[defaults]\n', 'ansible.cfg:5:1: section [defaults] is already written above: Ansible refuses a duplicate section'],
    ['[defaults]\nforks = 1\nForks = 2\n', "ansible.cfg:3:1: 'forks' is already set above in [defaults]: Ansible refuses a duplicate key"],
    ['[defaults]\nremote_user deploy\n', `ansible.cfg:2:1: expected 'key = value' (Ansible refuses the file too), got "remote_user deploy"`],
    ['\uFEFF[defaults]\nforks = 1\n', 'ansible.cfg:1:1: the file starts with a UTF-8 byte order mark (BOM), which Ansible refuses too (it reads it as text before the first [section] header): save the file as UTF-8 without a BOM (in vim: set nobomb, then write)'],
  ])('%j', (text, message) => {
    expect(refusal(() => readIni(text, 'ansible.cfg'))).toBe(message);
  });

  it('says where each key is written', () => {
    const file = readIni('[defaults]\n\n  remote_user = deploy\n', 'ansible.cfg');
    expect(iniValue(file, 'defaults', 'remote_user')).toEqual({ value: 'deploy', position: { file: 'ansible.cfg', line: 3, col: 3 } });
  });
});
