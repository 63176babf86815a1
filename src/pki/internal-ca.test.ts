import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MASK } from '../secrets.js';
import { BACKEND_NAME, ensureCa, sameNames, serverCertificate, stillGood, subjectAltNames, subjectOf } from './internal-ca.js';

describe('subjectAltNames', () => {
  it.each([
    ['web-01', '10.0.0.12', ['DNS:web-01', `DNS:${BACKEND_NAME}`, 'IP:10.0.0.12']],
    ['web-01', 'fd00::12', ['DNS:web-01', `DNS:${BACKEND_NAME}`, 'IP:fd00::12']],
    ['web-01', 'web-01.example.net', ['DNS:web-01', `DNS:${BACKEND_NAME}`, 'DNS:web-01.example.net']],
    ['web-01', 'web-01', ['DNS:web-01', `DNS:${BACKEND_NAME}`]],
  ])('%s at %s', (host, address, names) => {
    expect(subjectAltNames(host, address)).toEqual(names);
  });

  it.each([
    ['a comma adds a name', 'web-01,DNS:evil.example', '10.0.0.1'],
    ['a line break adds a setting', 'web-01\nbasicConstraints=CA:TRUE', '10.0.0.1'],
    ['a slash', 'web/01', '10.0.0.1'],
    ['an address that is no IP and no name', 'web-01', 'a,b'],
  ])('refuses a name openssl would misread: %s', (_, host, address) => {
    expect(() => subjectAltNames(host, address)).toThrow(/cannot be a certificate's DNS name/);
  });
});

describe('subjectOf (openssl -subj)', () => {
  it.each([
    ['a plain name', 'web-01', '/CN=web-01'],
    ['a slash would start another name', 'web/O=evil', '/CN=web\\/O=evil'],
    ['a plus would add one to the entry', 'a+O=evil', '/CN=a\\+O=evil'],
    ['a backslash', 'a\\b', '/CN=a\\\\b'],
  ])('%s', (_, name, subject) => {
    expect(subjectOf(name)).toBe(subject);
  });

  it('is read back by openssl as one common name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-subj-'));
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(dir, 'k')]);
    const text = execFileSync('openssl', ['req', '-new', '-key', join(dir, 'k'), '-subj', subjectOf('web/O=evil+OU=x'), '-noout', '-subject', '-nameopt', 'RFC2253']).toString();
    expect(text.trim()).toBe('subject=CN=web/O=evil\\+OU=x');
  });

  it('refuses a control character', () => {
    expect(() => subjectOf('a\nb')).toThrow(/control character/);
  });
});

