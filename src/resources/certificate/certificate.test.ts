import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LETS_ENCRYPT } from '../../acme/directory.js';
import { MASK, Secret } from '../../secrets.js';
import { certificate, type CertificateCurrent, type CertificateDesired } from './index.js';
import { applyLocally, argErrorOf, cleanup, countedCommands, probeLocally, probeManyLocally, probeScriptLocally, summaries, syntaxOk, tempDir } from '../../../test/support/resources.js';

const DAY = 86_400_000;
const base = { domains: ['www.foobar.com'], certificate: '/etc/tls/fullchain.pem', key: '/etc/tls/privkey.pem', webroot: '/var/www/acme', directory: 'production' };
const desired = (over: Record<string, unknown> = {}): CertificateDesired => certificate.validate({ ...base, ...over });
const start = new Date('2026-01-01T00:00:00Z');
const current = (over: Partial<CertificateCurrent> = {}): CertificateCurrent => ({
  now: new Date(start.getTime() + 10 * DAY),
  deployed: { notBefore: start, notAfter: new Date(start.getTime() + 90 * DAY), names: ['www.foobar.com'], serial: '0A', issuer: "C = US, O = Let's Encrypt, CN = E5", keyType: 'ecdsa' },
  certbotConfigs: [],
  ...over,
});

/** A self-signed certificate and its key made with openssl, PEM. */
function makeCertificate(dir: string, name: string, days: number): { key: string; chain: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-days', String(days), '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), chain: readFileSync(cert, 'utf8') };
}

const forced = certificate.renewal!.forced;

describe('certificate: validate', () => {
  it('defaults: ECDSA, Let\'s Encrypt production, a third of the lifetime, no certbot take-over', () => {
    expect(desired()).toMatchObject({ domains: ['www.foobar.com'], directory: LETS_ENCRYPT.production, keyType: 'ecdsa', renewBeforeDays: undefined, takeOverCertbot: false, force: false });
    expect(desired({ directory: 'staging', key_type: 'rsa', renew_before_days: 30, ca_file: 'ca.pem', domains: 'WWW.foobar.com' })).toMatchObject({
      domains: ['www.foobar.com'],
      directory: LETS_ENCRYPT.staging,
      keyType: 'rsa',
      renewBeforeDays: 30,
      caFile: 'ca.pem',
    });
    expect(forced(desired()).force).toBe(true);
  });

  it.each([
    [{ directory: 'prod' }, 'directory'],
    [{ directory: 'http://insecure.example/dir' }, 'directory'],
    [{ domains: [] }, 'domains'],
    [{ domains: ['not a name'] }, 'domains'],
    [{ key_type: 'dsa' }, 'key_type'],
    [{ email: 'nobody' }, 'email'],
    [{ certificate: 'relative.pem' }, 'certificate'],
    [{ force: true }, 'force'],
  ])('%j is refused', (over, key) => {
    expect(argErrorOf(certificate, { ...base, ...over }).key).toBe(key);
  });

  it('names the entry of domains that is not a DNS name, and why', () => {
    expect(argErrorOf(certificate, { ...base, domains: ['www.foobar.com', 'www.foo_bar.com'] }).message).toBe(
      `'domains' entry "www.foo_bar.com" is not a valid DNS name: label "foo_bar" has a character other than letters, digits and '-'`,
    );
    expect(argErrorOf(certificate, { ...base, domains: '*.foobar.com' }).message).toBe(
      `'domains' entry "*.foobar.com" is not a valid DNS name: label "*" is a wildcard: wildcard certificates need the DNS-01 challenge, and provision orders with HTTP-01 only`,
    );
  });
});

