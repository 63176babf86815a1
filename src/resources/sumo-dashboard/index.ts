/**
 * `sumo_dashboard`: a dashboard in Sumo Logic (Dashboard API,
 * `/api/v2/dashboards`) of log-search panels, laid out two to a row. Found by
 * its title; created, updated (the whole dashboard) or deleted to match.
 */
import { type Args, describe, oneOf, onlyKeys, optionalInteger, optionalString, requiredString } from '../shared/args.js';
import { byName, collectionWrites, contentName, sumoContentType, type Definition, type Found } from '../shared/sumo-api/content.js';
import { ENDPOINT_KEYS, endpointArgs, type SumoEndpoint } from '../shared/sumo-api/endpoint.js';
import { ArgError } from '../types.js';

/** One panel: a logs query charted over time. */
export interface DashboardPanel {
  /** Panel title. */
  title: string;
  /** The logs query (with `timeslice` for a chart over time). */
  query: string;
  /** Chart type. */
  chart: (typeof CHARTS)[number];
}

/** Validated `sumo_dashboard` declaration. */
export interface SumoDashboardDesired {
  /** The API and credentials. */
  endpoint: SumoEndpoint;
  /** The dashboard's title (how it is found). */
  title: string;
  /** present or absent. */
  state: 'present' | 'absent';
  /** Description. */
  description: string;
  /** How far back it shows, e.g. "1h". */
  timeRange: string;
  /** Seconds between refreshes (one of Sumo's allowed values). */
  refreshInterval: number;
  /** Light or Dark. */
  theme: 'Light' | 'Dark';
  /** The panels, in order. */
  panels: DashboardPanel[];
}

const CHARTS = ['line', 'area', 'column', 'bar', 'table'] as const;
const REFRESH_INTERVALS = [0, 30, 60, 120, 300, 900, 1800, 3600, 7200, 86400];
const DASHBOARDS = 'v2/dashboards';
/** Grid cells: 24 columns; two panels a row. */
const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

function panels(args: Args): DashboardPanel[] {
  const v = args.panels;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ArgError('panels', `'panels' must be a list of { title, query, chart }, got ${describe(v)}`);
  return v.map((p: unknown, i) => {
    if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new ArgError('panels', `'panels[${i}]' must be a mapping { title, query, chart }`);
    const panel = p as Args;
    for (const key of Object.keys(panel)) if (!['title', 'query', 'chart'].includes(key)) throw new ArgError('panels', `'panels[${i}]': unknown key '${key}' (expected title, query, chart)`);
    const field = (key: string) => {
      try {
        return key === 'chart' ? oneOf(panel, key, CHARTS, 'line') : requiredString(panel, key);
      } catch (err) {
        throw new ArgError('panels', `'panels[${i}]': ${(err as Error).message}`);
      }
    };
    return { title: field('title'), query: field('query'), chart: field('chart') as DashboardPanel['chart'] };
  });
}

function validate(args: Args): SumoDashboardDesired {
  onlyKeys(args, [...ENDPOINT_KEYS, 'title', 'state', 'description', 'time_range', 'refresh_interval', 'theme', 'panels']);
  const title = contentName(args, 'title', 255);
  const timeRange = optionalString(args, 'time_range') ?? '1h';
  if (!/^-?([1-9][0-9]*[wdhms])+$/.test(timeRange)) throw new ArgError('time_range', `'time_range' must be a relative time like 15m, 1h or 1d, got '${timeRange}'`);
  const refreshInterval = optionalInteger(args, 'refresh_interval') ?? 120;
  if (!REFRESH_INTERVALS.includes(refreshInterval)) throw new ArgError('refresh_interval', `'refresh_interval' must be one of ${REFRESH_INTERVALS.join(', ')} (seconds), got ${refreshInterval}`);
  const state = oneOf(args, 'state', ['present', 'absent'], 'present');
  const list = panels(args);
  if (state === 'present' && list.length === 0) throw new ArgError('panels', `a dashboard needs at least one panel`);
  return {
    endpoint: endpointArgs(args),
    title,
    state,
    description: optionalString(args, 'description') ?? '',
    timeRange: timeRange.replace(/^-/, ''),
    refreshInterval,
    theme: oneOf(args, 'theme', ['Light', 'Dark'], 'Light'),
    panels: list,
  };
}

