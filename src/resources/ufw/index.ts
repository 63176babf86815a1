/**
 * `ufw`: the whole firewall of a host, declaratively: on or off, default
 * policies, log level, and exactly the declared rules (others are removed
 * unless keep_unmanaged). The SSH port provision is connected through is
 * allowed first, before any rule is removed, any policy tightened or ufw enabled.
 */
import { insert, sh, trusted, type Shell } from '../../shell/quote.js';
import { parseFields } from '../shared/probe-output.js';
import { FAIL_FUNCTION, fail, lines } from '../shared/script.js';
import type { StatusCheck, StatusColumn } from '../../status/types.js';
import { casesOf, type Lookahead, type Prediction } from '../shared/lookahead.js';
import type { ActionDecision, Change, ResourceType } from '../types.js';
import { BRIDGE_MARKER, BRIDGE_OPEN, BRIDGE_REMOVE, bridgeProbe, bridgeSeen } from './bridge.js';
import { CHAINS, type Chain, type LogLevel, type Policy, ruleTuples, type UfwDesired, validateUfw } from './args.js';
import { describeRule, groupTuples, matchKey, parseTuple, type RuleGroup, ruleCommand, tupleKey, type UfwTuple } from './tuple.js';

export type { UfwDesired, UfwRule } from './args.js';

/** What the probe read from ufw's files. */
export interface UfwCurrent {
  /** The ufw command exists. */
  installed: boolean;
  /** ENABLED=yes in /etc/ufw/ufw.conf. */
  enabled: boolean;
  /** LOGLEVEL in ufw.conf. */
  logging: string;
  /** DEFAULT_*_POLICY of /etc/default/ufw as allow/deny/reject (an unknown value as ufw reads it). */
  defaults: Record<Chain, string>;
  /** IPV6=yes in /etc/default/ufw: rules from anywhere are written for IPv6 too. */
  ipv6: boolean;
  /** The rules, from user.rules then user6.rules, in file order. */
  tuples: UfwTuple[];
  /** The bridge's marker is there and its owner is gone: an apply was killed before it removed its bridge (bridge.ts). A running apply's bridge is none of the plan's business. */
  bridgeLeft: boolean;
}

/**
 * Values that Debian's ufw package installs, used for a setting its file does
 * not hold (not installed yet): then the plan says what installing and applying will change.
 */
const PACKAGE_DEFAULTS: Record<string, string> = {
  ENABLED: 'no',
  LOGLEVEL: 'low',
  DEFAULT_INPUT_POLICY: 'DROP',
  DEFAULT_OUTPUT_POLICY: 'ACCEPT',
  DEFAULT_FORWARD_POLICY: 'DROP',
  IPV6: 'yes',
};
const POLICY_VARIABLE: Record<Chain, string> = { incoming: 'DEFAULT_INPUT_POLICY', outgoing: 'DEFAULT_OUTPUT_POLICY', routed: 'DEFAULT_FORWARD_POLICY' };
const POLICY_NAME: Record<string, Policy> = { drop: 'deny', accept: 'allow', reject: 'reject' };

/** Where ufw keeps what the probe reads. */
export interface UfwFiles {
  /** ENABLED and LOGLEVEL. */
  conf: string;
  /** IPV6 and the DEFAULT_*_POLICY settings. */
  defaults: string;
  /** The IPv4 and IPv6 rules, each with its `### tuple ###` comment. */
  rules: string;
  rules6: string;
  /** There while an apply's bridge may be installed; names its owner. */
  bridgeMarker: string;
}

const UFW_PATHS: UfwFiles = { conf: '/etc/ufw/ufw.conf', defaults: '/etc/default/ufw', rules: '/etc/ufw/user.rules', rules6: '/etc/ufw/user6.rules', bridgeMarker: BRIDGE_MARKER };

/**
 * Read-only; files that are missing (ufw not installed yet) are skipped. Each
 * setting and tuple line is sent as is. The shell reads the files itself
 * (read, case, printf and [ are builtins): the probe starts no process.
 */
export function ufwProbe(files: UfwFiles): Shell {
  return lines(
    'if command -v ufw >/dev/null 2>&1; then echo installed=yes; else echo installed=no; fi',
    // provision_ufw_lines FILE KIND: the lines of FILE that ufw reads as settings (KIND `settings`) or as rules (KIND 4 or 6).
    'provision_ufw_lines() {',
    '  [ -r "$1" ] || return 0',
    '  while IFS= read -r provision_line || [ -n "$provision_line" ]; do',
    '    case "$2 $provision_line" in',
    '      "settings ENABLED="* | "settings LOGLEVEL="* | "settings IPV6="* | "settings DEFAULT_INPUT_POLICY="* | "settings DEFAULT_OUTPUT_POLICY="* | "settings DEFAULT_FORWARD_POLICY="*) printf \'%s\\n\' "$provision_line" ;;',
    '      "4 ### tuple ### "* | "6 ### tuple ### "*) provision_rule=${provision_line#"### tuple ### "}; printf \'tuple%s %s\\n\' "$2" "$provision_rule" ;;',
    '    esac',
    '  done <"$1"',
    '}',
    sh`provision_ufw_lines ${files.conf} settings`,
    sh`provision_ufw_lines ${files.defaults} settings`,
    sh`provision_ufw_lines ${files.rules} 4`,
    sh`provision_ufw_lines ${files.rules6} 6`,
    bridgeProbe(files.bridgeMarker),
  );
}

