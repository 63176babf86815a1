import { beforeEach, describe, expect, it } from 'vitest';
import { ROOT_FOLDER_ID } from '../../../test/lab/sumo-fake/content-api.js';
import { readOnly } from '../../transport/http.js';
import { argErrorOf } from '../../../test/support/resources.js';
import { converge, endpointArgs, fakeSumo, writes } from '../../../test/support/sumo-api.js';
import { sumoConnection } from '../sumo-connection/index.js';
import { sumoMonitor } from './index.js';

const QUERY = '_sourceCategory=prod/lb/nginx-access | timeslice 1m | count as requests by _timeslice | requests / 60 as qps | max(qps) as qps';
const declared = { ...endpointArgs, name: 'www.foobar.com QPS', query: QUERY, field: 'qps', time_range: '5m', critical: 500, warning: 200, missing_data: '10m', emails: ['ops@foobar.com'] };

describe('sumo_monitor against the fake Sumo Logic', () => {
  let sumo: ReturnType<typeof fakeSumo>;
  beforeEach(() => {
    sumo = fakeSumo();
  });

  it('creates the monitor in the root folder with critical, warning and missing-data triggers, then is in state', async () => {
    const { before, after } = await converge(sumoMonitor, declared, sumo.http);
    expect(before.map((c) => c.summary)).toEqual(['absent → present']);
    expect(before[0]!.diff).toContain('+    threshold: 500');
    expect(after).toEqual([]);
    const [monitor] = Object.values(sumo.content.monitors).filter((m) => m.contentType === 'Monitor');
    expect(monitor).toMatchObject({ name: 'www.foobar.com QPS', parentId: ROOT_FOLDER_ID, monitorType: 'Logs', queries: [{ rowId: 'A', query: QUERY }] });
    const triggers = (monitor!.triggers as Array<Record<string, unknown>>).map((t) => [t.triggerType, t.detectionMethod, t.threshold, t.thresholdType, t.timeRange]);
    expect(triggers).toEqual([
      ['Critical', 'LogsStaticCondition', 500, 'GreaterThan', '-5m'],
      ['ResolvedCritical', 'LogsStaticCondition', 500, 'LessThanOrEqual', '-5m'],
      ['Warning', 'LogsStaticCondition', 200, 'GreaterThan', '-5m'],
      ['ResolvedWarning', 'LogsStaticCondition', 200, 'LessThanOrEqual', '-5m'],
      ['MissingData', 'LogsMissingDataCondition', undefined, undefined, '-10m'],
      ['ResolvedMissingData', 'LogsMissingDataCondition', undefined, undefined, '-10m'],
    ]);
    expect(monitor!.notifications).toEqual([
      {
        notification: { connectionType: 'Email', recipients: ['ops@foobar.com'], subject: 'Monitor Alert: {{TriggerType}} on {{Name}}', messageBody: expect.stringContaining('{{QueryURL}}'), timeZone: 'Etc/UTC' },
        runForTriggerTypes: ['Critical', 'ResolvedCritical', 'Warning', 'ResolvedWarning', 'MissingData', 'ResolvedMissingData'],
      },
    ]);
    expect(writes(sumo.requests)).toEqual(['POST v1/monitors']);
  });

  it('a new threshold updates the monitor in place, naming the version it replaces; the diff shows the threshold', async () => {
    await converge(sumoMonitor, declared, sumo.http);
    const id = Object.keys(sumo.content.monitors).find((k) => k !== ROOT_FOLDER_ID)!;
    const { before, after } = await converge(sumoMonitor, { ...declared, critical: 800 }, sumo.http);
    expect(before.map((c) => c.summary)).toEqual(['triggers changed']);
    expect(before[0]!.diff).toMatch(/-    threshold: 500\n\+    threshold: 800/);
    expect(after).toEqual([]);
    expect(sumo.content.monitors[id]).toMatchObject({ version: 1 });
    expect(writes(sumo.requests)).toEqual(['POST v1/monitors', `PUT v1/monitors/${id}`]);
  });

  it('notifies a webhook connection by name; a connection that does not exist fails the write', async () => {
    await converge(sumoConnection, { ...endpointArgs, name: 'ops webhook', url: 'https://hooks.example.com/x' }, sumo.http);
    const connectionId = Object.keys(sumo.content.connections)[0]!;
    expect((await converge(sumoMonitor, { ...declared, connections: ['ops webhook'] }, sumo.http)).after).toEqual([]);
    const monitor = Object.values(sumo.content.monitors).find((m) => m.contentType === 'Monitor')!;
    expect((monitor.notifications as Array<{ notification: unknown }>)[1]!.notification).toEqual({ connectionType: 'Webhook', connectionId });
    const desired = sumoMonitor.validate({ ...declared, name: 'other', connections: ['no such hook'] });
    await expect(sumoMonitor.write(desired, sumoMonitor.decide(desired, await sumoMonitor.read(desired, sumo.http)), sumo.http)).rejects.toThrow("the webhook connection 'no such hook' does not exist in Sumo Logic");
  });

  it('declared absent: deleted; then nothing to do', async () => {
    await converge(sumoMonitor, declared, sumo.http);
    const id = Object.keys(sumo.content.monitors).find((k) => k !== ROOT_FOLDER_ID)!;
    const gone = await converge(sumoMonitor, { ...endpointArgs, name: declared.name, state: 'absent' }, sumo.http);
    expect(gone.before.map((c) => c.summary)).toEqual([`monitor ${id}: present → absent (deleted)`]);
    expect(Object.keys(sumo.content.monitors)).toEqual([ROOT_FOLDER_ID]);
    expect(gone.after).toEqual([]);
  });

  it('reads with GETs only (what plan uses refuses anything else)', async () => {
    const desired = sumoMonitor.validate(declared);
    const current = await sumoMonitor.read(desired, readOnly(sumo.http));
    await expect(sumoMonitor.write(desired, sumoMonitor.decide(desired, current), readOnly(sumo.http))).rejects.toThrow('refused POST');
    expect(writes(sumo.requests)).toEqual([]);
  });

  it('two monitors of the name: refuses to guess', async () => {
    await converge(sumoMonitor, declared, sumo.http);
    const [id, monitor] = Object.entries(sumo.content.monitors).find(([k]) => k !== ROOT_FOLDER_ID)!;
    sumo.content.monitors[`${id}9`] = { ...monitor, id: `${id}9`, parentId: 'elsewhere' };
    await expect(sumoMonitor.read(sumoMonitor.validate(declared), sumo.http)).rejects.toThrow(/2 monitors in Sumo Logic are named 'www.foobar.com QPS'/);
  });

  it('found past the first page of the search: more monitors than a page match its name\'s words; no second one is created', async () => {
    await converge(sumoMonitor, declared, sumo.http);
    const [id, monitor] = Object.entries(sumo.content.monitors).find(([k]) => k !== ROOT_FOLDER_ID)!;
    // 1,200 others whose names hold every word of the declared one, listed before it.
    const others = Array.from({ length: 1200 }, (_, i) => [`OTHER${String(i).padStart(12, '0')}`, { ...monitor, id: `OTHER${i}`, name: `${declared.name} ${i}` }]);
    sumo.content.monitors = { ...Object.fromEntries(others), [id]: monitor };
    sumo.requests.length = 0;
    expect((await converge(sumoMonitor, declared, sumo.http)).before).toEqual([]);
    expect(writes(sumo.requests)).toEqual([]);
  });

  it.each([
    [{ critical: 'lots' }, 'critical'],
    [{ time_range: '5 minutes' }, 'time_range'],
    [{ warning: 900 }, 'warning'],
    [{ emails: ['not-an-address'] }, 'emails'],
    [{ field: 'q p s' }, 'field'],
    [{ query: undefined }, 'query'],
    [{ name: 'QPS\n+    threshold: 1' }, 'name'],
    [{ name: 'QPS \u001b[2J' }, 'name'],
  ])('rejects %j at %s', (args, key) => {
    expect(argErrorOf(sumoMonitor, { ...declared, ...args }).key).toBe(key);
  });

  it('a name of quotes, backslashes, a pipe and letters beyond ASCII is sent and found as it is', async () => {
    const name = 'QPS "www" \\ | OR * é 😀 <b>';
    expect((await converge(sumoMonitor, { ...declared, name }, sumo.http)).after).toEqual([]);
    expect(Object.values(sumo.content.monitors).find((m) => m.contentType === 'Monitor')).toMatchObject({ name, queries: [{ query: QUERY }] });
  });

  it('needs a threshold or a missing-data trigger', () => {
    expect(argErrorOf(sumoMonitor, { ...endpointArgs, name: 'n', query: 'q' }).message).toMatch(/at least one of 'critical', 'warning'/);
  });
});