/** The dashboard the API is sent (DashboardRequest). */
function requestBody(desired: SumoDashboardDesired): Record<string, unknown> {
  const since = (relative: string) => ({ type: 'BeginBoundedTimeRange', from: { type: 'RelativeTimeRangeBoundary', relativeTime: `-${relative}` }, to: null });
  const key = (index: number) => `panel${index + 1}`;
  return {
    title: desired.title,
    description: desired.description,
    refreshInterval: desired.refreshInterval,
    theme: desired.theme,
    timeRange: since(desired.timeRange),
    panels: desired.panels.map((p, i) => ({
      key: key(i),
      title: p.title,
      panelType: 'SumoSearchPanel',
      visualSettings: JSON.stringify({ general: { mode: p.chart === 'table' ? 'distribution' : 'timeSeries', type: p.chart } }),
      keepVisualSettingsConsistentWithParent: true,
      queries: [{ queryString: p.query, queryType: 'Logs', queryKey: 'A' }],
    })),
    layout: {
      layoutType: 'Grid',
      layoutStructures: desired.panels.map((_, i) => ({ key: key(i), structure: JSON.stringify({ height: PANEL_HEIGHT, width: PANEL_WIDTH, x: (i % 2) * PANEL_WIDTH, y: Math.floor(i / 2) * PANEL_HEIGHT }) })),
    },
    variables: [],
  };
}

/** JSON text as a value (Sumo may write it with other spacing); text that is not JSON stays as it is. */
function parsed(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The managed fields of a dashboard, from a request body or from what Sumo answers. */
export function definitionOf(dashboard: Record<string, unknown>): Definition {
  const list = (v: unknown) => (Array.isArray(v) ? (v as Array<Record<string, unknown>>) : []);
  const timeRange = (dashboard.timeRange ?? {}) as { from?: { relativeTime?: string } };
  const layout = (dashboard.layout ?? {}) as { layoutStructures?: unknown };
  return {
    title: dashboard.title,
    description: dashboard.description ?? '',
    refreshInterval: dashboard.refreshInterval,
    theme: typeof dashboard.theme === 'string' ? dashboard.theme.charAt(0).toUpperCase() + dashboard.theme.slice(1).toLowerCase() : dashboard.theme,
    timeRange: String(timeRange.from?.relativeTime ?? '').replace(/^-/, ''),
    panels: list(dashboard.panels).map((p) => ({
      key: p.key,
      title: p.title,
      panelType: p.panelType,
      chart: (parsed(p.visualSettings) as { general?: { type?: string } } | undefined)?.general?.type,
      queries: list(p.queries).map((q) => ({ queryKey: q.queryKey, queryType: q.queryType, queryString: q.queryString })),
    })),
    layout: list(layout.layoutStructures).map((s) => ({ key: s.key, structure: parsed(s.structure) })),
  };
}

/** The `sumo_dashboard` resource type. */
export const sumoDashboard = sumoContentType<SumoDashboardDesired, Found>({
  name: 'sumo_dashboard',
  kind: 'dashboard',
  validate,
  nameOf: (desired) => desired.title,
  definition: (desired) => definitionOf(requestBody(desired)),
  async find(desired, api) {
    const found = byName(await api.listAll(DASHBOARDS, 'dashboards', 100), desired.title, 'dashboard', 'title');
    return found === undefined ? undefined : { id: String(found.id), definition: definitionOf(found) };
  },
  ...collectionWrites(DASHBOARDS, requestBody),
});
