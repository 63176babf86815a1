/**
 * What roles declare for rolling deploys, checked and typed (pure):
 * - `serve:` on a role whose hosts serve traffic: the health check provision
 *   waits for after changing such a host, and which of the role's handlers or
 *   resources interrupt serving (the host is drained before them);
 * - `balances:` on a load balancer role: which hosts it routes to, and the
 *   commands (run on the load balancer) that take one of them out and put it back;
 * - the variables `serial` and `max_fail_percentage`: batch sizes of a rolling
 *   deploy (a number, a percentage, or a list of those) and the failures a batch may have.
 */
import { describeValue } from '../inventory/describe-value.js';
import { onlyKeys, optionalBoolean, optionalString, requiredString } from '../resources/shared/args.js';
import { ArgError } from '../resources/types.js';

/** An HTTP health check, run on the host itself. */
export interface HealthCheck {
  /** Role declaring it. */
  role: string;
  /** http(s) URL, e.g. http://127.0.0.1/health (through the host's own web server). */
  url: string;
  /** The status that means healthy. */
  status: number;
  /** Seconds to wait for it after a change. */
  timeoutSeconds: number;
  /** Do not verify the TLS certificate (a check of https://127.0.0.1 on the host itself, whose certificate names another host). */
  insecure: boolean;
}

/** A role's `serve:` block, rendered for one host. */
export interface ServeDecl {
  /** Role declaring it. */
  role: string;
  /** The health check, if the role has one. */
  health?: HealthCheck;
  /** Names of handlers and resources whose change interrupts serving; undefined: every change does. */
  traffic?: string[];
}

/** A load balancer role's `balances:` block, rendered for one load balancer host. */
export interface BalanceDecl {
  /** Role declaring it. */
  role: string;
  /** Inventory names of the hosts it routes to. */
  backends: string[];
  /** Shell command run on the load balancer, with the backend's inventory name appended, that takes it out of rotation. */
  drain: string;
  /** Same, puts it back. */
  undrain: string;
}

/** One batch size: a number of hosts or a percentage of the rolling set. */
export type BatchSize = { count: number } | { percent: number };

/** `serial`: successive batch sizes; the last one repeats. */
export type SerialSpec = BatchSize[];

/** How a host rolls: its set (hosts that roll together), the batch sizes and the failures a batch may have. */
export interface RollingSetting {
  /** Where the serial is set, naming the set, e.g. "group app", "role app", "--serial". */
  set: string;
  /** Batch sizes. */
  serial: SerialSpec;
  /** A batch fails when more than this percentage of its hosts fail (0: any failure). */
  maxFailPercentage: number;
}

/** `serve:` as written in role.yaml, checked (names must be handlers or resources of the role). */
export function checkServeBlock(block: Record<string, unknown>, names: readonly string[]): void {
  onlyKeys(block, ['health', 'traffic']);
  if (block.health !== undefined && (block.health === null || typeof block.health !== 'object' || Array.isArray(block.health))) {
    throw new ArgError('health', `'health' must be a mapping like { url: http://127.0.0.1/health, status: 200, timeout: 60 }, got ${describeValue(block.health)}`);
  }
  for (const name of trafficList(block)) {
    if (!names.includes(name)) throw new ArgError('traffic', `'traffic' names '${name}', which is no handler or resource name of this role (names: ${names.join(', ') || 'none'})`);
  }
}

/** The keys of `balances:` whose text is shell (rendered with every value quoted). */
export const BALANCE_SHELL_KEYS = ['drain', 'undrain'] as const;

/** `balances:` as written in role.yaml: the keys it must have. */
export function checkBalancesBlock(block: Record<string, unknown>): void {
  onlyKeys(block, ['backends', 'drain', 'undrain']);
  for (const key of ['backends', 'drain', 'undrain']) if (block[key] === undefined) throw new ArgError(key, `'${key}' is required`);
}

/** A rendered `serve:` block → its typed form; throws ArgError naming the key (`health.url`). */
export function serveDecl(role: string, rendered: Record<string, unknown>): ServeDecl {
  const health = rendered.health as Record<string, unknown> | undefined;
  return { role, ...(health ? { health: healthCheck(role, health) } : {}), ...(rendered.traffic !== undefined ? { traffic: trafficList(rendered) } : {}) };
}

