/** `service`: a systemd unit started or stopped (or restarted, reloaded: those always act), enabled or not. */
import { insert, sh, trusted, type Shell } from '../../shell/quote.js';
import { type Args, booleanOrUndefined, matching, oneOfOrUndefined, onlyKeys, requiredString } from '../shared/args.js';
import { parseFields } from '../shared/probe-output.js';
import { FAIL_FUNCTION, fail, lines } from '../shared/script.js';
import { factList, type StatusCheck, type StatusColumn } from '../../status/types.js';
import { casesOf, type Lookahead, type Prediction, unitName } from '../shared/lookahead.js';
import { ArgError, type Change, type Decision, type ResourceType } from '../types.js';

/** Wanted run state; restarted and reloaded are actions, used as handlers. */
export type ServiceState = 'started' | 'stopped' | 'restarted' | 'reloaded';

/** Validated `service` declaration. */
export interface ServiceDesired {
  /** Unit name, e.g. "nginx" or "getty@tty1.service". */
  name: string;
  /** Wanted run state; undefined leaves it alone. */
  state?: ServiceState;
  /** Start at boot; undefined leaves it alone. */
  enabled?: boolean;
}

/** systemctl show's view of the unit (empty strings when systemd said nothing). */
export interface ServiceCurrent {
  /** loaded, not-found, masked, ... */
  loadState: string;
  /** active, inactive, failed, activating, ... */
  activeState: string;
  /** enabled, disabled, static, masked, ... ("" for a unit that does not exist). */
  unitFileState: string;
}

const STATES: readonly ServiceState[] = ['started', 'stopped', 'restarted', 'reloaded'];
const RUNNING = new Set(['active', 'activating', 'reloading']);
/** Unit file states that `systemctl enable/disable` switch; others (static, generated, ...) are left alone. */
const SWITCHABLE: Record<string, boolean> = { enabled: true, 'enabled-runtime': true, disabled: false, masked: false, 'masked-runtime': false };

/** The decision: what apply does, and the changes plan shows. */
export interface ServiceDecision extends Decision {
  /** systemctl enable or disable, when needed. */
  enable?: 'enable' | 'disable';
  /** systemctl verb for the run state, when needed. */
  run?: 'start' | 'stop' | 'restart' | 'reload-or-restart';
  /** One line per action. */
  changes: Change[];
}

function decide(desired: ServiceDesired, current: ServiceCurrent): ServiceDecision {
  const result: ServiceDecision = { changes: [] };
  const missing = current.loadState === 'not-found' || current.loadState === '';
  const shownActive = missing ? 'not-found' : current.activeState;
  // A unit that does not exist yet may come from a package installed earlier in the run: say what would be done.
  const isEnabled = missing ? undefined : SWITCHABLE[current.unitFileState];
  if (desired.enabled === true && (missing || isEnabled === false)) {
    result.enable = 'enable';
    result.changes.push({ summary: `enabled: ${missing ? 'not-found' : current.unitFileState} → enabled` });
  } else if (desired.enabled === false && isEnabled === true) {
    result.enable = 'disable';
    result.changes.push({ summary: `enabled: ${current.unitFileState} → disabled` });
  }
  const running = RUNNING.has(current.activeState);
  switch (desired.state) {
    case 'started':
      if (!running) {
        result.run = 'start';
        result.changes.push({ summary: `state: ${shownActive} → started` });
      }
      break;
    case 'stopped':
      if (running && !missing) {
        result.run = 'stop';
        result.changes.push({ summary: `state: ${shownActive} → stopped` });
      }
      break;
    case 'restarted':
      result.run = 'restart';
      result.changes.push({ summary: `state: ${shownActive} → restarted` });
      break;
    case 'reloaded':
      // reload-or-restart also starts a unit that is not running.
      result.run = 'reload-or-restart';
      result.changes.push({ summary: running ? `state: ${shownActive} → reloaded` : `state: ${shownActive} → started (reload requested)` });
      break;
    case undefined:
      break;
  }
  return result;
}

function apply(desired: ServiceDesired, p: ServiceDecision): Shell {
  if (p.changes.length === 0) return trusted(':');
  const unit = desired.name;
  const show = (property: string) => insert(sh`"$(systemctl show -p ${property} --value -- ${unit} 2>/dev/null)"`);
  return lines(
    FAIL_FUNCTION,
    // A unit file written earlier in the run is only seen by systemd after daemon-reload.
    sh`if [ ${show('LoadState')} = not-found ] || [ ${show('NeedDaemonReload')} = yes ]; then systemctl daemon-reload; fi`,
    sh`if [ ${show('LoadState')} = not-found ]; then ${insert(fail(`systemd unit ${desired.name} does not exist`))}; fi`,
    p.enable !== undefined && sh`systemctl ${p.enable} -- ${unit}`,
    p.run !== undefined && sh`systemctl ${p.run} -- ${unit}`,
    p.run !== undefined && p.run !== 'stop' && lines(WAIT_ACTIVE, sh`provision_wait_active ${desired.name}`),
  );
}

