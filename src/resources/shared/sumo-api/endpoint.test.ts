import { describe, expect, it } from 'vitest';
import { Secret } from '../../../secrets.js';
import { ArgError } from '../../types.js';
import { endpointArgs, endpointUrl } from './endpoint.js';

describe('endpointUrl: the API base an explicit endpoint gives', () => {
  it.each([
    ['https://api.us2.sumologic.com/api/', 'https://api.us2.sumologic.com/api/'],
    ['https://api.eu.sumologic.com/api', 'https://api.eu.sumologic.com/api/'],
    ['HTTPS://API.EU.SUMOLOGIC.COM/api/', 'https://api.eu.sumologic.com/api/'],
    ['https://api.sumologic.com:443/api/', 'https://api.sumologic.com/api/'],
    ['http://10.77.0.1:8070/api/', 'http://10.77.0.1:8070/api/'],
    ['http://127.0.0.1:9000/api', 'http://127.0.0.1:9000/api/'],
    ['http://localhost:9000/api/', 'http://localhost:9000/api/'],
    ['http://[::1]:9000/api/', 'http://[::1]:9000/api/'],
    ['http://[fd00::5]/api/', 'http://[fd00::5]/api/'],
    ['http://172.31.0.9/api/', 'http://172.31.0.9/api/'],
  ])('%s → %s', (text, url) => {
    expect(endpointUrl(text)).toBe(url);
  });

  it.each([
    ['plain http to a name', 'http://api.us2.sumologic.com/api/'],
    ['plain http to a public address', 'http://8.8.8.8/api/'],
    ['plain http just outside a private range', 'http://172.32.0.1/api/'],
    ['plain http to a public IPv6 address', 'http://[2001:db8::1]/api/'],
    ['another scheme', 'ftp://api.sumologic.com/api/'],
    ['a file', 'file:///etc/passwd'],
    ['credentials in the URL', 'https://suABC:key@api.sumologic.com/api/'],
    ['a backslash that the parser reads as a slash', 'https://evil.example\\@api.sumologic.com/api/'],
    ['a query', 'https://api.sumologic.com/api/?x=1'],
    ['a fragment', 'https://api.sumologic.com/api/#x'],
    ['a fragment hiding the host', 'https://api.sumologic.com#@evil.example/api/'],
    ['a line break', 'https://api.sumologic.com/api/\nx'],
    ['a space', 'https://api.sumologic.com/a pi/'],
    ['not a URL', 'api.us2.sumologic.com'],
    ['a deployment name', 'us2'],
  ])('refuses %s', (_, text) => {
    expect(() => endpointUrl(text)).toThrow(ArgError);
  });

  it.each([
    ['user-info', 'https://myid:SuperSecret42@api.sumologic.com/api/', 'https:***@api.sumologic.com/api/'],
    ['user-info over plain http', 'http://myid:SuperSecret42@8.8.8.8/api/', 'http:***@8.8.8.8/api/'],
    ['a query', 'https://api.sumologic.com/api/?token=SuperSecret42', 'https://api.sumologic.com/api/?***'],
    ['a fragment', 'https://api.sumologic.com/api/#SuperSecret42', 'https://api.sumologic.com/api/#***'],
    ['user-info after three slashes', 'https:///u:SuperSecret42@api.sumologic.com/api/', 'https:***@api.sumologic.com/api/'],
    ['user-info without slashes', 'https:u:SuperSecret42@api.sumologic.com/', 'https:***@api.sumologic.com/'],
    ['user-info after backslashes', 'https:\\\\u:SuperSecret42@api.sumologic.com/', 'https:***@api.sumologic.com/'],
    ['a password holding a slash', 'https://u:Super/Secret42@api.sumologic.com/', 'https:***@api.sumologic.com/'],
    ['several @', 'https://u@x:SuperSecret42@api.sumologic.com/', 'https:***@api.sumologic.com/'],
  ])('quotes a refused endpoint without its %s', (_, text, shown) => {
    const message = (() => {
      try {
        endpointUrl(text);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    })();
    expect(message).toContain(`got ${JSON.stringify(shown)}`);
    expect(message).not.toContain('SuperSecret42');
  });

  it('endpointArgs: the deployment names the URL, an explicit endpoint wins', () => {
    const secrets = { access_id: 'suABC', access_key: new Secret('unit-test-key-0123456789') };
    expect(endpointArgs({ ...secrets, deployment: 'eu' }).url).toBe('https://api.eu.sumologic.com/api/');
    expect(endpointArgs({ ...secrets, deployment: 'eu', endpoint: '' }).url).toBe('https://api.eu.sumologic.com/api/');
    expect(endpointArgs({ ...secrets, endpoint: 'https://api.us2.sumologic.com/api' }).url).toBe('https://api.us2.sumologic.com/api/');
    expect(() => endpointArgs({ ...secrets, endpoint: 'http://api.us2.sumologic.com/api/' })).toThrow(/plain http only to a loopback or private address/);
  });
});
