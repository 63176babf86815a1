/** Each status check kind: declaration → validated; script output → facts, problems, warnings (table-driven). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { quote } from '../../shell/quote.js';
import { argErrorOf, countedCommands, runSh, syntaxOk } from '../../../test/support/resources.js';
import type { FactValue, StatusColumn } from '../types.js';
import { statusCheckTypes } from './index.js';
import { mysqlReplicationCheck, readReplication } from './mysql-replication.js';
import { nginxRequestsCheck, readRequests } from './nginx-requests.js';
import { ago, readSystem, systemCheck } from './system.js';
import { readCertificate, tlsCertificateCheck } from './tls-certificate.js';

describe('the status check kinds', () => {
  it('are registered under their names, each with a script that sh can read', () => {
    expect(Object.keys(statusCheckTypes).sort()).toEqual(['mysql_replication', 'nginx_requests', 'system', 'tls_certificate']);
    const examples: Record<string, Record<string, unknown>> = { nginx_requests: { url: 'http://127.0.0.1:8081/nginx_status' }, tls_certificate: { name: 'www.foobar.com' } };
    for (const kind of Object.values(statusCheckTypes)) expect(syntaxOk(kind.check(kind.validate(examples[kind.name] ?? {})).script), kind.name).toBe(true);
  });

  it.each([
    ['system', { disk_max_percent: 101 }, 'disk_max_percent'],
    ['system', { load_max_per_cpu: 'high' }, 'load_max_per_cpu'],
    ['nginx_requests', { url: 'ftp://x/' }, 'url'],
    ['tls_certificate', { name: 'www.foo_bar.com' }, 'name'],
    ['tls_certificate', { name: 'a.example.com', warn_days: 3, critical_days: 7 }, 'critical_days'],
    // A ':' outside an IPv6 address: refused at planning, not when host_port writes it while status runs.
    ['tls_certificate', { name: 'a.example.com', address: 'db:1' }, 'address'],
    ['mysql_replication', { max_lag_seconds: -1 }, 'max_lag_seconds'],
    ['mysql_replication', { lag: 5 }, 'lag'],
  ])('%s rejects %j at %s', (kind, args, key) => {
    expect(argErrorOf(statusCheckTypes[kind]!, args).key).toBe(key);
  });
});

describe('system', () => {
  const desired = systemCheck.validate({ disk_max_percent: 80, memory_max_percent: 90, load_max_per_cpu: 2 });
  const output = (o: { disk?: number; available?: number; load?: string; applied?: string }) =>
    `cpus=2\nloadavg=${o.load ?? '0.50 0.40 0.30'}\nmem_total_kb=1000000\nmem_available_kb=${o.available ?? 600000}\ndisk_used_percent=${o.disk ?? 40}\nnow=1760000000\nlast_apply=${o.applied ?? '1759999000'}\n`;

  it.each([
    ['a quiet host', {}, [], []],
    ['a full disk', { disk: 85 }, ['disk / 85% full (threshold 80%)'], []],
    ['no memory left', { available: 50000 }, ['memory 95% used (threshold 90%)'], []],
    ['a high load: a warning', { load: '4.50 3.00 2.00' }, [], ['load 4.5 is above 2 per CPU (2 CPUs)']],
    ['never applied: a warning', { applied: '' }, [], ['no completed provision apply recorded here']],
  ])('%s', (_, o, problems, warnings) => {
    const finding = readSystem(output(o), desired);
    expect(finding.problems).toEqual(problems);
    expect(finding.warnings).toEqual(warnings);
  });

  it.each([
    ['the last apply call', '1759999000', 1759999000],
    ['a later apply with nothing to change', '1759990000 1759999000', 1759999000],
    ['an earlier apply with nothing to change', '1759999000 1759990000', 1759999000],
  ])('the last apply that ended with every change made: %s (the newest note)', (_, applied, seconds) => {
    expect(readSystem(output({ applied }), desired).facts.last_applied).toBe(new Date(seconds * 1000).toISOString());
  });

  it('reports the facts', () => {
    expect(readSystem(output({}), desired).facts).toEqual({ load: [0.5, 0.4, 0.3], cpus: 2, memory_used_percent: 40, disk_used_percent: 40, last_applied: new Date(1759999000 * 1000).toISOString() });
  });

  it('reads this machine for real', () => {
    const run = runSh(systemCheck.check(desired).script);
    expect(run.code).toBe(0);
    expect(readSystem(run.stdout, desired).facts).toMatchObject({ cpus: expect.any(Number), load: expect.any(Array), disk_used_percent: expect.any(Number), memory_used_percent: expect.any(Number) });
  });
});

describe('nginx_requests', () => {
  const desired = nginxRequestsCheck.validate({ url: 'http://127.0.0.1:8081/nginx_status' });

  it.each([
    ['20 requests in a second, the second reading not counted', 'sample=1000000000 100\nsample=2000000000 121\nactive=3\n', { qps: 20, active_connections: 3 }],
    ['an idle server', 'sample=1000000000 100\nsample=2000000000 101\nactive=1\n', { qps: 0, active_connections: 1 }],
    ['half a second apart', 'sample=1000000000 10\nsample=1500000000 21\nactive=1\n', { qps: 20, active_connections: 1 }],
  ])('%s', (_, output, facts) => {
    expect(readRequests(output, desired)).toEqual({ facts, problems: [], warnings: [] });
  });

  it.each([
    ['error=curl: (7) Failed to connect to 127.0.0.1 port 8081\n', 'nginx stub_status at http://127.0.0.1:8081/nginx_status does not answer: curl: (7) Failed to connect to 127.0.0.1 port 8081'],
    ['sample=1000000000 100\n', 'nginx stub_status at http://127.0.0.1:8081/nginx_status did not give two readings of its request counter'],
  ])('a status page that does not answer is a problem (%j)', (output, problem) => {
    expect(readRequests(output, desired).problems).toEqual([problem]);
  });
});

describe('tls_certificate', () => {
  const desired = tlsCertificateCheck.validate({ name: 'WWW.foobar.com', warn_days: 21, critical_days: 7 });
  const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/acme/${name}`, import.meta.url), 'utf8');
  // The certificates served: www.foobar.com and foobar.com (valid until 2027-03-07T02:31:31Z), *.foobar.com (2036-12-04T05:59:10Z), a.example (2027-01-06T02:31:32Z).
  const named = { two: fixture('pem-ec-two-names.pem'), wildcard: fixture('pem-wildcard.pem'), other: fixture('pem-rsa-staging.pem') };
  const notAfter = { two: '2027-03-07T02:31:31.000Z', wildcard: '2036-12-04T05:59:10.000Z', other: '2027-01-06T02:31:32.000Z' };
  /** What the check prints for a certificate, read `days` days and ten minutes before it expires. */
  const served = (pem: keyof typeof named, days: number) => {
    const now = Date.parse(notAfter[pem]) / 1000 - days * 86_400 - 600;
    return `now=${now}\n${named[pem].trimEnd().split('\n').map((l) => `pem=${l}`).join('\n')}\n`;
  };
  const now = Date.parse('2026-01-01T00:00:00Z') / 1000;

  it.each([
    ['90 days left', served('two', 90), 90, [], []],
    ['10 days left: a warning', served('two', 10), 10, [], [`certificate www.foobar.com expires ${notAfter.two} (10 days left, warning below 21)`]],
    ['0 days left: a problem', served('two', 0), 0, [`certificate www.foobar.com expires ${notAfter.two} (0 days left, critical below 7)`], []],
    ['expired', served('two', -1), -1, [`certificate www.foobar.com expired ${notAfter.two}`], []],
    ['a wildcard covers one label', served('wildcard', 90), 90, [], []],
    ['for another name', served('other', 90), 90, ['certificate served on 127.0.0.1:443 for www.foobar.com is for a.example'], []],
  ])('%s', (_, output, days, problems, warnings) => {
    const finding = readCertificate(output, desired);
    expect(finding.facts.certificates).toEqual([expect.objectContaining({ name: 'www.foobar.com', days_left: days })]);
    expect(finding.problems).toEqual(problems);
    expect(finding.warnings).toEqual(warnings);
  });

  it('on the host, openssl only fetches the served certificate (what s_client prints around it is dropped); the control node reads it', () => {
    const stubs = countedCommands(['openssl'], { openssl: `printf 'CONNECTED(00000003)\\n---\\nServer certificate\\n%s\\nsubject=CN = www.foobar.com\\n---\\n' ${quote(named.two.trimEnd())}` });
    const run = runSh(tlsCertificateCheck.check(desired).script, stubs.env);
    expect(run.code, run.stderr).toBe(0);
    expect(stubs.calls()).toEqual(['openssl [s_client] [-connect] [127.0.0.1:443] [-servername] [www.foobar.com]']);
    expect(run.stdout).not.toContain('CONNECTED');
    expect(readCertificate(run.stdout, desired).facts.certificates).toEqual([expect.objectContaining({ name: 'www.foobar.com', not_after: notAfter.two })]);
  });

  it('a served text that is no certificate is a problem', () => {
    expect(readCertificate(`now=${now}\npem=-----BEGIN CERTIFICATE-----\npem=bm90IGEgY2VydGlmaWNhdGU=\npem=-----END CERTIFICATE-----\n`, desired).problems).toEqual(['certificate for www.foobar.com on 127.0.0.1:443: not readable']);
  });

  it('nothing served is a problem', () => {
    expect(readCertificate(`now=${now}\nerror=no certificate served\n`, desired)).toEqual({ facts: {}, problems: ['certificate for www.foobar.com on 127.0.0.1:443: no certificate served'], warnings: [] });
  });
});

