import { describe, expect, it } from 'vitest';
import { describeAcmeError } from './errors.js';

const DIR = 'https://10.77.0.1:14000/dir';
const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });
const misleading = new TypeError("Cannot read properties of undefined (reading 'config')");

describe('describeAcmeError', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED'), [], `cannot reach the ACME server ${DIR}: connection refused (ECONNREFUSED)`],
    ['unknown name', withCode('ENOTFOUND'), [], `cannot reach the ACME server ${DIR}: name not found (ENOTFOUND)`],
    ['untrusted TLS', withCode('SELF_SIGNED_CERT_IN_CHAIN'), [], `the TLS certificate of the ACME server ${DIR} is not trusted (SELF_SIGNED_CERT_IN_CHAIN); for a private ACME server set acme_ca_file to the CA that signed it`],
    [
      "acme-client's misleading error after retries",
      misleading,
      ['Caught ECONNREFUSED, retry attempt 1/2 to URL https://10.77.0.1:14000/nonce-plz', 'Caught ECONNREFUSED, retry attempt 2/2 to URL https://10.77.0.1:14000/nonce-plz'],
      'cannot reach the ACME server https://10.77.0.1:14000/nonce-plz: connection refused (ECONNREFUSED) (gave up after 3 attempts)',
    ],
    ['misleading error after HTTP 503s', misleading, ['Caught HTTP 503, retry attempt 1/1 to URL https://acme.example/new-order'], 'the ACME server https://acme.example/new-order answered HTTP 503 (gave up after 2 attempts)'],
    ['misleading error without log lines', misleading, [], `the ACME server ${DIR} could not be reached (no further detail)`],
    ['an ACME problem: the server\'s own words', new Error('Invalid response from http://www.foobar.com/.well-known/acme-challenge/x: 404'), [], 'Invalid response from http://www.foobar.com/.well-known/acme-challenge/x: 404'],
    ['an error code that is not about the network', withCode('ERR_SOMETHING', 'detail'), [], 'detail'],
    ['not an Error', 'plain text', [], 'plain text'],
    ['the server\'s words with a terminal escape sequence: shown, not run', new Error('bad \u001b[2J\u001b]0;owned\u0007 order'), [], 'bad \\x1b[2J\\x1b]0;owned\\x07 order'],
  ])('%s', (_name, err, retries, message) => {
    expect(describeAcmeError(err, DIR, retries)).toBe(message);
  });
});
