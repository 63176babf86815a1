import { beforeEach, describe, expect, it } from 'vitest';
import { MASK, Secret } from '../../secrets.js';
import { argErrorOf } from '../../../test/support/resources.js';
import { converge, endpointArgs, fakeSumo, writes } from '../../../test/support/sumo-api.js';
import { sumoConnection } from './index.js';

const declared = { ...endpointArgs, name: 'ops webhook', url: 'https://hooks.example.com/sumo', headers: { Authorization: new Secret('Bearer hook-token-0123456789') } };

describe('sumo_connection against the fake Sumo Logic', () => {
  let sumo: ReturnType<typeof fakeSumo>;
  beforeEach(() => {
    sumo = fakeSumo();
  });

  it('creates a webhook connection, then finds it in state; the secret header is masked in the diff', async () => {
    const first = await converge(sumoConnection, declared, sumo.http);
    expect(first.before).toHaveLength(1);
    expect(first.before[0]!.summary).toBe('absent → present');
    expect(first.before[0]!.diff).toContain('+url: https://hooks.example.com/sumo');
    expect(first.before[0]!.diff).toContain(MASK);
    expect(first.before[0]!.diff).not.toContain('hook-token');
    expect(first.after).toEqual([]);
    const [stored] = Object.values(sumo.content.connections);
    expect(stored).toMatchObject({ type: 'WebhookConnection', name: 'ops webhook', webhookType: 'Webhook', headers: [{ name: 'Authorization', value: 'Bearer hook-token-0123456789' }] });
    const rotated = await converge(sumoConnection, { ...declared, headers: { Authorization: new Secret('Bearer hook-token-rotated-987') } }, sumo.http);
    expect(rotated.before[0]!.summary).toBe('headers changed');
    expect(rotated.before[0]!.diff).toMatch(/-    value: "\*{8} #[0-9a-f]{8}"\n\+    value: "\*{8} #[0-9a-f]{8}"/);
    expect(rotated.before[0]!.diff).not.toContain('hook-token');
    expect(writes(sumo.requests)).toEqual(['POST v1/connections', `PUT v1/connections/${Object.keys(sumo.content.connections)[0]!}`]);
  });

  it('updates a changed URL in place and deletes the connection declared absent', async () => {
    await converge(sumoConnection, declared, sumo.http);
    const id = Object.keys(sumo.content.connections)[0]!;
    const moved = await converge(sumoConnection, { ...declared, url: 'https://hooks.example.com/other' }, sumo.http);
    expect(moved.before[0]!.summary).toBe('url changed');
    expect(moved.before[0]!.diff).toMatch(/-url: https:\/\/hooks.example.com\/sumo\n\+url: https:\/\/hooks.example.com\/other/);
    expect(sumo.content.connections[id]).toMatchObject({ url: 'https://hooks.example.com/other' });
    const gone = await converge(sumoConnection, { ...endpointArgs, name: 'ops webhook', state: 'absent' }, sumo.http);
    expect(gone.before[0]!.summary).toBe(`connection ${id}: present → absent (deleted)`);
    expect(sumo.content.connections).toEqual({});
    expect(writes(sumo.requests)).toEqual(['POST v1/connections', `PUT v1/connections/${id}`, `DELETE v1/connections/${id}`]);
  });

  it.each(['..', '.', '../users/0000000000000001', 'a/b', '%2e%2e', 'x?y', ''])('a server that answers the id %j: refused, nothing written', async (hostile) => {
    await converge(sumoConnection, declared, sumo.http);
    const [stored] = Object.values(sumo.content.connections);
    sumo.content.connections = { [hostile]: { ...stored, id: hostile } };
    sumo.requests.length = 0;
    const desired = sumoConnection.validate({ ...endpointArgs, name: 'ops webhook', state: 'absent' });
    await expect(sumoConnection.write(desired, sumoConnection.decide(desired, await sumoConnection.read(desired, sumo.http)), sumo.http)).rejects.toThrow(/which is not an id .*refusing to use it in a URL/);
    expect(writes(sumo.requests)).toEqual([]);
  });

  it('absent and not there: nothing to do', async () => {
    expect(await converge(sumoConnection, { ...endpointArgs, name: 'nothing', state: 'absent' }, sumo.http)).toEqual({ before: [], after: [] });
  });

  it('a wrong key: the read fails with Sumo\'s own error', async () => {
    const desired = sumoConnection.validate({ ...declared, access_key: new Secret('not-the-right-key-000') });
    await expect(sumoConnection.read(desired, sumo.http)).rejects.toThrow('Sumo Logic API GET https://api.us2.sumologic.com/api/v1/connections answered 401: unauthorized: Credential could not be verified.');
  });

  it.each([
    [{ name: 'x', url: 'ftp://nope' }, 'url'],
    [{ name: 'x', url: 'https://a', webhook_type: 'Pager' }, 'webhook_type'],
    [{ name: 'x', url: 'https://a', headers: { 'bad header': 'v' } }, 'headers'],
    [{ name: 'x', url: 'https://a', deployment: 'us3' }, 'deployment'],
    [{ name: 'x', url: 'https://a', endpoint: 'not a url' }, 'endpoint'],
    // The access key goes with every call: plain http only to this machine or a private network.
    [{ name: 'x', url: 'https://a', endpoint: 'http://api.sumologic.com/api/' }, 'endpoint'],
    [{ name: 'x', url: 'https://a', endpoint: 'http://203.0.113.5:8070/api/' }, 'endpoint'],
    [{ name: 'x', url: 'https://a', endpoint: 'http://[2001:db8::1]/api/' }, 'endpoint'],
    [{ name: 'x', url: 'https://a', endpoint: 'http://10.77.0.1.evil.example/api/' }, 'endpoint'],
    [{ url: 'https://a' }, 'name'],
    [{ name: 'hook\r\nx', url: 'https://a' }, 'name'],
    [{ name: 'x'.repeat(128), url: 'https://a' }, 'name'],
  ])('rejects %j at %s', (args, key) => {
    expect(argErrorOf(sumoConnection, { ...endpointArgs, ...args }).key).toBe(key);
  });

  it.each([['https://api.sumologic.com/api/'], ['http://10.77.0.1:8070/api/'], ['http://127.0.0.1:8070/api/'], ['http://localhost/api/'], ['http://[::1]:8070/api/'], ['http://192.168.1.10/api/']])(
    'takes the endpoint %s',
    (endpoint) => {
      expect(sumoConnection.validate({ ...endpointArgs, name: 'x', url: 'https://a', endpoint }).endpoint.url).toBe(endpoint);
    },
  );
});
