/**
 * ufw's own record of a rule: the `### tuple ###` comment lines of
 * /etc/ufw/user.rules (IPv4) and user6.rules (IPv6), as ufw 0.36 writes them
 * (backend_iptables.py `_write_rules`) and reads them back (`_read_rules`):
 *
 *   ### tuple ### ACTION PROTO DPORT DST SPORT SRC DIRECTION[ comment=HEX]
 *   ### tuple ### ACTION PROTO DPORT DST SPORT SRC DAPP SAPP DIRECTION[ comment=HEX]
 *
 * ACTION is allow|deny|reject|limit, prefixed `route:` for a routed rule and
 * suffixed `_log` / `_log-all`; DIRECTION is in|out, or in_IF, out_IF,
 * in_IF!out_IF with interfaces; application names have spaces as %20 and `-`
 * for none; the comment is the UTF-8 bytes in hex. Also: what a person reads
 * of a rule, and the ufw command that adds or deletes exactly that rule.
 */
import { sh, type Shell } from '../../shell/quote.js';
import { type Family, isAnywhere, normaliseAddress } from './address.js';

/** One tuple line, decoded; addresses normalised. */
export interface UfwTuple {
  /** allow, deny, reject or limit. */
  action: string;
  /** '' or log / log-all. */
  log: string;
  /** A routed (forward) rule. */
  route: boolean;
  /** tcp, udp, any (or another protocol name ufw knows). */
  proto: string;
  /** Destination port(s): any, 80, 5000:5010, 80,443. */
  dport: string;
  /** Destination address; anywhere is 0.0.0.0/0 or ::/0. */
  dst: string;
  /** Source port(s). */
  sport: string;
  /** Source address; anywhere is 0.0.0.0/0 or ::/0. */
  src: string;
  /** Destination application profile ('' for none). */
  dapp: string;
  /** Source application profile ('' for none). */
  sapp: string;
  /** in or out. */
  direction: string;
  /** Incoming interface ('' for any). */
  interfaceIn: string;
  /** Outgoing interface ('' for any). */
  interfaceOut: string;
  /** The comment, decoded ('' for none). */
  comment: string;
  /** From user6.rules. */
  v6: boolean;
}

/** Decodes the text after `### tuple ###`; undefined for a line ufw itself would skip as malformed. */
export function parseTuple(text: string, v6: boolean): UfwTuple | undefined {
  // As ufw does: " comment=" is always last.
  const [body = '', hex] = text.split(' comment=');
  const f = body.trim().split(/\s+/);
  if (f.length < 6 || f.length > 9) return undefined;
  const [, route, action = '', log = ''] = /^(route:)?(allow|deny|reject|limit)(?:_(log|log-all))?$/.exec(f[0]!) ?? [];
  if (!action) return undefined;
  // Six or eight fields: ufw's old format, without a direction (it means "in").
  const where = f.length % 2 === 1 ? f[f.length - 1]! : 'in';
  const interfaces = /^(in|out)(?:_([^!]+))?(?:!out_(.+))?$/.exec(where);
  if (!interfaces) return undefined;
  const [, direction = 'in', first = '', second = ''] = interfaces;
  const app = (name: string | undefined): string => (name === undefined || name === '-' ? '' : name.replace(/%20/g, ' '));
  return {
    action,
    log,
    route: route !== undefined,
    proto: f[1]!,
    dport: f[2]!,
    dst: normaliseAddress(f[3]!)?.text ?? f[3]!,
    sport: f[4]!,
    src: normaliseAddress(f[5]!)?.text ?? f[5]!,
    dapp: f.length >= 8 ? app(f[6]) : '',
    sapp: f.length >= 8 ? app(f[7]) : '',
    direction,
    interfaceIn: direction === 'in' ? first : '',
    interfaceOut: direction === 'out' ? first : second,
    comment: hex === undefined ? '' : Buffer.from(hex.trim(), 'hex').toString('utf8'),
    v6,
  };
}

/** What ufw compares to call two rules the same rule (UFWRule.match): all but action, log and comment. Adding a rule with the same key rewrites that rule in place. */
export function matchKey(t: UfwTuple): string {
  return JSON.stringify([t.route, t.proto, t.dport, t.dst, t.sport, t.src, t.dapp, t.sapp, t.direction, t.interfaceIn, t.interfaceOut, t.v6]);
}

/** Everything: equal keys are the same tuple. */
export function tupleKey(t: UfwTuple): string {
  return JSON.stringify([matchKey(t), t.action, t.log, t.comment]);
}

/** One rule as a person reads it: one tuple, or the IPv4 and IPv6 tuples of a rule from anywhere to anywhere. */
export interface RuleGroup {
  /** The (first) tuple. */
  tuple: UfwTuple;
  /** Which files hold it. */
  family: Family | 'both';
}

