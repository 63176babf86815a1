/**
 * templates/loadbalancer-upstream.conf.hbs: each backend's `server` as nginx reads it, an IPv6
 * address in brackets (unbracketed, nginx takes the first ':' for the port's).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { renderText } from '../../../src/roles/render.js';

const TEMPLATE = 'templates/loadbalancer-upstream.conf.hbs';

/** The template rendered for one backend at `address` (port 80). */
function upstream(address: string): string {
  const context = { lb_upstream: 'app', lb_backend_group: 'app', lb_backend_port: 80, groups: { app: ['web-01'] }, hostvars: { 'web-01': { address } } };
  return renderText(readFileSync(TEMPLATE, 'utf8'), context, { file: TEMPLATE, line: 1, col: 1 }, 'lb-01');
}

describe('the upstream of the load balancer', () => {
  it.each([
    ['an IPv4 address', '10.77.0.12', '"10.77.0.12:80"'],
    ['an IPv6 address', '2001:db8::11', '"[2001:db8::11]:80"'],
    ['an IPv4-mapped IPv6 address', '::ffff:10.0.0.1', '"[::ffff:10.0.0.1]:80"'],
    ['a host name', 'web-01.example.net', '"web-01.example.net:80"'],
  ])('writes %s as nginx reads it', (_, address, server) => {
    expect(upstream(address)).toContain(`\n    server ${server} max_fails=3 fail_timeout=10s; # backend web-01\n`);
  });

  it.each([
    ['an address with a zone id, which nginx cannot connect to', 'fe80::1%eth0', '"fe80::1%eth0" has a zone id \\(%\\.\\.\\.\\), which nginx cannot connect to: give the host a global or unique local IPv6 address'],
    ["text with a ':' that is no IPv6 address", 'db:1', '"db:1" is neither a host name nor an IP address \\(only an IPv6 address holds \':\'\\)'],
  ])('refuses %s, before any host is contacted', (_, address, message) => {
    let error: unknown;
    try {
      upstream(address);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).format()).toMatch(new RegExp(`^templates/loadbalancer-upstream\\.conf\\.hbs:6:\\d+: template error: \\{\\{host_port\\}\\}: ${message} \\(rendering for host lb-01\\)$`));
  });
});