describe('mysql_replication', () => {
  const desired = mysqlReplicationCheck.validate({ max_lag_seconds: 30 });
  const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/mysql/${name}`, import.meta.url), 'utf8');

  it.each([
    ['mariadb-slave-status.txt', '10.11.6-MariaDB-0+deb12u1', { running: true, lag_seconds: 0 }],
    ['mariadb-slave-status-sql-error.txt', '10.11.6-MariaDB-0+deb12u1', { running: false, lag_seconds: null }],
    ['mysql8-replica-status.txt', '8.0.36', { running: false, lag_seconds: null }],
  ])('reads what the server printed (%s)', (file, version, replication) => {
    expect(readReplication(`version\nversion=${version}\n${fixture(file)}`, desired).facts.replication).toEqual(replication);
  });

  const replica = (io: string, sql: string, lag: string, error = '') =>
    `version\nversion=10.11.6-MariaDB-0+deb12u1\n*************************** 1. row ***************************\n                Master_Host: 10.77.0.12\n           Slave_IO_Running: ${io}\n          Slave_SQL_Running: ${sql}\n      Seconds_Behind_Master: ${lag}\n              Last_IO_Error: ${error}\n             Last_SQL_Error: \n`;

  it.each([
    ['running', replica('Yes', 'Yes', '0'), { running: true, lag_seconds: 0 }, []],
    ['lagging', replica('Yes', 'Yes', '45'), { running: true, lag_seconds: 45 }, ['replication lags 45 s behind the primary (threshold 30 s)']],
    ['stopped', replica('No', 'No', 'NULL'), { running: false, lag_seconds: null }, ['replication is not running (IO thread No, SQL thread No)']],
    ['cannot connect', replica('Connecting', 'Yes', 'NULL', 'error connecting to master'), { running: false, lag_seconds: null }, ['replication is not running (IO thread Connecting, SQL thread Yes; last error: error connecting to master)']],
    ['not a replica', 'version\nversion=10.11.6-MariaDB\n', { running: false, lag_seconds: null }, ['replication: this server is not a replica']],
    ['server down', "ERROR 2002 (HY000): Can't connect to local server\nserver=down\n", { running: false, lag_seconds: null }, ["replication: server not running: ERROR 2002 (HY000): Can't connect to local server"]],
    ['no server', 'server=missing\n', { running: false, lag_seconds: null }, ['replication: server not installed yet']],
    ['a failed query', 'version\nversion=10.11.6-MariaDB\nERROR 1227 (42000) at line 3: denied\n', { running: false, lag_seconds: null }, ['replication: cannot read its state: ERROR 1227 (42000) at line 3: denied']],
  ])('%s', (_, output, replication, problems) => {
    const finding = readReplication(output, desired);
    expect(finding.facts.replication).toEqual(replication);
    expect(finding.problems).toEqual(problems);
  });
});

describe('the table columns each kind brings, read from the facts', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const cells = (columns: StatusColumn[], facts: Record<string, FactValue>) => Object.fromEntries(columns.map((c) => [c.header, c.cell(facts, now)]));
  const columnsOf = (kind: string, args: Record<string, unknown> = {}) => statusCheckTypes[kind]!.check(statusCheckTypes[kind]!.validate(args)).columns;

  it.each([
    ['system', {}, { load: [0.5, 0.4, 0.3], memory_used_percent: 12.5, disk_used_percent: 40, last_applied: '2026-01-01T11:57:00Z' }, { LOAD: '0.5', MEM: '12.5%', DISK: '40%', APPLIED: '3m ago' }],
    ['system', {}, { last_applied: null }, { LOAD: '-', MEM: '-', DISK: '-', APPLIED: 'never' }],
    ['nginx_requests', { url: 'http://127.0.0.1:8081/nginx_status' }, { qps: 12.5 }, { QPS: '12.5' }],
    ['nginx_requests', { url: 'http://127.0.0.1:8081/nginx_status' }, {}, { QPS: '-' }],
    ['tls_certificate', { name: 'a.example.com' }, { certificates: [{ name: 'a.example.com', days_left: 80 }, { name: 'b.example.com', days_left: 9 }] }, { 'CERT DAYS': '9' }],
    ['tls_certificate', { name: 'a.example.com' }, {}, { 'CERT DAYS': '-' }],
    ['mysql_replication', {}, { replication: { running: true, lag_seconds: 2 } }, { REPLICATION: 'running 2s' }],
    ['mysql_replication', {}, { replication: { running: false, lag_seconds: null } }, { REPLICATION: 'STOPPED' }],
  ])('%s with %j', (kind, args, facts, expected) => {
    expect(cells(columnsOf(kind, args), facts as Record<string, FactValue>)).toEqual(expected);
  });
});

describe('ago', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  it.each([
    ['2026-01-01T11:59:30Z', '30s ago'],
    ['2026-01-01T11:00:00Z', '60m ago'],
    ['2026-01-01T00:00:00Z', '12h ago'],
    ['2025-12-20T12:00:00Z', '12d ago'],
  ])('%s → %s', (iso, text) => {
    expect(ago(iso, now)).toBe(text);
  });

  it('never applied, or not known', () => {
    expect(ago(null, now)).toBe('never');
    expect(ago(undefined, now)).toBe('-');
  });
});