describe('the internal CA', () => {
  const state = mkdtempSync(join(tmpdir(), 'provision-ca-'));

  it('issues a server certificate the CA verifies, with the host names and address, and keeps keys private', () => {
    const issued = serverCertificate(state, 'web-01', '10.0.0.12');
    const cert = new X509Certificate(issued.certificate);
    expect(cert.verify(new X509Certificate(issued.ca).publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe(`DNS:web-01, DNS:${BACKEND_NAME}, IP Address:10.0.0.12`);
    expect(issued.key.reveal()).toContain('BEGIN PRIVATE KEY');
    expect(JSON.stringify({ key: issued.key })).toBe(`{"key":"${MASK}"}`);
    expect(statSync(join(state, 'internal-ca', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(state, 'internal-ca', 'issued', 'web-01.key')).mode & 0o777).toBe(0o600);
    const verify = join(state, 'chain.pem');
    writeFileSync(verify, issued.certificate);
    expect(execFileSync('openssl', ['verify', '-CAfile', join(state, 'internal-ca', 'ca.crt'), verify]).toString()).toContain(': OK');
  });

  it('reuses a certificate that is still good, and reissues when the address changes', () => {
    const first = serverCertificate(state, 'web-02', '10.0.0.13');
    expect(serverCertificate(state, 'web-02', '10.0.0.13').certificate).toBe(first.certificate);
    const moved = serverCertificate(state, 'web-02', '10.0.0.99');
    expect(moved.certificate).not.toBe(first.certificate);
    expect(new X509Certificate(moved.certificate).subjectAltName).toContain('IP Address:10.0.0.99');
    expect(ensureCa(state).certificate).toBe(first.ca);
  });

  it.each([
    ['..', 'a name that is a path step'],
    ['.hidden', 'a name starting with a dot'],
  ])('keeps the files of %s (%s) in issued/, apart from every other host', (name) => {
    const issued = join(state, 'internal-ca', 'issued');
    const before = readdirSync(join(state, 'internal-ca')).sort();
    serverCertificate(state, name, '10.0.0.20');
    expect(readdirSync(join(state, 'internal-ca')).sort()).toEqual(before);
    expect(readdirSync(issued).filter((f) => f.endsWith('.crt') && f.startsWith(`${name.replace(/\./g, '_')}-`))).toHaveLength(1);
  });

  it('is not good any more close to expiry', () => {
    const pem = serverCertificate(state, 'web-03', '10.0.0.14').certificate;
    const names = subjectAltNames('web-03', '10.0.0.14');
    expect(stillGood(pem, names)).toBe(true);
    expect(stillGood(pem, names, new Date(Date.now() + 340 * 86_400_000))).toBe(false);
  });
});

describe('sameNames (a certificate kept or reissued)', () => {
  it.each([
    ['an IPv4 address', 'DNS:web-01, IP Address:10.0.0.12', ['DNS:web-01', 'IP:10.0.0.12'], true],
    ['an IPv6 address OpenSSL prints in full and upper case', 'DNS:web-01, IP Address:2001:DB8:0:0:0:0:0:1', ['DNS:web-01', 'IP:2001:db8::1'], true],
    ['an IPv6 address written in full', 'IP Address:FD00:0:0:0:0:0:0:12', ['IP:fd00:0000::0012'], true],
    ['an IPv4-mapped IPv6 address', 'IP Address:0:0:0:0:0:FFFF:A00:1', ['IP:::ffff:10.0.0.1'], true],
    ['DNS names in another case and order', 'DNS:Backend.Provision.Internal, DNS:WEB-01', ['DNS:web-01', 'DNS:backend.provision.internal'], true],
    ['another IPv6 address', 'IP Address:2001:DB8:0:0:0:0:0:2', ['IP:2001:db8::1'], false],
    ['another IPv4 address', 'IP Address:10.0.0.13', ['IP:10.0.0.12'], false],
    ['an IPv4 address against the IPv4-mapped one', 'IP Address:10.0.0.1', ['IP:::ffff:10.0.0.1'], false],
    ['an address against a DNS name of its text', 'IP Address:10.0.0.1', ['DNS:10.0.0.1'], false],
    ['a name more', 'DNS:web-01, DNS:web-02', ['DNS:web-01'], false],
    ['a name fewer', 'DNS:web-01', ['DNS:web-01', 'IP:10.0.0.1'], false],
    ['no names', '', [], true],
  ])('%s', (_, certificateNames, names, same) => {
    expect(sameNames(certificateNames, names)).toBe(same);
  });
});

describe('an IPv6 backend', () => {
  const state = mkdtempSync(join(tmpdir(), 'provision-ca6-'));

  it('keeps its certificate run after run', () => {
    const first = serverCertificate(state, 'web-06', '2001:db8::1');
    expect(new X509Certificate(first.certificate).subjectAltName).toContain('IP Address:2001:DB8:0:0:0:0:0:1');
    expect(serverCertificate(state, 'web-06', '2001:db8::1').certificate).toBe(first.certificate);
    expect(serverCertificate(state, 'web-06', '2001:db8::2').certificate).not.toBe(first.certificate);
  });

  it('refuses an address with a zone id, which a certificate cannot hold', () => {
    expect(() => subjectAltNames('web-06', 'fe80::1%eth0')).toThrow('internal CA: "fe80::1%eth0" cannot be in a certificate: an IPv6 address with a zone id');
  });
});