function healthCheck(role: string, args: Record<string, unknown>): HealthCheck {
  const at = (err: unknown): never => {
    if (err instanceof ArgError) throw new ArgError(`health.${err.key}`, err.message);
    throw err;
  };
  try {
    onlyKeys(args, ['url', 'status', 'timeout', 'insecure']);
    const url = requiredString(args, 'url');
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) throw new ArgError('url', `'url' must be an http:// or https:// URL, got ${describeValue(url)}`);
    return {
      role,
      url,
      status: wholeNumber(args, 'status', 200, 100, 599),
      timeoutSeconds: wholeNumber(args, 'timeout', 60, 1, 3600),
      insecure: optionalBoolean(args, 'insecure', false),
    };
  } catch (err) {
    return at(err);
  }
}

function trafficList(block: Record<string, unknown>): string[] {
  const value = block.traffic;
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v): v is string => typeof v === 'string' && v !== '')) throw new ArgError('traffic', `'traffic' must be a list of handler or resource names, got ${describeValue(value)}`);
  return list;
}

/**
 * A rendered `balances:` block → its typed form. `backends` is a group or host
 * name, or a list of them, resolved with the inventory's groups.
 */
export function balanceDecl(role: string, rendered: Record<string, unknown>, groups: Record<string, string[]>, hosts: readonly string[]): BalanceDecl {
  const raw = Array.isArray(rendered.backends) ? rendered.backends : [rendered.backends];
  const backends: string[] = [];
  for (const item of raw) {
    if (typeof item !== 'string' || item === '') throw new ArgError('backends', `'backends' must be a group or host name, or a list of them, got ${describeValue(rendered.backends)}`);
    const names = groups[item] ?? (hosts.includes(item) ? [item] : undefined);
    if (!names) throw new ArgError('backends', `'backends' names '${item}', which is no group or host of the inventory`);
    for (const name of names) if (!backends.includes(name)) backends.push(name);
  }
  return { role, backends, drain: requiredString(rendered, 'drain'), undrain: requiredString(rendered, 'undrain') };
}

/** A whole number in [min, max] (a string of digits is accepted), or the fallback when unset. */
function wholeNumber(args: Record<string, unknown>, key: string, fallback: number, min: number, max: number): number {
  const text = optionalString(args, key);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new ArgError(key, `'${key}' must be a whole number from ${min} to ${max}, got ${describeValue(args[key])}`);
  return Number(text);
}

/** `serial` → batch sizes, or the problem with it: a positive number, a percentage from 1% to 100%, or a non-empty list of those. */
export function parseSerial(value: unknown): SerialSpec | string {
  const items = Array.isArray(value) ? value : typeof value === 'string' && value.includes(',') ? value.split(',').map((s) => s.trim()) : [value];
  const expected = `expected a positive number of hosts, a percentage like "50%", or a list of those, got ${describeValue(value)}`;
  if (items.length === 0) return expected;
  const sizes: SerialSpec = [];
  for (const item of items) {
    const text = typeof item === 'number' ? String(item) : typeof item === 'string' ? item.trim() : '';
    const count = /^[1-9]\d*$/.exec(text);
    const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
    if (count) sizes.push({ count: Number(text) });
    else if (percent && Number(percent[1]) > 0 && Number(percent[1]) <= 100) sizes.push({ percent: Number(percent[1]) });
    else return expected;
  }
  return sizes;
}

/** `max_fail_percentage` → a number from 0 to 100, or the problem with it. */
export function parseMaxFailPercentage(value: unknown): number | string {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().replace(/%$/, '') : '';
  if (/^\d+(?:\.\d+)?$/.test(text) && Number(text) <= 100) return Number(text);
  return `expected a percentage from 0 to 100, got ${describeValue(value)}`;
}

/** A serial as the user would write it, for output: `1`, `50%`, `1, 50%`. */
export function formatSerial(serial: SerialSpec): string {
  return serial.map((s) => ('count' in s ? String(s.count) : `${s.percent}%`)).join(', ');
}

/**
 * The name of the set a host rolls with, from where its `serial` is written:
 * a group's vars (`group app`), a host's vars (`host web-01`), `-e` (`-e serial`),
 * or a role's defaults (`role app`).
 */
export function rollingSetName(originPath: string | undefined, defaultsRole: string | undefined): string {
  if (originPath === undefined) return `role ${defaultsRole ?? '?'}`;
  const owner = originPath.slice(0, originPath.lastIndexOf('.'));
  if (owner.endsWith('.vars') || owner === 'vars') {
    const group = owner.slice(0, -'.vars'.length);
    const children = group.lastIndexOf('.children.');
    return `group ${children >= 0 ? group.slice(children + '.children.'.length) : group}`;
  }
  const hosts = owner.lastIndexOf('.hosts.');
  if (hosts >= 0) return `host ${owner.slice(hosts + '.hosts.'.length)}`;
  return originPath;
}