describe('certificate: diff', () => {
  it.each([
    ['no certificate', current({ deployed: undefined }), {}, ['issue: no certificate deployed']],
    ['valid and not due', current(), {}, []],
    ['due', current({ now: new Date(start.getTime() + 70 * DAY) }), {}, ['renew: valid until 2026-04-01T00:00:00Z (lifetime 90 days); due since 2026-03-02T00:00:00Z']],
    ['renew_before_days', current({ now: new Date(start.getTime() + 70 * DAY) }), { renew_before_days: 10 }, []],
    [
      'certbot renews it',
      current({ certbotConfigs: ['/etc/letsencrypt/renewal/www.foobar.com.conf'] }),
      {},
      ['certbot renews www.foobar.com on this host (/etc/letsencrypt/renewal/www.foobar.com.conf): apply refuses to fight it; remove certbot\'s renewal or set acme_take_over_certbot: true'],
    ],
    [
      'certbot renews it, take-over',
      current({ deployed: undefined, certbotConfigs: ['/etc/letsencrypt/renewal/www.foobar.com.conf'] }),
      { take_over_certbot: true },
      ['take over from certbot: /etc/letsencrypt/renewal/www.foobar.com.conf → /etc/letsencrypt/renewal/www.foobar.com.conf.provision-disabled', 'issue: no certificate deployed'],
    ],
  ])('%s', (_name, cur, over, expected) => {
    expect(summaries(certificate.decide(desired(over), cur).changes)).toEqual(expected);
  });

  it('a staging certificate is replaced once the directory is production', () => {
    const staging = current({ deployed: { ...current().deployed!, issuer: "C = US, O = (STAGING) Let's Encrypt, CN = (STAGING) Ersatz Edamame E1" } });
    expect(summaries(certificate.decide(desired(), staging).changes)).toEqual(["issue: the deployed certificate is from Let's Encrypt's staging CA"]);
    expect(certificate.decide(desired({ directory: 'staging' }), staging).changes).toEqual([]);
  });

  it('forced renews a valid certificate', () => {
    expect(summaries(certificate.decide(forced(desired()), current()).changes)).toEqual(['renew: valid until 2026-04-01T00:00:00Z (lifetime 90 days); forced']);
  });
});