const PROBE = ufwProbe(UFW_PATHS);

function parse(output: string): UfwCurrent {
  const all = output.split('\n');
  const tuples = all.flatMap((line) => {
    const m = /^tuple([46]) (.*)$/.exec(line);
    return (m && parseTuple(m[2]!, m[1] === '6')) || [];
  });
  const fields = parseFields(all.filter((line) => !line.startsWith('tuple')).join('\n'));
  // As ufw reads them: lower-cased, quotes stripped (DEFAULT_INPUT_POLICY="DROP" is drop).
  const value = (key: string): string => (fields.get(key) ?? PACKAGE_DEFAULTS[key]!).trim().toLowerCase().replace(/^["']+|["']+$/g, '');
  const policy = (chain: Chain): string => POLICY_NAME[value(POLICY_VARIABLE[chain])] ?? value(POLICY_VARIABLE[chain]);
  return {
    installed: fields.get('installed') === 'yes',
    enabled: value('ENABLED') === 'yes',
    logging: value('LOGLEVEL'),
    defaults: { incoming: policy('incoming'), outgoing: policy('outgoing'), routed: policy('routed') },
    ipv6: value('IPV6') === 'yes',
    tuples,
    bridgeLeft: bridgeSeen(fields) === 'left',
  };
}

/** What apply does. */
interface UfwAction {
  /** provision's SSH rule: every apply starts by making sure of it. */
  ssh: RuleGroup[];
  /** Rules shown with +. */
  added: RuleGroup[];
  /** Of those, the ones to add after the SSH rule (all but the SSH rule's). */
  toAdd: RuleGroup[];
  /** Rules shown with -. */
  removed: RuleGroup[];
  /** Of those, the ones to `ufw delete`; the others are rewritten in place by an added rule with the same ports, protocol and addresses. */
  toDelete: RuleGroup[];
  /** Default policies to set. */
  defaults: Array<{ chain: Chain; from: string; to: Policy }>;
  /** Log level to set. */
  logging?: { from: string; to: LogLevel };
  /** ufw to enable or disable. */
  state?: 'enable' | 'disable';
  /** The firewall is live: its allowed ports stay open while ufw changes it (bridge.ts). */
  bridge: boolean;
  /** A bridge an interrupted apply left, holding open what it allowed: removed (by the new bridge's install when there is one). */
  removeLeftBridge: boolean;
  /** That apply was killed inside a ufw command, which may have left the live firewall stopped or short of a rule its files hold: ufw reloads it from them. */
  reload: boolean;
}

/** The decision: the action, and the changes plan shows for it. */
export type UfwDecision = ActionDecision<UfwAction>;

function decide(desired: UfwDesired, current: UfwCurrent): UfwDecision {
  const action = actionOf(desired, current);
  return { action, changes: changesOf(action, current) };
}

function actionOf(desired: UfwDesired, current: UfwCurrent): UfwAction {
  // A host that does not filter IPv6 ignores user6.rules, and so does the plan.
  const present = current.tuples.filter((t) => current.ipv6 || !t.v6);
  const sshTuples = ruleTuples(desired.ssh, current.ipv6);
  const wanted = [...sshTuples, ...desired.rules.flatMap((r) => ruleTuples(r, current.ipv6))];
  const presentKeys = new Set(present.map(tupleKey));
  const wantedKeys = new Set(wanted.map(tupleKey));
  const missing = wanted.filter((t) => !presentKeys.has(tupleKey(t)));
  // Adding a rule with the same ports, protocol and addresses rewrites the old one in place (ufw's match).
  const rewritten = new Set(missing.map(matchKey));
  const extra = present.filter((t) => !wantedKeys.has(tupleKey(t)) && (!desired.keepUnmanaged || rewritten.has(matchKey(t))));
  const on = desired.state === 'enabled';
  const logging = current.logging === desired.logging ? undefined : { from: current.logging, to: desired.logging };
  const sshKeys = new Set(sshTuples.map(tupleKey));
  return {
    ssh: groupTuples(sshTuples),
    added: groupTuples(missing),
    toAdd: groupTuples(missing.filter((t) => !sshKeys.has(tupleKey(t)))),
    removed: groupTuples(extra),
    toDelete: groupTuples(extra.filter((t) => !rewritten.has(matchKey(t)))),
    defaults: CHAINS.filter((chain) => current.defaults[chain] !== desired.defaults[chain]).map((chain) => ({ chain, from: current.defaults[chain], to: desired.defaults[chain] })),
    logging,
    state: current.enabled === on ? undefined : on ? 'enable' : 'disable',
    bridge: current.enabled,
    removeLeftBridge: current.bridgeLeft,
    reload: current.bridgeLeft && current.enabled && on,
  };
}

/** The change list of an action, in the order apply carries it out. */
function changesOf(p: UfwAction, current: UfwCurrent): Change[] {
  const rule = (sign: string) => (group: RuleGroup): Change => ({ summary: `${sign} ${describeRule(group, current.ipv6)}` });
  const active = (on: boolean): string => (on ? 'active' : 'inactive');
  return [
    ...(p.removeLeftBridge ? [{ summary: `a bridge left by an interrupted apply is removed${p.reload ? ', and ufw reloads its rules' : ''}` }] : []),
    ...p.added.map(rule('+')),
    ...p.removed.map(rule('-')),
    ...p.defaults.map((d) => ({ summary: `default ${d.chain}: ${d.from} → ${d.to}` })),
    ...(p.logging ? [{ summary: `logging: ${p.logging.from} → ${p.logging.to}` }] : []),
    ...(p.state ? [{ summary: `state: ${current.installed ? active(current.enabled) : 'not installed'} → ${active(p.state === 'enable')}` }] : []),
  ];
}

function apply(_desired: UfwDesired, { action: p, changes }: UfwDecision): Shell {
  if (changes.length === 0) return trusted(':');
  // A left bridge on a firewall that stays off: its removal alone, no ufw command.
  if (p.removeLeftBridge && !p.reload && changes.length === 1) return BRIDGE_REMOVE;
  return lines(
    FAIL_FUNCTION,
    sh`command -v ufw >/dev/null 2>&1 || ${insert(fail('ufw is not installed: install the ufw package before the ufw resource'))}`,
    p.bridge ? BRIDGE_OPEN : p.removeLeftBridge && BRIDGE_REMOVE,
    // The SSH port first, whatever else happens: prepend puts a new rule before any deny; allow then fixes an old one's comment or action.
    ...p.ssh.flatMap((g) => [ruleCommand(g, 'prepend'), ruleCommand(g, 'add')]),
    ...p.toAdd.map((g) => ruleCommand(g, 'add')),
    ...p.toDelete.map((g) => ruleCommand(g, 'delete')),
    ...p.defaults.map((d) => sh`ufw default ${d.to} ${d.chain}`),
    p.logging && sh`ufw logging ${p.logging.to}`,
    p.reload && 'ufw reload',
    p.state === 'enable' && 'ufw --force enable',
    p.state === 'disable' && 'ufw disable',
  );
}

const STATUS_COLUMNS: StatusColumn[] = [{ header: 'UFW', cell: (f) => (f.ufw_active === undefined ? '-' : f.ufw_active === true ? 'active' : 'INACTIVE') }];

/** Status: a firewall the role enables is active. */
function status(desired: UfwDesired): StatusCheck | undefined {
  if (desired.state !== 'enabled') return undefined;
  return {
    key: 'ufw',
    script: trusted('ufw status 2>/dev/null | head -n 1 || true'),
    read: (output) => {
      const active = output.trim() === 'Status: active';
      return { facts: { ufw_active: active }, problems: active ? [] : ['ufw is not active'], warnings: [] };
    },
    columns: STATUS_COLUMNS,
  };
}

/** ufw's own files: what the probe reads. */
const UFW_FILES = ['/usr/sbin/ufw', '/etc/ufw/ufw.conf', '/etc/default/ufw', '/etc/ufw/user.rules', '/etc/ufw/user6.rules'];

/**
 * The firewall once earlier changes of the run are applied. A ufw package
 * installed by the run leaves ufw inactive (its postinst sets ENABLED from
 * debconf's ufw/enable, false unless preseeded) with the settings the probe
 * already assumed; any other change to ufw's files is not known before apply.
 */
function predict(desired: UfwDesired, current: UfwCurrent, ahead: Lookahead): Prediction<UfwCurrent> | undefined {
  const touched = UFW_FILES.map((f) => ahead.path(f)).find((o) => o !== undefined);
  if (!touched) return undefined;
  const binary = ahead.path('/usr/sbin/ufw');
  if (!current.installed && binary?.kind === 'file') return { current: { ...current, installed: true, enabled: false }, because: `${binary.by} installs ufw, inactive and with the settings of its package` };
  const on = desired.state === 'enabled';
  return { unknown: `${touched.by} may change ufw's files${touched.kind === 'unknown' ? `: ${touched.why}` : ''}`, cases: casesOf([['its rules and settings are as declared', []], ['they differ', [{ summary: `rules and settings made as declared, ufw ${on ? 'active' : 'inactive'}` }]]]) };
}

/** The `ufw` resource type. */
export const ufw: ResourceType<UfwDesired, UfwCurrent, UfwDecision> = {
  name: 'ufw',
  validate: validateUfw,
  label: () => 'firewall',
  probe: () => PROBE,
  probeInline: true,
  parse,
  decide,
  apply,
  predict,
  effects: { of: () => ({ trees: [{ path: '/etc/ufw', by: 'ufw firewall', kind: 'unknown', why: 'the firewall is changed earlier in this run' }] }) },
  status,
};
