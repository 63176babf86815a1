import { describe, expect, it } from 'vitest';
import { casesOf, EffectLog, type Effects, unitName } from './lookahead.js';

const file = (by: string): Effects => ({ paths: new Map([['/etc/a', { kind: 'file', by, attributes: { owner: 'root', group: 'root', mode: '0644' }, size: 1, keepsExisting: false }]]) });

describe('EffectLog', () => {
  it('a probe sees the changes of earlier rounds; an apply-time decision, those of its own round before it too', () => {
    const log = new EffectLog();
    log.add(file('package a'), 0);
    log.add({ paths: new Map([['/etc/b', { kind: 'absent', by: 'file /etc/b' }]]) }, 1);
    const ahead = log.view(1);
    expect(ahead.path('/etc/a')?.by).toBe('package a');
    expect(ahead.path('/etc/b')).toBeUndefined();
    expect(ahead.atApply.path('/etc/b')).toEqual({ kind: 'absent', by: 'file /etc/b' });
    expect(log.view(0).path('/etc/a')).toBeUndefined();
    expect(log.view(0).atApply.path('/etc/a')?.by).toBe('package a');
    expect(log.affects(0)).toBe(false);
    expect(log.affects(1)).toBe(true);
    expect(log.first(1)).toBe('package a');
  });

  it('the latest change that says something decides; trees and "anything" cover what they hold', () => {
    const log = new EffectLog();
    log.add(file('package a'), 0);
    log.add({ trees: [{ path: '/etc', by: 'package b', kind: 'unknown', why: 'its postinst may change anything in /etc (cp)' }] }, 0);
    log.add({ anything: { by: 'command x', why: 'a command runs' } }, 0);
    const ahead = log.view(1);
    expect(ahead.path('/etc/a')).toEqual({ kind: 'unknown', by: 'command x', why: 'a command runs' });
    expect(ahead.unit('nginx')).toMatchObject({ by: 'command x', loadState: 'unknown' });
    expect(ahead.account('user', 'app')).toEqual({ by: 'command x', why: 'a command runs' });
    const trees = new EffectLog();
    trees.add(file('package a'), 0);
    trees.add({ trees: [{ path: '/etc', by: 'package b', kind: 'unknown', why: 'w' }] }, 0);
    expect(trees.view(1).path('/etc/a')?.by).toBe('package b');
    expect(trees.view(1).path('/etcetera')).toBeUndefined();
    const prefix = new EffectLog();
    prefix.add({ trees: [{ path: '/var/lib/mysql-*', by: 'package m', kind: 'unknown', why: 'w' }] }, 0);
    expect(prefix.view(1).path('/var/lib/mysql-old/x')?.by).toBe('package m');
    expect(prefix.view(1).path('/var/lib/mysql')).toBeUndefined();
  });

  it('empty effects are not recorded', () => {
    const log = new EffectLog();
    log.add({ paths: new Map(), trees: [] }, 0);
    expect(log.affects(1)).toBe(false);
  });

  it('a guard is affected by a change to a path it names or to a program it runs', () => {
    const log = new EffectLog();
    log.add({ paths: new Map([['/usr/bin/jq', { kind: 'file', by: 'package jq', attributes: { owner: 'root', group: 'root', mode: '0755' }, size: 1, keepsExisting: false }]]) }, 0);
    const ahead = log.view(1);
    expect(ahead.shell('jq . /etc/x.json')).toEqual({ by: 'package jq', why: 'it installs /usr/bin/jq, which the command runs' });
    expect(ahead.shell('test -e /usr/bin/jq')).toEqual({ by: 'package jq', why: 'it changes /usr/bin/jq, which the command names' });
    expect(ahead.shell('grep -q x /etc/y')).toBeUndefined();
  });
});

describe('helpers', () => {
  it('unitName adds .service only when there is no type', () => {
    expect([unitName('nginx'), unitName('x.socket'), unitName('getty@tty1.service')]).toEqual(['nginx.service', 'x.socket', 'getty@tty1.service']);
  });

  it('casesOf says what happens in each case', () => {
    expect(casesOf([['it is there', [{ summary: 'symlink → absent' }]], ['it is not', []]])).toEqual([{ summary: 'if it is there: symlink → absent' }, { summary: 'if it is not: nothing to do' }]);
  });
});
