/**
 * Looking past earlier changes of a run. A change can alter what later
 * resources find (a package brings files, services and accounts), so plan
 * must decide those resources against the host as it will be then, not as it
 * is now. This module holds the shared vocabulary: what a change does to the
 * host (Effects), the questions a resource asks about it (Lookahead), and what
 * a resource answers (Prediction). Pure data and lookups.
 */
import { shellMentions } from './shell-mentions.js';
import type { Change } from '../types.js';

/** Owner, group and mode of something a change creates. */
export interface Ownership {
  /** Owner name. */
  owner: string;
  /** Group name. */
  group: string;
  /** Four-digit octal mode. */
  mode: string;
}

/** What earlier changes of the run leave at one path, as far as plan can tell. `by` names the change. */
export type PathOutlook =
  /** A regular file; `keepsExisting`: a file already there stays as it is (a package's conffile). */
  | { kind: 'file'; by: string; attributes: Ownership; size: number; sha256?: string; content?: string; keepsExisting: boolean }
  /** A directory; one already there keeps its attributes. */
  | { kind: 'directory'; by: string; attributes: Ownership }
  /** A symbolic link. */
  | { kind: 'link'; by: string; target: string }
  /** Nothing. */
  | { kind: 'absent'; by: string }
  /** It may change in a way not known before apply. */
  | { kind: 'unknown'; by: string; why: string };

/** A systemd unit after earlier changes; undefined fields are not known before apply. */
export interface UnitOutlook {
  /** The change that decides it. */
  by: string;
  /** loaded or not-found. */
  loadState: string;
  /** active or inactive. */
  activeState?: string;
  /** enabled, disabled, static, generated. */
  unitFileState?: string;
  /** Why a state is not known, or what decides it. */
  why: string;
}

/** An account after earlier changes. */
export interface AccountOutlook {
  /** The change that decides it. */
  by: string;
  /** It exists (true), is removed (false), or may be created (undefined). */
  exists?: boolean;
  /** What decides it. */
  why: string;
}

/** A subtree whose content an earlier change alters. */
export interface TreeOutlook {
  /** The directory, or a prefix ending in `*` (every path that starts so: /var/lib/mysql-*). */
  path: string;
  /** The change. */
  by: string;
  /** Everything below it is gone (absent), or may change (unknown). */
  kind: 'absent' | 'unknown';
  /** Why. */
  why: string;
}

/** What a change does to the host besides its own state. Every part is optional. */
export interface Effects {
  /** Exact paths. */
  paths?: ReadonlyMap<string, PathOutlook>;
  /** Subtrees (a path below one is covered, unless `paths` names it after). */
  trees?: readonly TreeOutlook[];
  /** systemd units by name (with their type suffix, e.g. nginx.service). */
  units?: ReadonlyMap<string, UnitOutlook>;
  /** Accounts by `user:NAME` or `group:NAME`. */
  accounts?: ReadonlyMap<string, AccountOutlook>;
  /** Accounts whose names are not known may be created. */
  someAccounts?: { by: string; why: string };
  /** Anything on the host may change (a command: its effects are not modelled). */
  anything?: { by: string; why: string };
}

/** What a resource's state will be once the earlier changes are applied. */
export type Prediction<Current> =
  /** Known: apply will find `current`; `because` says which earlier change decides it. */
  | { current: Current; because: string }
  /** Not known before apply: `reason` names the earlier change; `cases` say what provision does in each case it can tell. */
  | { unknown: string; cases?: Change[] };

/** The questions a resource asks about the earlier changes of the run (undefined: none affects it). */
export interface Lookahead {
  /** The path after the earlier changes. */
  path(path: string): PathOutlook | undefined;
  /** A systemd unit after them (`nginx` means nginx.service). */
  unit(name: string): UnitOutlook | undefined;
  /** An account after them. */
  account(kind: 'user' | 'group', name: string): AccountOutlook | undefined;
  /** The earlier change that may alter what shell text (a guard) finds: it touches a path the text names or installs a program it runs. */
  shell(text: string): { by: string; why: string } | undefined;
  /** The same questions for an apply script that decides again right before acting: the earlier changes of its own apply call count too. */
  readonly atApply: Lookahead;
}

/** Whether a tree (a directory, or a prefix ending in `*`) holds a path. */
export function covers(tree: string, path: string): boolean {
  if (tree.endsWith('*')) return path.startsWith(tree.slice(0, -1));
  return path === tree || path.startsWith(tree === '/' ? '/' : `${tree}/`);
}

/** Directories where a program run by name is looked up. */
const BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** A unit name with its type suffix: "nginx" → "nginx.service". */
export function unitName(name: string): string {
  return /\.(service|socket|timer|target|mount|path|slice|scope|device|swap|automount)$/.test(name) ? name : `${name}.service`;
}

