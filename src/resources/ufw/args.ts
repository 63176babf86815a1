/** The `ufw` declaration: its arguments checked and normalised into the wanted firewall. */
import { type Args, describe, oneOf, onlyKeys, optionalBoolean, optionalInteger } from '../shared/args.js';
import { type Address, ANYWHERE, type Family, normaliseAddress } from './address.js';
import { describeRule, groupTuples, type UfwTuple } from './tuple.js';
import { ArgError } from '../types.js';

/** A default policy. */
export type Policy = 'allow' | 'deny' | 'reject';
/** ufw's log levels. */
export type LogLevel = 'off' | 'low' | 'medium' | 'high' | 'full';
/** The three default policies, by the name `ufw default` gives them. */
export type Chain = 'incoming' | 'outgoing' | 'routed';
/** What a rule does with a matching packet (limit: allow, but deny an address that opens 6 connections in 30 s). */
export type RuleAction = 'allow' | 'deny' | 'reject' | 'limit';

/** The default policies ufw knows. */
export const POLICIES: readonly Policy[] = ['allow', 'deny', 'reject'];
/** ufw's log levels, quietest first. */
export const LOG_LEVELS: readonly LogLevel[] = ['off', 'low', 'medium', 'high', 'full'];
/** The chains with a default policy, in the order their changes are shown and made. */
export const CHAINS: readonly Chain[] = ['incoming', 'outgoing', 'routed'];
const ACTIONS: readonly RuleAction[] = ['allow', 'deny', 'reject', 'limit'];
const PROTOS = ['tcp', 'udp', 'any'] as const;
const KEYS = ['state', 'default_incoming', 'default_outgoing', 'default_routed', 'logging', 'ssh_port', 'rules', 'keep_unmanaged'];
const RULE_KEYS = ['port', 'proto', 'from', 'to', 'action', 'comment'];
const DEFAULT_POLICY: Record<Chain, Policy> = { incoming: 'deny', outgoing: 'allow', routed: 'deny' };

/** One incoming rule, for one source. */
export interface UfwRule {
  /** What it does. */
  action: RuleAction;
  /** tcp, udp or any. */
  proto: (typeof PROTOS)[number];
  /** Destination port "443" or range "5000:5010". */
  port: string;
  /** Source; undefined = anywhere. */
  from?: Address;
  /** Destination; undefined = anywhere. */
  to?: Address;
  /** The rule's comment ('' for none). */
  comment: string;
}

/** Validated `ufw` declaration: the whole firewall of the host. */
export interface UfwDesired {
  /** Firewall on or off. */
  state: 'enabled' | 'disabled';
  /** Default policy per chain. */
  defaults: Record<Chain, Policy>;
  /** Log level. */
  logging: LogLevel;
  /** Allows the port provision is connected through; added before anything else, never removed. */
  ssh: UfwRule;
  /** The declared rules besides the SSH one, one per source, each once. */
  rules: UfwRule[];
  /** Leave rules on the host that are not declared (default: remove them). */
  keepUnmanaged: boolean;
}

/** Checks a `ufw` declaration; throws ArgError naming the key (`rules` for anything inside a rule). */
export function validateUfw(args: Args): UfwDesired {
  onlyKeys(args, KEYS);
  const sshPort = optionalInteger(args, 'ssh_port');
  if (sshPort === undefined) throw new ArgError('ssh_port', `'ssh_port' is required: the SSH port provision connects through, allowed before anything else (in a role: ssh_port: "{{port}}")`);
  if (sshPort < 1 || sshPort > 65535) throw new ArgError('ssh_port', `'ssh_port' must be a port (1-65535), got ${sshPort}`);
  const ssh: UfwRule = { action: 'allow', proto: 'tcp', port: String(sshPort), comment: 'ssh' };
  return {
    state: oneOf(args, 'state', ['enabled', 'disabled'], 'enabled'),
    defaults: {
      incoming: oneOf(args, 'default_incoming', POLICIES, DEFAULT_POLICY.incoming),
      outgoing: oneOf(args, 'default_outgoing', POLICIES, DEFAULT_POLICY.outgoing),
      routed: oneOf(args, 'default_routed', POLICIES, DEFAULT_POLICY.routed),
    },
    logging: oneOf(args, 'logging', LOG_LEVELS, 'low'),
    ...mergeRules(ssh, ruleList(args['rules'])),
    keepUnmanaged: optionalBoolean(args, 'keep_unmanaged', false),
  };
}

/** The tuples ufw writes for a rule: one per family it applies to (IPv6 only when the host filters IPv6). */
export function ruleTuples(rule: UfwRule, ipv6: boolean): UfwTuple[] {
  const family = rule.from?.family ?? rule.to?.family;
  const families: Family[] = family ? [family] : ipv6 ? ['v4', 'v6'] : ['v4'];
  return families.map((f) => ({
    action: rule.action,
    log: '',
    route: false,
    proto: rule.proto,
    dport: rule.port,
    dst: rule.to?.text ?? ANYWHERE[f],
    sport: 'any',
    src: rule.from?.text ?? ANYWHERE[f],
    dapp: '',
    sapp: '',
    direction: 'in',
    interfaceIn: '',
    interfaceOut: '',
    comment: rule.comment,
    v6: f === 'v6',
  }));
}

/** A rule as one line, for messages. */
function described(rule: UfwRule): string {
  return groupTuples(ruleTuples(rule, true)).map((g) => describeRule(g, false)).join(', ');
}