/**
 * `provision_wait_active UNIT`: a unit reported started is running. Waits (up to
 * 30 s) while it is activating; a simple service, which is "active" as soon as
 * its process is forked, must still be active with the same process half a
 * second later. Otherwise the step fails with systemd's own account of the unit.
 */
const WAIT_ACTIVE = lines(
  'provision_wait_active() {',
  '  provision_n=0',
  '  while :; do',
  '    provision_state=$(systemctl show -p ActiveState --value -- "$1" 2>/dev/null)',
  '    case $provision_state in',
  '      active) break ;;',
  '      activating | reloading) ;;',
  `      *) systemctl status --no-pager --lines 5 -- "$1" >&2 || true; fail "$1 is $provision_state after it was started" ;;`,
  '    esac',
  '    provision_n=$((provision_n + 1))',
  `    [ "$provision_n" -lt 300 ] || fail "$1 is still $provision_state 30 s after it was started"`,
  '    sleep 0.1',
  '  done',
  '  case $(systemctl show -p Type --value -- "$1" 2>/dev/null) in',
  '    simple | exec | idle) ;;',
  '    *) return 0 ;;',
  '  esac',
  '  provision_pid=$(systemctl show -p MainPID --value -- "$1" 2>/dev/null)',
  '  sleep 0.5',
  '  provision_state=$(systemctl show -p ActiveState --value -- "$1" 2>/dev/null)',
  '  if [ "$provision_state" != active ] || [ "$(systemctl show -p MainPID --value -- "$1" 2>/dev/null)" != "$provision_pid" ]; then',
  `    systemctl status --no-pager --lines 5 -- "$1" >&2 || true`,
  '    fail "$1 did not stay running after it was started (now $provision_state)"',
  '  fi',
  '}',
);

/** `systemctl show` of the units: it answers for units that do not exist too (LoadState=not-found), one block per unit, blank lines between. */
function show(names: readonly string[]): Shell {
  return sh`systemctl show -p LoadState,ActiveState,UnitFileState -- ${names} 2>/dev/null </dev/null`;
}

function probe(desired: ServiceDesired): Shell {
  return sh`${insert(show([desired.name]))} || true`;
}

/**
 * One systemctl call for all units, each named once (a service and its
 * handler often name the same unit; systemctl asks systemd for all of a
 * unit's properties, ~1.3 ms of the host's CPU a unit): its blocks become
 * the items' outputs (all empty when systemctl fails, as for probe). The
 * shell splits them (the blank line between two blocks ends one, missing
 * ones stay empty): systemctl is the one process.
 */
function probeMany(items: readonly ServiceDesired[], separator: string): Shell {
  const units = [...new Set(items.map((i) => i.name))];
  return lines(
    ...units.map((_, u) => sh`provision_block_${u}=`),
    sh`provision_shown=$(${insert(show(units))})`,
    'provision_k=0',
    "provision_nl='\n'",
    'while IFS= read -r provision_line; do',
    // eval reads only the block's variable name: the line is expanded by the assignment, never parsed as shell.
    sh`  if [ -n "$provision_line" ]; then eval "provision_block_$provision_k=\\"\\$provision_block_$provision_k\\$provision_line\\$provision_nl\\""; elif [ "$provision_k" -lt ${units.length - 1} ]; then provision_k=$((provision_k + 1)); fi`,
    'done <<provision_eof',
    '$provision_shown',
    'provision_eof',
    ...items.map((i) => sh`printf '%s%s\\n' "$provision_block_${units.indexOf(i.name)}" ${separator}`),
  );
}

function parse(output: string): ServiceCurrent {
  const fields = parseFields(output);
  return { loadState: fields.get('LoadState') ?? '', activeState: fields.get('ActiveState') ?? '', unitFileState: fields.get('UnitFileState') ?? '' };
}

