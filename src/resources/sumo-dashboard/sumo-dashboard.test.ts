import { beforeEach, describe, expect, it } from 'vitest';
import { argErrorOf } from '../../../test/support/resources.js';
import { converge, endpointArgs, fakeSumo, writes } from '../../../test/support/sumo-api.js';
import { sumoDashboard } from './index.js';

const panels = [
  { title: 'Requests per second', query: '_sourceCategory=prod/lb/nginx-access | timeslice 1m | count by _timeslice' },
  { title: 'Requests per second by host', query: '_sourceCategory=prod/*/nginx-access | timeslice 1m | count by _timeslice, _sourceHost', chart: 'area' },
  { title: '5xx per second', query: '_sourceCategory=prod/lb/nginx-access 5xx', chart: 'column' },
];
const declared = { ...endpointArgs, title: 'www.foobar.com traffic', description: 'QPS and errors', panels };

describe('sumo_dashboard against the fake Sumo Logic', () => {
  let sumo: ReturnType<typeof fakeSumo>;
  beforeEach(() => {
    sumo = fakeSumo();
  });

  it('creates the dashboard with its panels laid out two to a row, then is in state', async () => {
    const { before, after } = await converge(sumoDashboard, declared, sumo.http);
    expect(before.map((c) => c.summary)).toEqual(['absent → present']);
    expect(after).toEqual([]);
    const [dashboard] = Object.values(sumo.content.dashboards);
    expect(dashboard).toMatchObject({ title: 'www.foobar.com traffic', refreshInterval: 120, timeRange: { type: 'BeginBoundedTimeRange', from: { type: 'RelativeTimeRangeBoundary', relativeTime: '-1h' } } });
    const structures = (dashboard!.layout as { layoutStructures: Array<{ key: string; structure: string }> }).layoutStructures.map((s) => [s.key, JSON.parse(s.structure)]);
    expect(structures).toEqual([
      ['panel1', { height: 8, width: 12, x: 0, y: 0 }],
      ['panel2', { height: 8, width: 12, x: 12, y: 0 }],
      ['panel3', { height: 8, width: 12, x: 0, y: 8 }],
    ]);
    expect((dashboard!.panels as Array<Record<string, unknown>>).map((p) => [p.key, p.panelType, (p.queries as Array<{ queryString: string }>)[0]!.queryString])).toEqual(panels.map((p, i) => [`panel${i + 1}`, 'SumoSearchPanel', p.query]));
  });

  it('a changed panel updates the dashboard; absent deletes it', async () => {
    await converge(sumoDashboard, declared, sumo.http);
    const id = Object.keys(sumo.content.dashboards)[0]!;
    const changed = await converge(sumoDashboard, { ...declared, panels: [panels[0], { ...panels[1]!, chart: 'line' }] }, sumo.http);
    expect(changed.before.map((c) => c.summary)).toEqual(['panels, layout changed']);
    expect(changed.before[0]!.diff).toContain('-    chart: area\n+    chart: line');
    expect(changed.after).toEqual([]);
    const gone = await converge(sumoDashboard, { ...endpointArgs, title: declared.title, state: 'absent' }, sumo.http);
    expect(gone.before.map((c) => c.summary)).toEqual([`dashboard ${id}: present → absent (deleted)`]);
    expect(writes(sumo.requests)).toEqual(['POST v2/dashboards', `PUT v2/dashboards/${id}`, `DELETE v2/dashboards/${id}`]);
  });

  it('finds its dashboard on a later page of the list', async () => {
    for (let i = 0; i < 150; i++) await converge(sumoDashboard, { ...declared, title: `other ${i}` }, sumo.http);
    await converge(sumoDashboard, declared, sumo.http);
    sumo.requests.length = 0;
    expect((await converge(sumoDashboard, declared, sumo.http)).before).toEqual([]);
    // converge reads twice (before and after), each read two pages.
    expect(sumo.requests.map((r) => new URL(r.url).searchParams.has('token'))).toEqual([false, true, false, true]);
  });

  it.each([
    [{ refresh_interval: 45 }, 'refresh_interval'],
    [{ time_range: 'an hour' }, 'time_range'],
    [{ panels: [] }, 'panels'],
    [{ panels: [{ title: 'x' }] }, 'panels'],
    [{ panels: [{ title: 'x', query: 'y', chart: 'pie' }] }, 'panels'],
    [{ theme: 'Blue' }, 'theme'],
    // One line: the title labels the resource's lines and heads its diff.
    [{ title: 'traffic\n+    threshold: 1' }, 'title'],
    [{ title: 'traffic\u2028x' }, 'title'],
    [{ title: 'x'.repeat(256) }, 'title'],
  ])('rejects %j at %s', (args, key) => {
    expect(argErrorOf(sumoDashboard, { ...declared, ...args }).key).toBe(key);
  });
});