function ruleList(value: unknown): UfwRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ArgError('rules', `'rules' must be a list of rules like {port: 443, comment: https}, got ${describe(value)}`);
  return value.flatMap((item: unknown, index) => {
    try {
      return ruleItem(item);
    } catch (err) {
      // Rules often come from several roles ({{collect}}): the rule itself says which one is meant.
      if (err instanceof ArgError) throw new ArgError('rules', `rules[${index}] ${JSON.stringify(item)}: ${err.message}`);
      throw err;
    }
  });
}

/** One declared rule → one rule per source; none when `from` is empty. */
function ruleItem(item: unknown): UfwRule[] {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new ArgError(undefined, `expected a mapping like {port: 443, proto: tcp}, got ${describe(item)}`);
  const args = item as Args;
  onlyKeys(args, RULE_KEYS);
  const proto = oneOf(args, 'proto', PROTOS, 'tcp');
  const port = portOf(args['port'], proto);
  const action = oneOf(args, 'action', ACTIONS, 'allow');
  const comment = commentOf(args['comment']);
  const to = args['to'] === undefined || args['to'] === null || args['to'] === 'any' ? undefined : address('to', args['to']);
  return sources(args['from']).map((from) => {
    if (from && to && from.family !== to.family) throw new ArgError('to', `'from' ${from.text} and 'to' ${to.text} are not of the same IP version`);
    return { action, proto, port, from, to, comment };
  });
}

function portOf(value: unknown, proto: string): string {
  if (value === undefined || value === null) throw new ArgError('port', `'port' is required (a port like 443 or a range like "5000:5010")`);
  const match = /^([0-9]{1,5})(?::([0-9]{1,5}))?$/.exec(typeof value === 'number' || typeof value === 'string' ? String(value) : '');
  const low = Number(match?.[1]);
  const high = match?.[2] === undefined ? undefined : Number(match[2]);
  const inRange = (p: number): boolean => p >= 1 && p <= 65535;
  if (!match || !inRange(low) || (high !== undefined && !(inRange(high) && high > low))) {
    throw new ArgError('port', `'port' must be a port (1-65535) or a range like "5000:5010", got ${describe(value)}`);
  }
  if (high === undefined) return String(low);
  if (proto === 'any') throw new ArgError('port', `a port range needs proto tcp or udp (ufw refuses a range for any protocol)`);
  return `${low}:${high}`;
}

function commentOf(value: unknown): string {
  if (value === undefined || value === null || value === '') return '';
  if (typeof value !== 'string' && typeof value !== 'number') throw new ArgError('comment', `'comment' must be a string, got ${describe(value)}`);
  const text = String(value);
  // ufw 0.36 refuses a comment holding ' ("Comment may not contain \"'\"").
  if (text.includes("'") || /[\u0000-\u001f\u007f]/.test(text)) throw new ArgError('comment', `'comment' must be one line without ' (ufw refuses it), got ${JSON.stringify(text)}`);
  return text;
}

/** `from`: omitted or "any" = anywhere; "a,b" or a list = one rule each; "" or [] = no source, so no rule. */
function sources(value: unknown): Array<Address | undefined> {
  if (value === undefined || value === null) return [undefined];
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  return items.flatMap((item) => {
    if (typeof item !== 'string') throw new ArgError('from', `'from' must be an address, a network, "any", or a comma-separated list of them, got ${describe(item)}`);
    return item
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map((part) => (part === 'any' ? undefined : address('from', part)));
  });
}

function address(key: string, value: unknown): Address {
  const parsed = typeof value === 'string' ? normaliseAddress(value.trim()) : undefined;
  if (!parsed) throw new ArgError(key, `'${key}' must be an IPv4/IPv6 address or network like 10.0.0.0/8 (ufw takes no host names), got ${describe(value)}`);
  return parsed;
}

/** Same port, protocol and addresses: ufw keeps one such rule, so two must agree. */
function ruleKey(rule: UfwRule): string {
  return JSON.stringify([rule.proto, rule.port, rule.from?.text, rule.to?.text]);
}

/**
 * Keeps each rule once (two roles may need the same port; the first comment
 * wins). A declared rule for the SSH rule's port, protocol and addresses takes
 * its place (e.g. `limit`), unless it would block provision's own connection.
 */
function mergeRules(defaultSsh: UfwRule, declared: readonly UfwRule[]): { ssh: UfwRule; rules: UfwRule[] } {
  const sshKey = ruleKey(defaultSsh);
  let ssh = defaultSsh;
  const seen = new Map<string, UfwRule>();
  const rules: UfwRule[] = [];
  for (const rule of declared) {
    const key = ruleKey(rule);
    if (key === sshKey) {
      if (rule.action === 'deny' || rule.action === 'reject') {
        throw new ArgError('rules', `${described(rule)} would cut the SSH connection provision uses (ssh_port ${defaultSsh.port})`);
      }
      if (ssh === defaultSsh) ssh = rule;
      continue;
    }
    const first = seen.get(key);
    if (first && first.action !== rule.action) {
      throw new ArgError('rules', `${described(first)} and ${described(rule)} are the same rule with different actions (ufw keeps one rule per port, protocol and addresses)`);
    }
    if (first) continue;
    seen.set(key, rule);
    rules.push(rule);
  }
  return { ssh, rules };
}