describe('certificate: probe, apply', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => cleanup(dir));

  const local = (over: Record<string, unknown> = {}): CertificateDesired =>
    desired({ domains: ['old.example'], certificate: join(dir, 'fullchain.pem'), key: join(dir, 'privkey.pem'), webroot: dir, ...over });

  it('the probe reads the deployed certificate, or finds none', () => {
    expect(probeLocally(certificate, local()).deployed).toBeUndefined();
    const old = makeCertificate(dir, 'old.example', 30);
    writeFileSync(join(dir, 'fullchain.pem'), old.chain);
    const found = probeLocally(certificate, local());
    expect(found.deployed).toMatchObject({ names: ['old.example'], keyType: 'ecdsa', issuer: 'CN = old.example' });
    expect(summaries(certificate.decide(local({ key_type: 'rsa' }), found).changes)).toEqual(['issue: the deployed certificate has an ECDSA key, not RSA']);
    expect(Math.abs(found.now.getTime() - Date.now())).toBeLessThan(5000);
    expect(certificate.decide(local(), found).changes).toEqual([]);
  });

  it('the probe starts only date (the shell reads the chain, parse the certificate), and asks systemctl about certbot only when certbot has a renewal config for a name', () => {
    writeFileSync(join(dir, 'fullchain.pem'), makeCertificate(dir, 'old.example', 30).chain);
    const stubs = countedCommands(['date', 'openssl', 'base64', 'systemctl'], { systemctl: 'exit 1' });
    expect(probeLocally(certificate, local({ domains: ['old.example', 'www.old.example'] }), stubs.env)).toMatchObject({ deployed: { names: ['old.example'] }, certbotConfigs: [] });
    expect(stubs.calls().map((c) => c.split(' ')[0])).toEqual(['date']);
  });

  it('the probe reads the chain up to its first certificate\'s end, at most 200 lines, whatever the file holds', () => {
    const leaf = makeCertificate(dir, 'old.example', 30).chain;
    const chain = `${leaf}${makeCertificate(dir, 'other.example', 30).chain}`;
    writeFileSync(join(dir, 'fullchain.pem'), chain);
    const output = probeScriptLocally(certificate.probe(local()));
    expect(output.split('\n').filter((l) => l.startsWith('pem=')).join('\n')).toBe(leaf.trimEnd().split('\n').map((l) => `pem=${l}`).join('\n'));
    const hostile = `$(touch ${join(dir, 'pwned')}) \`x\` '" %s \\n`;
    writeFileSync(join(dir, 'fullchain.pem'), `-----BEGIN CERTIFICATE-----\n${`${hostile}\n`.repeat(500)}${leaf}`);
    const noise = probeScriptLocally(certificate.probe(local()));
    expect(noise.split('\n').filter((l) => l.startsWith('pem='))).toEqual(['pem=-----BEGIN CERTIFICATE-----']);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(probeLocally(certificate, local()).deployed).toBeUndefined();
    writeFileSync(join(dir, 'fullchain.pem'), `${'noise\n'.repeat(200)}${leaf}`);
    expect(probeLocally(certificate, local()).deployed).toBeUndefined();
    writeFileSync(join(dir, 'fullchain.pem'), leaf.trimEnd());
    expect(probeLocally(certificate, local()).deployed).toMatchObject({ names: ['old.example'] });
  });

  const indentEnd = (chain: string): string => chain.replace('-----END CERTIFICATE-----', ' -----END CERTIFICATE-----');
  const crlf = (text: string): string => text.replace(/\n/g, '\r\n');
  it.each<[string, (key: string, chain: string, second: string) => string, boolean]>([
    ['key first (a combined PEM, as HAProxy takes it)', (key, chain) => `${key}${chain}`, true],
    ['certificate first, key after it', (key, chain) => `${chain}${key}`, true],
    ['a comment, the key, then the certificate', (key, chain) => `# site.pem\n${key}\n${chain}`, true],
    ['an indented END line, then the key', (key, chain) => `${indentEnd(chain)}${key}`, false],
    ['no END line: the key right after the certificate body', (key, chain) => `${chain.replace('-----END CERTIFICATE-----\n', '')}${key}`, false],
    ['the key on the END line', (key, chain) => `${chain.trimEnd()} ${key}`, false],
    ['the key between the body and the END line', (key, chain) => chain.replace('-----END CERTIFICATE-----', `${key}-----END CERTIFICATE-----`), false],
    ['CRLF line ends, key after the certificate', (key, chain) => crlf(`${chain}${key}`), true],
    ['CRLF line ends, an indented END line, then the key', (key, chain) => crlf(`${indentEnd(chain)}${key}`), false],
    ['two certificates, the key between them', (key, chain, second) => `${chain}${key}${second}`, true],
    ['two certificates, the first with an indented END line, the key between them', (key, chain, second) => `${indentEnd(chain)}${key}${second}`, false],
  ])('the probe sends only certificate text, never a private key in the same file: %s', (_, combine, readable) => {
    const { key, chain } = makeCertificate(dir, 'old.example', 30);
    const second = makeCertificate(dir, 'other.example', 30).chain;
    writeFileSync(join(dir, 'fullchain.pem'), combine(key, chain, second));
    const keyLines = key.trim().split('\n');
    const output = probeScriptLocally(certificate.probe(local()));
    for (const line of keyLines) expect(output).not.toContain(line);
    expect(output).not.toContain('PRIVATE KEY');
    const pem = output.split('\n').filter((l) => l.startsWith('pem='));
    for (const line of pem) expect(line).toMatch(/^pem=(-----(BEGIN|END) CERTIFICATE-----|[A-Za-z0-9+/=]+)$/);
    if (readable) expect(pem.join('\n')).toBe(chain.trimEnd().split('\n').map((l) => `pem=${l}`).join('\n'));
    const state = probeLocally(certificate, local());
    if (readable) expect(state.deployed).toMatchObject({ names: ['old.example'] });
    else expect(state.deployed).toBeUndefined();
    for (const line of keyLines) expect(JSON.stringify(state)).not.toContain(line);
  });

  it('probes all certificates of a host in one section: the clock read once, each part as its own probe reads it', () => {
    writeFileSync(join(dir, 'fullchain.pem'), makeCertificate(dir, 'old.example', 30).chain);
    const other = local({ domains: ['new.example'], certificate: join(dir, 'none.pem') });
    const stubs = countedCommands(['date', 'openssl', 'base64', 'systemctl'], { systemctl: 'exit 1' });
    const [deployed, missing] = probeManyLocally(certificate, [local(), other], stubs.env);
    expect(deployed).toMatchObject({ deployed: { names: ['old.example'], keyType: 'ecdsa' }, certbotConfigs: [] });
    expect(missing).toMatchObject({ deployed: undefined, certbotConfigs: [] });
    expect(missing!.now).toEqual(deployed!.now);
    expect(stubs.calls().map((c) => c.split(' ')[0])).toEqual(['date']);
  });

  it.each<[string, () => ReturnType<typeof certificate.probe>]>([
    ['one certificate for three names', () => certificate.probe(desired({ domains: ['a.example', 'b.example', 'c.example'] }))],
    ['three certificates', () => certificate.probeMany!([desired({ domains: ['a.example', 'b.example'] }), desired({ domains: ['c.example'] }), desired({ domains: ['a.example'] })], '@@sep')],
  ])('asks systemctl about certbot\'s timer at most once a host: %s', (_, probe) => {
    const script = probe();
    expect(syntaxOk(script)).toBe(true);
    expect(script.match(/systemctl/g)).toHaveLength(1);
    // Asked only when certbot has a renewal config for one of the names (each named once) and no cron job.
    expect(script).toContain(
      'if [ -f /etc/letsencrypt/renewal/a.example.conf ] || [ -f /etc/letsencrypt/renewal/b.example.conf ] || [ -f /etc/letsencrypt/renewal/c.example.conf ]; then\n' +
        '  if [ -f /etc/cron.d/certbot ] || systemctl is-enabled certbot.timer >/dev/null 2>&1; then provision_certbot=yes; fi',
    );
  });

  it('installs key (0600) and chain; the key is never in the desired state\'s JSON', () => {
    const issued = makeCertificate(dir, 'new.example', 90);
    const want = { ...local({ domains: ['new.example'], validate: 'true' }), issued: { key: new Secret(issued.key), chain: issued.chain } };
    expect(JSON.stringify(want)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(want)).toContain(MASK);
    const script = certificate.apply(want, certificate.decide(want, probeLocally(certificate, want)));
    expect(syntaxOk(script)).toBe(true);
    const r = applyLocally(script);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'privkey.pem'), 'utf8')).toBe(issued.key);
    expect(statSync(join(dir, 'privkey.pem')).mode & 0o777).toBe(0o600);
    expect(probeLocally(certificate, want).deployed?.names).toEqual(['new.example']);
  });

  it('puts the old files back when validate fails, and refuses a key that does not match', () => {
    const old = makeCertificate(dir, 'old.example', 30);
    writeFileSync(join(dir, 'fullchain.pem'), old.chain);
    writeFileSync(join(dir, 'privkey.pem'), old.key);
    const issued = makeCertificate(dir, 'new.example', 90);
    const failing = { ...local({ domains: ['new.example'], validate: 'echo nginx says no; false' }), issued: { key: new Secret(issued.key), chain: issued.chain } };
    const r = applyLocally(certificate.apply(failing, certificate.decide(failing, probeLocally(certificate, failing))));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nginx says no');
    expect(readFileSync(join(dir, 'fullchain.pem'), 'utf8')).toBe(old.chain);
    expect(readFileSync(join(dir, 'privkey.pem'), 'utf8')).toBe(old.key);

    const mismatched = { ...failing, validate: 'true', issued: { key: new Secret(old.key), chain: issued.chain } };
    const m = applyLocally(certificate.apply(mismatched, certificate.decide(mismatched, probeLocally(certificate, mismatched))));
    expect(m.stderr).toContain('the new key does not match the new certificate');
    expect(readFileSync(join(dir, 'fullchain.pem'), 'utf8')).toBe(old.chain);
  });

  it('reads back only the certbot configs the probe asked about: a path the host prints is never used on its own', () => {
    const output = 'now=1767225600\ncertbot=/etc/letsencrypt/renewal/www.foobar.com.conf\ncertbot=/etc/shadow\ncertbot=/etc/letsencrypt/renewal/../../passwd\n';
    expect(certificate.parse(output, desired()).certbotConfigs).toEqual(['/etc/letsencrypt/renewal/www.foobar.com.conf']);
  });

  it('apply refuses beside certbot, and without an ordered certificate', () => {
    expect(applyLocally(certificate.apply(local(), certificate.decide(local(), current({ certbotConfigs: ['/etc/letsencrypt/renewal/x.conf'] })))).stderr).toContain('apply refuses to fight it');
    expect(applyLocally(certificate.apply(local(), certificate.decide(local(), current({ deployed: undefined })))).stderr).toContain('no certificate was ordered');
  });
});
