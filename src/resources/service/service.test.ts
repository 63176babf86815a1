import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { service, type ServiceCurrent, type ServiceDesired } from './index.js';
import type { Effects, UnitOutlook } from '../shared/lookahead.js';
import { ahead, applyLocally, argErrorOf, predicted, probeLocally, probeManyLocally, stubCommands, summaries } from '../../../test/support/resources.js';

const want = (args: Record<string, unknown>): ServiceDesired => service.validate({ name: 'nginx', ...args });
const unit = (activeState: string, unitFileState: string, loadState = 'loaded'): ServiceCurrent => ({ loadState, activeState, unitFileState });
const missing = unit('inactive', '', 'not-found');

describe('service.validate', () => {
  it.each([
    ['an unknown key, with a suggestion', { name: 'nginx', enable: true }, 'enable', /did you mean 'enabled'/],
    ['a bad state, with a suggestion', { name: 'nginx', state: 'restart' }, 'state', /did you mean 'restarted'/],
    ['enabled that is not a boolean', { name: 'nginx', enabled: 'sometimes' }, 'enabled', /true or false/],
    ['a name with shell syntax', { name: "nginx'; rm -rf / #", state: 'started' }, 'name', /systemd unit name/],
    ['a name like an option', { name: '--now', state: 'started' }, 'name', /must not start with '-'/],
    ['nothing to do', { name: 'nginx' }, undefined, /needs 'state' or 'enabled'/],
  ])('rejects %s', (_, args, key, message) => {
    const error = argErrorOf(service, args);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });

  it('accepts a templated unit name and yes/no', () => {
    expect(service.validate({ name: 'getty@tty1.service', enabled: 'yes' })).toEqual({ name: 'getty@tty1.service', state: undefined, enabled: true });
  });
});

describe('service.parse', () => {
  it.each<[string, string, ServiceCurrent]>([
    ['a running unit', 'LoadState=loaded\nActiveState=active\nUnitFileState=enabled', unit('active', 'enabled')],
    ['a unit that does not exist', 'LoadState=not-found\nActiveState=inactive\nUnitFileState=', missing],
    ['no systemd', '', unit('', '', '')],
  ])('%s', (_, output, expected) => {
    expect(service.parse(output, want({ state: 'started' }))).toEqual(expected);
  });
});

describe('service.diff', () => {
  it.each<[string, ServiceDesired, ServiceCurrent, string[]]>([
    ['started and enabled', want({ state: 'started', enabled: true }), unit('active', 'enabled'), []],
    ['start and enable', want({ state: 'started', enabled: true }), unit('inactive', 'disabled'), ['enabled: disabled → enabled', 'state: inactive → started']],
    ['start a failed unit', want({ state: 'started' }), unit('failed', 'enabled'), ['state: failed → started']],
    ['stop and disable', want({ state: 'stopped', enabled: false }), unit('active', 'enabled'), ['enabled: enabled → disabled', 'state: active → stopped']],
    ['stopped', want({ state: 'stopped' }), unit('inactive', 'enabled'), []],
    ['a static unit is neither enabled nor disabled', want({ enabled: true }), unit('active', 'static'), []],
    ['a masked unit to enable', want({ enabled: true }), unit('inactive', 'masked'), ['enabled: masked → enabled']],
    ['restarted always acts', want({ state: 'restarted' }), unit('active', 'enabled'), ['state: active → restarted']],
    ['reloaded always acts', want({ state: 'reloaded' }), unit('active', 'enabled'), ['state: active → reloaded']],
    ['reloaded starts an inactive unit', want({ state: 'reloaded' }), unit('inactive', 'enabled'), ['state: inactive → started (reload requested)']],
    ['a missing unit to start', want({ state: 'started', enabled: true }), missing, ['enabled: not-found → enabled', 'state: not-found → started']],
    ['a missing unit is stopped and disabled', want({ state: 'stopped', enabled: false }), missing, []],
  ])('%s', (_, desired, current, expected) => {
    expect(summaries(service.decide(desired, current).changes)).toEqual(expected);
  });
});