/** One change's effects, at its place in the run. */
interface Entry {
  /** The effects. */
  effects: Effects;
  /** Which probe round sees them: a change applied in round r is seen by the probes of rounds after r. */
  round: number;
}

/**
 * The effects of a run's changes in order, answering a resource's questions:
 * the latest change that says something about a thing decides it. A resource
 * probed in round r sees the changes of earlier rounds; its apply script, the
 * ones before it in its own round too.
 */
export class EffectLog {
  readonly #entries: Entry[] = [];

  /** Records a change's effects; `round` is the round whose apply call makes it. */
  add(effects: Effects, round: number): void {
    if (Object.values(effects).some((v) => v !== undefined && (!(v instanceof Map) || v.size > 0) && (!Array.isArray(v) || v.length > 0))) this.#entries.push({ effects, round });
  }

  /** Whether any recorded change is seen by a probe of `round`. */
  affects(round: number): boolean {
    return this.#entries.some((e) => e.round < round);
  }

  /** The first recorded change a probe of `round` sees, for a resource type that cannot say what it does to it. */
  first(round: number): string | undefined {
    const e = this.#entries.find((x) => x.round < round);
    return e === undefined ? undefined : describeEffects(e.effects);
  }

  /** The lookahead of a resource probed in `round`; at apply, the changes of its round recorded so far (those before it) count too. */
  view(round: number): Lookahead {
    const probe = this.#entries.filter((e) => e.round < round);
    const apply = this.#entries.filter((e) => e.round <= round);
    return lookahead(probe, lookahead(apply));
  }
}

/** A short name for a change's effects: the change itself, for messages. */
function describeEffects(effects: Effects): string {
  const by =
    effects.anything?.by ??
    [...(effects.paths?.values() ?? [])][0]?.by ??
    effects.trees?.[0]?.by ??
    [...(effects.units?.values() ?? [])][0]?.by ??
    [...(effects.accounts?.values() ?? [])][0]?.by ??
    effects.someAccounts?.by;
  return by ?? 'an earlier change';
}

/** Answers from `entries` (latest first); `atApply` answers for apply-time deciders (itself when omitted). */
function lookahead(entries: readonly Entry[], atApply?: Lookahead): Lookahead {
  const latestFirst = [...entries].reverse();
  const find = <T>(pick: (e: Effects) => T | undefined): T | undefined => {
    for (const e of latestFirst) {
      const found = pick(e.effects);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const anything = (e: Effects): { by: string; why: string } | undefined => e.anything;
  const self: Lookahead = {
    path: (path) =>
      find((e) => {
        const exact = e.paths?.get(path);
        if (exact) return exact;
        const tree = e.trees?.find((t) => covers(t.path, path));
        if (tree) return tree.kind === 'absent' ? { kind: 'absent' as const, by: tree.by } : { kind: 'unknown' as const, by: tree.by, why: tree.why };
        const any = anything(e);
        return any && { kind: 'unknown' as const, by: any.by, why: any.why };
      }),
    unit: (name) => {
      const unit = unitName(name);
      return find((e) => {
        const known = e.units?.get(unit);
        if (known) return known;
        const any = anything(e);
        return any && { by: any.by, loadState: 'unknown', why: any.why };
      });
    },
    account: (kind, name) =>
      find((e) => {
        const known = e.accounts?.get(`${kind}:${name}`);
        if (known) return known;
        const some = e.someAccounts ?? anything(e);
        return some && { by: some.by, why: some.why };
      }),
    shell: (text) => {
      const { paths, programs } = shellMentions(text);
      for (const path of paths) {
        const o = self.path(path);
        if (o) return { by: o.by, why: o.kind === 'unknown' ? o.why : `it changes ${path}, which the command names` };
      }
      for (const program of programs) {
        for (const dir of BIN_DIRS) {
          const o = self.path(`${dir}/${program}`);
          if (o && o.kind !== 'absent') return { by: o.by, why: `it installs ${dir}/${program}, which the command runs` };
        }
      }
      return undefined;
    },
    get atApply() {
      return atApply ?? self;
    },
  };
  return self;
}

/** What provision does in each case it can tell, as change lines: "if WHEN: CHANGES" ("nothing to do" when in state). */
export function casesOf(cases: ReadonlyArray<readonly [when: string, changes: readonly Change[]]>): Change[] {
  return cases.map(([when, changes]) => ({ summary: `if ${when}: ${changes.length === 0 ? 'nothing to do' : changes.map((c) => c.summary).join('; ')}` }));
}
