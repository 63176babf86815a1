import { describe, expect, it } from 'vitest';
import { dnsNameError } from './dns-name.js';

describe('dnsNameError', () => {
  it.each([
    'www.foobar.com',
    'foobar.com',
    'WWW.FooBar.com',
    'a.b.c.d.example.org',
    'x1.example',
    '1.example.com',
    'my-site.example.com',
    'xn--bcher-kva.example',
    'foo.xn--p1ai',
    `${'a'.repeat(63)}.example.com`,
    `${'a.'.repeat(125)}com`,
  ])('accepts %s', (name) => {
    expect(dnsNameError(name)).toBeUndefined();
  });

  it.each([
    ['www.foo_bar.com', `"www.foo_bar.com" is not a valid DNS name: label "foo_bar" has a character other than letters, digits and '-'`],
    ['www.foo bar.com', `"www.foo bar.com" is not a valid DNS name: label "foo bar" has a character other than letters, digits and '-'`],
    ['bücher.example', `"bücher.example" is not a valid DNS name: label "bücher" has a character other than letters, digits and '-' (write an internationalised name in its xn-- form)`],
    ['-www.example.com', `"-www.example.com" is not a valid DNS name: label "-www" starts with '-'`],
    ['www-.example.com', `"www-.example.com" is not a valid DNS name: label "www-" ends with '-'`],
    ['www..example.com', '"www..example.com" is not a valid DNS name: it has an empty label (two dots in a row)'],
    ['.example.com', '".example.com" is not a valid DNS name: it starts with a dot'],
    ['www.example.com.', '"www.example.com." is not a valid DNS name: it ends with a dot: write it without the trailing dot'],
    ['', '"" is not a valid DNS name: it is empty'],
    ['localhost', '"localhost" is not a valid DNS name: it is a single label: expected a fully qualified name such as www.example.com'],
    ['*.example.com', '"*.example.com" is not a valid DNS name: label "*" is a wildcard: wildcard certificates need the DNS-01 challenge, and provision orders with HTTP-01 only'],
    ['www.*.com', `"www.*.com" is not a valid DNS name: label "*" has a character other than letters, digits and '-'`],
    ['203.0.113.10', '"203.0.113.10" is not a valid DNS name: it is an IP address: certificates are ordered for DNS names only'],
    ['2001:db8::1', '"2001:db8::1" is not a valid DNS name: it is an IP address: certificates are ordered for DNS names only'],
    ['www.example.123', '"www.example.123" is not a valid DNS name: the top-level label "123" is all digits: expected a name such as com or org'],
    ['10.0.0.256', '"10.0.0.256" is not a valid DNS name: the top-level label "256" is all digits: expected a name such as com or org'],
    [`${'a'.repeat(64)}.example.com`, `"${'a'.repeat(59)}…" is not a valid DNS name: label "${'a'.repeat(29)}…" is 64 characters long: at most 63 are allowed`],
    [`${'a.'.repeat(126)}com`, `"${'a.'.repeat(29)}a…" is not a valid DNS name: it is 255 characters long: at most 253 are allowed`],
  ])('refuses %j', (name, message) => {
    expect(dnsNameError(name)).toBe(message);
  });
});