describe('service scripts (systemctl stubbed)', () => {
  /** A systemctl stand-in answering `show -p X --value` with `props`. */
  const systemctl = (props: Record<string, string>): string =>
    `if [ "$1" = show ]; then case "$3" in ${Object.entries(props)
      .map(([k, v]) => `${k}) echo ${v} ;;`)
      .join(' ')} *) printf 'LoadState=loaded\\nActiveState=inactive\\nUnitFileState=disabled\\n' ;; esac; fi`;

  it('probes with one systemctl show and exits 0', () => {
    const stubs = stubCommands(['systemctl'], { systemctl: systemctl({}) });
    expect(probeLocally(service, want({ state: 'started' }), stubs.env)).toEqual(unit('inactive', 'disabled'));
    expect(stubs.calls()).toEqual(['systemctl [show] [-p] [LoadState,ActiveState,UnitFileState] [--] [nginx]']);
  });

  /** A systemctl stand-in that answers `show` for several units as systemd does: one block per unit, blank lines between. */
  const systemctlMany = `[ "$1" = show ] || exit 0; shift 3; first=1
for u in "$@"; do
  [ "$u" = -- ] && continue
  [ $first = 1 ] || echo
  first=0
  case "$u" in
  nginx) printf 'LoadState=loaded\\nActiveState=active\\nUnitFileState=enabled\\n' ;;
  cron) printf 'LoadState=loaded\\nActiveState=failed\\nUnitFileState=disabled\\n' ;;
  *) printf 'LoadState=not-found\\nActiveState=inactive\\nUnitFileState=\\n' ;;
  esac
done`;

  it.each([
    ['units in systemctl order', ['nginx', 'nosuch', 'cron'], [unit('active', 'enabled'), missing, unit('failed', 'disabled')]],
    ['two of a kind', ['cron', 'cron'], [unit('failed', 'disabled'), unit('failed', 'disabled')]],
    ['a unit named again after another (a service and its handler)', ['cron', 'nginx', 'cron', 'nosuch', 'nginx'], [unit('failed', 'disabled'), unit('active', 'enabled'), unit('failed', 'disabled'), missing, unit('active', 'enabled')]],
  ])('probes several units with one systemctl call: %s', (_, names, expected) => {
    const stubs = stubCommands(['systemctl'], { systemctl: systemctlMany });
    const items = names.map((name) => service.validate({ name, state: 'started' }));
    // systemctl is the one program it starts: nothing else is on PATH.
    const shOnly = join(stubs.dir, 'sh-only');
    mkdirSync(shOnly);
    symlinkSync('/bin/sh', join(shOnly, 'sh'));
    expect(probeManyLocally(service, items, { PATH: `${stubs.dir}:${shOnly}` })).toEqual(expected);
    // Each unit asked for once: systemd answers a unit with all its properties.
    expect(stubs.calls()).toEqual([`systemctl [show] [-p] [LoadState,ActiveState,UnitFileState] [--] ${[...new Set(names)].map((n) => `[${n}]`).join(' ')}`]);
    // The same states as one probe per unit.
    expect(items.map((item) => probeLocally(service, item, stubs.env))).toEqual(expected);
  });

  it('gives every unit an empty state when systemctl fails, as one probe does', () => {
    const stubs = stubCommands(['systemctl'], { systemctl: 'exit 1' });
    const items = ['nginx', 'cron'].map((name) => service.validate({ name, state: 'started' }));
    expect(probeManyLocally(service, items, stubs.env)).toEqual([unit('', '', ''), unit('', '', '')]);
  });

  it('enables then starts, with the unit name as one word', () => {
    const stubs = stubCommands(['systemctl'], { systemctl: systemctl({ LoadState: 'loaded', NeedDaemonReload: 'no', ActiveState: 'active', Type: 'notify' }) });
    const desired = want({ name: 'getty@tty1.service', state: 'started', enabled: true });
    expect(applyLocally(service.apply(desired, service.decide(desired, unit('inactive', 'disabled'))), stubs.env).code).toBe(0);
    expect(stubs.calls().filter((c) => !c.startsWith('systemctl [show]'))).toEqual(['systemctl [enable] [--] [getty@tty1.service]', 'systemctl [start] [--] [getty@tty1.service]']);
  });

  it('reloads the systemd configuration when a unit file changed', () => {
    const stubs = stubCommands(['systemctl'], { systemctl: systemctl({ LoadState: 'loaded', NeedDaemonReload: 'yes', ActiveState: 'active', Type: 'simple', MainPID: '42' }) });
    expect(applyLocally(service.apply(want({ state: 'restarted' }), service.decide(want({ state: 'restarted' }), unit('active', 'enabled'))), stubs.env).code).toBe(0);
    expect(stubs.calls().filter((c) => !c.startsWith('systemctl [show]'))).toEqual(['systemctl [daemon-reload]', 'systemctl [restart] [--] [nginx]']);
  });

  it('uses reload-or-restart for reloaded', () => {
    const stubs = stubCommands(['systemctl'], { systemctl: systemctl({ LoadState: 'loaded', NeedDaemonReload: 'no', ActiveState: 'active', Type: 'forking' }) });
    expect(applyLocally(service.apply(want({ state: 'reloaded' }), service.decide(want({ state: 'reloaded' }), unit('inactive', 'enabled'))), stubs.env).code).toBe(0);
    expect(stubs.calls().filter((c) => !c.startsWith('systemctl [show]')).at(-1)).toBe('systemctl [reload-or-restart] [--] [nginx]');
  });

  it.each([
    ['a unit that failed to start', { ActiveState: 'failed', Type: 'simple' }, 'provision: nginx is failed after it was started\n'],
    ['a simple service that dies right after its start', { ActiveState: 'active', Type: 'simple', MainPID: '$(date +%N)' }, 'provision: nginx did not stay running after it was started (now active)\n'],
  ])('a unit reported started runs: %s fails the step', (_, props, message) => {
    const stubs = stubCommands(['systemctl'], { systemctl: systemctl({ LoadState: 'loaded', NeedDaemonReload: 'no', ...props }) });
    const result = applyLocally(service.apply(want({ state: 'started' }), service.decide(want({ state: 'started' }), unit('inactive', 'enabled'))), stubs.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(message);
    expect(stubs.calls()).toContain('systemctl [status] [--no-pager] [--lines] [5] [--] [nginx]');
  });

  it('fails clearly when the unit does not exist, after a daemon-reload', () => {
    const stubs = stubCommands(['systemctl'], { systemctl: systemctl({ LoadState: 'not-found', NeedDaemonReload: 'no' }) });
    const result = applyLocally(service.apply(want({ state: 'started' }), service.decide(want({ state: 'started' }), missing)), stubs.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('provision: systemd unit nginx does not exist\n');
    expect(stubs.calls()).toContain('systemctl [daemon-reload]');
    expect(stubs.calls().some((c) => c.startsWith('systemctl [start]'))).toBe(false);
  });
});

describe('service.predict: the unit as earlier changes of the run leave it', () => {
  const shipped = (over: Partial<UnitOutlook> = {}): Effects => ({ units: new Map([['nginx.service', { by: 'package nginx (nginx-common)', loadState: 'loaded', activeState: 'active', unitFileState: 'enabled', why: "nginx-common's postinst enables and starts it", ...over }]]) });
  it.each<[string, ServiceDesired, ServiceCurrent, Effects, string]>([
    ['nothing touches it', want({ state: 'started' }), missing, {}, 'unaffected'],
    ['a package enables and starts it', want({ state: 'started', enabled: true }), missing, shipped(), "known: in state (package nginx (nginx-common): nginx-common's postinst enables and starts it)"],
    ['a package ships it, disabled and stopped', want({ state: 'started', enabled: true }), missing, shipped({ activeState: 'inactive', unitFileState: 'disabled', why: 'nginx ships it' }), 'known: enabled: disabled → enabled; state: inactive → started (package nginx (nginx-common): nginx ships it)'],
    [
      'whether it runs is not known',
      want({ state: 'started' }),
      missing,
      shipped({ activeState: undefined, why: 'its postinst starts it if /usr/sbin/policy-rc.d allows' }),
      'unknown: package nginx (nginx-common): its postinst starts it if /usr/sbin/policy-rc.d allows (nginx.service) | if it runs: nothing to do | if it does not run: state: inactive → started',
    ],
    ['a handler always acts; what it finds is known', want({ state: 'reloaded' }), missing, shipped(), "known: state: active → reloaded (package nginx (nginx-common): nginx-common's postinst enables and starts it)"],
  ])('%s', (_, desired, current, effects, expected) => {
    expect(predicted(service, desired, current, ahead(effects))).toBe(expected);
  });
});

describe('service.status: what provision status checks for a declaration', () => {
  it('only a unit the roles start is checked', () => {
    expect(service.status!(want({ state: 'stopped' }))).toBeUndefined();
    expect(service.status!(want({ enabled: true }))).toBeUndefined();
    expect(service.status!(want({ state: 'started' }))!.key).toBe('service nginx');
  });

  it.each([
    ['running', 'LoadState=loaded\nActiveState=active\nUnitFileState=enabled', [{ name: 'nginx', active: true, state: 'active' }], []],
    ['reloading counts as running', 'LoadState=loaded\nActiveState=reloading\nUnitFileState=enabled', [{ name: 'nginx', active: true, state: 'reloading' }], []],
    ['failed', 'LoadState=loaded\nActiveState=failed\nUnitFileState=enabled', [{ name: 'nginx', active: false, state: 'failed' }], ['service nginx is failed']],
    ['not installed', 'LoadState=not-found\nActiveState=inactive\nUnitFileState=', [{ name: 'nginx', active: false, state: 'inactive' }], ['service nginx is not installed']],
    ['no systemd answer', '', [{ name: 'nginx', active: false, state: 'unknown' }], ['service nginx is unknown']],
  ])('%s', (_, output, services, problems) => {
    expect(service.status!(want({ state: 'started' }))!.read(output)).toEqual({ facts: { services }, problems, warnings: [] });
  });

  it('its column counts the running services of the host', () => {
    const [column] = service.status!(want({ state: 'started' }))!.columns;
    expect(column!.header).toBe('SERVICES');
    expect(column!.cell({ services: [{ name: 'a', active: true }, { name: 'b', active: false }] }, new Date())).toBe('1/2');
    expect(column!.cell({}, new Date())).toBe('-');
  });
});