function validate(args: Args): ServiceDesired {
  onlyKeys(args, ['name', 'state', 'enabled']);
  // A backslash is allowed: systemd escapes characters in unit names as \x2d and the like.
  const name = matching('name', requiredString(args, 'name'), /^[A-Za-z0-9_:.@\\-]+$/, 'a systemd unit name like "nginx" or "getty@tty1.service"');
  if (name.startsWith('-')) throw new ArgError('name', `'name' must not start with '-': '${name}'`);
  const state = oneOfOrUndefined(args, 'state', STATES);
  const enabled = booleanOrUndefined(args, 'enabled');
  if (state === undefined && enabled === undefined) throw new ArgError(undefined, `a service needs 'state' or 'enabled' (or both)`);
  return { name, state, enabled };
}

/** Services running of those the roles start. */
const STATUS_COLUMNS: StatusColumn[] = [
  {
    header: 'SERVICES',
    cell: (f) => {
      const services = factList(f.services);
      return services.length > 0 ? `${services.filter((s) => s.active === true).length}/${services.length}` : '-';
    },
  },
];

/** Status: a unit the roles start is running. */
function status(desired: ServiceDesired): StatusCheck | undefined {
  if (desired.state !== 'started') return undefined;
  return {
    key: `service ${desired.name}`,
    script: probe(desired),
    read: (output) => {
      const current = parse(output);
      const running = RUNNING.has(current.activeState);
      return {
        facts: { services: [{ name: desired.name, active: running, state: current.activeState || 'unknown' }] },
        problems: running ? [] : [`service ${desired.name} is ${current.loadState === 'not-found' ? 'not installed' : current.activeState || 'unknown'}`],
        warnings: [],
      };
    },
    columns: STATUS_COLUMNS,
  };
}

/**
 * The unit once earlier changes of the run are applied (a package that ships,
 * enables and starts it). What they leave unknown and the declaration cares
 * about makes the prediction unknown, with what apply does in each case.
 */
function predict(desired: ServiceDesired, current: ServiceCurrent, ahead: Lookahead): Prediction<ServiceCurrent> | undefined {
  const o = ahead.unit(desired.name);
  if (!o) return undefined;
  const keep = o.loadState === 'unchanged' || o.loadState === 'unknown';
  const predicted: ServiceCurrent = {
    loadState: keep ? current.loadState : o.loadState,
    activeState: o.activeState ?? current.activeState,
    unitFileState: o.unitFileState ?? (keep ? current.unitFileState : ''),
  };
  const runStateMatters = desired.state === 'started' || desired.state === 'stopped';
  const unknownRun = runStateMatters && o.activeState === undefined;
  const unknownEnabled = desired.enabled !== undefined && o.unitFileState === undefined;
  if (o.loadState === 'unknown' || unknownRun || unknownEnabled) {
    const variants: Array<readonly [string, Change[]]> = [];
    for (const running of unknownRun ? [true, false] : [undefined]) {
      for (const enabled of unknownEnabled ? [true, false] : [undefined]) {
        const when = [running === undefined ? '' : running ? 'it runs' : 'it does not run', enabled === undefined ? '' : enabled ? 'it is enabled' : 'it is not enabled'].filter(Boolean).join(' and ');
        const state: ServiceCurrent = {
          loadState: 'loaded',
          activeState: running === undefined ? predicted.activeState : running ? 'active' : 'inactive',
          unitFileState: enabled === undefined ? predicted.unitFileState : enabled ? 'enabled' : 'disabled',
        };
        variants.push([when || 'it is as now', decide(desired, state).changes]);
      }
    }
    return { unknown: `${o.by}: ${o.why} (${unitName(desired.name)})`, cases: casesOf(variants) };
  }
  return { current: predicted, because: `${o.by}: ${o.why}` };
}

/** The `service` resource type (systemd). */
export const service: ResourceType<ServiceDesired, ServiceCurrent, ServiceDecision> = {
  name: 'service',
  validate,
  label: (desired) => desired.name,
  probe,
  probeMany,
  probeInline: true,
  parse,
  decide,
  apply,
  predict,
  effects: {
    of: (items) => ({
      units: new Map(items.map(({ desired, current }) => [unitName(desired.name), { by: `service ${desired.name}`, loadState: current.loadState === 'not-found' ? 'unknown' : 'unchanged', ...stateAfter(desired), why: 'it is changed earlier in this run' }])),
    }),
  },
  status,
};

/** The run state and enablement a service declaration leaves (undefined where it leaves them alone). */
function stateAfter(desired: ServiceDesired): { activeState?: string; unitFileState?: string } {
  const active = desired.state === 'stopped' ? 'inactive' : desired.state === undefined ? undefined : 'active';
  const enabled = desired.enabled === undefined ? undefined : desired.enabled ? 'enabled' : 'disabled';
  return { ...(active ? { activeState: active } : {}), ...(enabled ? { unitFileState: enabled } : {}) };
}
