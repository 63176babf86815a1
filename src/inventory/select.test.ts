import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ansibleCorpusPath, fixtureDir, userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { loadInventory } from './load.js';
import { selectHosts } from './select.js';

const site = loadInventory(path.join(fixtureDir('good'), 'site.yaml'), {
  env: { SUMO_ACCESS_ID: 'id-1', SUMO_ACCESS_KEY: 'key-1', DB_PASSWORD: 'pw-1' },
});
const KNOWN = 'known hosts: lb-01, web-01, web-02; groups: all, ungrouped, lb, app, db_primary, db_replica';

describe('selectHosts', () => {
  it.each([
    [undefined, ['lb-01', 'web-01', 'web-02']],
    ['all', ['lb-01', 'web-01', 'web-02']],
    ['web-01', ['web-01']],
    ['app', ['web-01', 'web-02']],
    ['web-*', ['web-01', 'web-02']],
    ['db_*', ['web-01', 'web-02']],
    ['web-0?', ['web-01', 'web-02']],
    // inventory order, whatever the order of the pattern
    ['web-02,lb', ['lb-01', 'web-02']],
    ['web-02:lb-01', ['lb-01', 'web-02']],
    [' app , lb ', ['lb-01', 'web-01', 'web-02']],
    ['all:!web-01', ['lb-01', 'web-02']],
    ['!lb', ['web-01', 'web-02']],
    ['app:&db_primary', ['web-01']],
    // exclusions and intersections apply after the plain names, as in Ansible
    ['!web-01:all', ['lb-01', 'web-02']],
    ['&app,lb,web-01', ['web-01']],
    ['web-01,web-01', ['web-01']],
  ])('%s selects %j', (limit, expected) => {
    expect(selectHosts(site, limit).map((h) => h.name)).toEqual(expected);
  });

  it.each([
    ['web-1', `--limit 'web-1' matches no host; ${KNOWN}; did you mean 'web-01'?`],
    ['app:!web-99', `--limit 'web-99' matches no host; ${KNOWN}; did you mean 'web-01'?`],
    ['&apps', `--limit 'apps' matches no host; ${KNOWN}; did you mean 'app'?`],
    ['zzz*', `--limit 'zzz*' matches no host; ${KNOWN}`],
    ['lb:&app', `--limit 'lb:&app' matches no host; ${KNOWN}`],
    ['', "--limit '' is empty: expected host or group names"],
    [' , ', "--limit ' , ' is empty: expected host or group names"],
    ['app:!', "--limit 'app:!': '!' alone: expected a host or group name after it"],
  ])('rejects %j', (limit, message) => {
    expect(userErrorOf(() => selectHosts(site, limit)).format()).toBe(message);
  });

  it('lists only the first few names of a large inventory', () => {
    const many = { ...site, hosts: [], groups: { all: [] } as Record<string, string[]> };
    for (let i = 0; i < 20; i++) many.groups[`g${i}`] = [];
    expect(userErrorOf(() => selectHosts(many, 'nothing-here')).format()).toBe(
      "--limit 'nothing-here' matches no host; known hosts: (none); groups: all, g0, g1, g2, g3, g4, g5, g6, g7, g8, g9, g10, … (9 more)",
    );
  });
});

describe('selectHosts: names Ansible allows', () => {
  // A host named like its group, IPv6 addresses as host names (test/fixtures/ansible/ini-control-node).
  const file = ansibleCorpusPath('ini-control-node/hosts');
  const inventory = loadInventory(file, { env: {} });

  it.each([
    // a group wins over a host of the same name; here both are the one host
    ['localhost', ['localhost']],
    ['builder', ['builder']],
    // a glob matches groups and hosts, as Ansible's _enumerate_matches
    ['b*', ['builder']],
    ['containers:!builder', ['registry', 'edge']],
    // with IPv6 addresses, separate patterns with ',' (as Ansible requires)
    ['2001:db8::10', ['2001:db8::10']],
    ['2001:db8::10,2001:db8::b', ['2001:db8::10', '2001:db8::b']],
    ['ipv6,!2001:db8::11', ['2001:db8::10', '2001:db8::a', '2001:db8::b', '2001:db8::c', 'fe80::1%eth0']],
    ['ipv6,&2001:db8::a', ['2001:db8::a']],
    ['localhost:edge', ['localhost', 'edge']],
  ])('%s selects %j', (limit, expected) => {
    expect(selectHosts(inventory, limit).map((h) => h.name)).toEqual(expected);
  });
});