/** Pairs the IPv4 and IPv6 tuples of anywhere-to-anywhere rules; keeps the order of first appearance. */
export function groupTuples(tuples: readonly UfwTuple[]): RuleGroup[] {
  const groups: RuleGroup[] = [];
  const open = new Map<string, RuleGroup>();
  for (const tuple of tuples) {
    const family: Family = tuple.v6 ? 'v6' : 'v4';
    if (!isAnywhere(tuple.src) || !isAnywhere(tuple.dst)) {
      groups.push({ tuple, family });
      continue;
    }
    const key = tupleKey({ ...tuple, src: 'any', dst: 'any', v6: false });
    const partner = open.get(key);
    if (partner && partner.family !== family) {
      partner.family = 'both';
      open.delete(key);
      continue;
    }
    const group: RuleGroup = { tuple, family };
    groups.push(group);
    open.set(key, group);
  }
  return groups;
}

/**
 * A rule as one line: `allow 443/tcp from any (https)`, `deny 3306/tcp from
 * 10.0.0.0/8 to 10.77.0.11`, `route allow in on eth0 out on eth1 77/tcp from any`.
 * `ipv6` (the host filters IPv6) adds "(IPv4 only)" to a rule from anywhere in one family.
 */
export function describeRule(group: RuleGroup, ipv6: boolean): string {
  const t = group.tuple;
  const onlyOne = ipv6 && inOneFamilyOnly(group);
  return [
    t.route && 'route',
    t.action,
    ...directionWords(t),
    t.log,
    t.dapp ? `app ${t.dapp}` : portAndProto(t.dport, t.proto),
    'from',
    isAnywhere(t.src) ? 'any' : t.src,
    t.sapp ? `app ${t.sapp}` : t.sport !== 'any' && `port ${t.sport}`,
    !isAnywhere(t.dst) && `to ${t.dst}`,
    onlyOne && `(IPv${group.family === 'v6' ? 6 : 4} only)`,
    t.comment && `(${t.comment})`,
  ]
    .filter((w): w is string => typeof w === 'string' && w !== '')
    .join(' ');
}

/** A rule from anywhere to anywhere that only one family's file holds. */
function inOneFamilyOnly(group: RuleGroup): boolean {
  return group.family !== 'both' && isAnywhere(group.tuple.src) && isAnywhere(group.tuple.dst);
}

function portAndProto(port: string, proto: string): string {
  if (port === 'any') return proto === 'any' ? 'all' : proto;
  return proto === 'any' ? port : `${port}/${proto}`;
}

/** `in on eth0`, `in on eth0 out on eth1`, `out`; nothing for in, the default (ufw refuses a bare `in` on a route rule). */
function directionWords(t: UfwTuple): string[] {
  if (t.interfaceIn && t.interfaceOut) return ['in', 'on', t.interfaceIn, 'out', 'on', t.interfaceOut];
  if (t.interfaceIn || t.interfaceOut) return [t.direction, 'on', t.interfaceIn || t.interfaceOut];
  return t.direction === 'out' ? ['out'] : [];
}

/**
 * The ufw command that adds (`allow`), prepends or deletes exactly this rule, by
 * its own spec (never by number). Anywhere is `any` (for a rule in both
 * families ufw then writes or deletes both tuples), except in a rule from
 * anywhere to anywhere in one family: that names the family's own anywhere
 * (0.0.0.0/0, ::/0), so the other family's tuple is left alone.
 */
export function ruleCommand(group: RuleGroup, verb: 'add' | 'prepend' | 'delete'): Shell {
  const t = group.tuple;
  const literal = inOneFamilyOnly(group);
  const address = (a: string): string => (isAnywhere(a) && !literal ? 'any' : a);
  const app = t.dapp !== '' || t.sapp !== '';
  // ufw refuses a comment holding ' (only a hand-edited file has one): such a rule is deleted without naming it.
  const comment = t.comment !== '' && !(verb === 'delete' && t.comment.includes("'"));
  const words = [
    ...(t.route ? ['route'] : []),
    ...(verb === 'add' ? [] : [verb]),
    t.action,
    ...directionWords(t),
    ...(t.log ? [t.log] : []),
    // An application rule takes its protocol and ports from the profile.
    ...(app || t.proto === 'any' ? [] : ['proto', t.proto]),
    'from',
    address(t.src),
    ...(t.sapp ? ['app', t.sapp] : t.sport !== 'any' ? ['port', t.sport] : []),
    'to',
    address(t.dst),
    ...(t.dapp ? ['app', t.dapp] : t.dport !== 'any' ? ['port', t.dport] : []),
    ...(comment ? ['comment', t.comment] : []),
  ];
  return sh`ufw ${words}`;
}
