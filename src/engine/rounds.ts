/**
 * How apply orders a host's work, decided once for apply and for plan (which
 * must decide each resource against the host as apply will find it). Pure.
 *
 * A round is one probe and one apply call. A change whose type has side
 * effects on what follows (a package install) ends the round: everything of
 * its type is applied with it (one apt-get call), and what follows is probed
 * again in the next round. So does a change that may alter what a later
 * resource's probe found in state (a command guard's program rewritten): plan
 * calls that resource decided at apply, and apply decides it once the change is
 * made. Changes that need control-node work (an ACME order) run last, after
 * the other changes and their handlers.
 */
import type { PlannedResource } from '../roles/plan.js';
import { EffectLog, type Lookahead } from '../resources/shared/lookahead.js';
import type { Change, Decision } from '../resources/types.js';

/** A planned resource with its probed state and the changes it needs. */
export interface Assessed {
  /** The resource. */
  planned: PlannedResource;
  /** Its state (probed; in check mode, as an earlier change of the run leaves it). */
  current: unknown;
  /** Its type's decision for that state: apply carries out exactly this. */
  decision: Decision;
  /** What apply does to it: the decision's changes (in check mode, for an unknown one: what it does in each case). */
  changes: Change[];
  /** A handler. */
  handler: boolean;
  /** Check mode: why its decision is not known before apply (an earlier change of the run decides it). */
  unknown?: string;
  /** Check mode: the earlier change of the run its decision was made against. */
  because?: string;
}

/** A round: what one probe decides and one apply call carries out now, and what waits for the next probe. */
export interface Round {
  /** Decided by this round's probe and applied by its call, in the order of its steps. */
  now: Assessed[];
  /** Probed again in the next round (empty when this is the last). */
  later: PlannedResource[];
  /** This round ends with a change whose side effects the next probe must see. */
  cut: boolean;
}

/**
 * Splits a round's assessed resources at the first change with side effects on what follows.
 * Resources marked early (they need nothing such a change brings) that are declared after it
 * are applied before it, in the same call, so that a package's first start already finds them.
 */
export function splitRound(resources: readonly Assessed[]): Round {
  const barrier = resources.findIndex((a) => a.changes.length > 0 && a.planned.type.reprobeAfter);
  const barrierType = resources[barrier]?.planned.type;
  const cut = barrierType !== undefined && resources.slice(barrier + 1).some((a) => a.planned.type !== barrierType);
  if (!cut) return { now: [...resources], later: [], cut: false };
  // Resources of the barrier's type are applied together (one apt-get call), wherever they are declared.
  const early = resources.filter((a, i) => i > barrier && a.planned.early === true && a.planned.type !== barrierType);
  const now = [...resources.slice(0, barrier), ...early, ...resources.filter((a, i) => i >= barrier && a.planned.type === barrierType)];
  return { now, later: resources.filter((a) => !now.includes(a)).map((a) => a.planned), cut: true };
}

/**
 * Cuts a round before its first resource decided in state that an earlier
 * change of the round may alter, as plan's look-ahead tells (a command whose
 * `unless` runs a program the round rewrites): it and what follows are probed
 * again once that change is applied, so a later resource that needs it (a
 * site validated against the upstream it renders) finds it done.
 */
export function cutBeforeAffected(round: Round): Round {
  const log = new EffectLog();
  // What the probe found, past the changes before it; not what an apply script checks again itself (a command's `creates`, a line).
  const probeOnly = (): Lookahead => Object.assign({ ...log.view(1) }, { atApply: new EffectLog().view(0) });
  const at = round.now.findIndex((a) => {
    if (a.changes.length === 0) return !isLate(a) && mayChange(a, probeOnly());
    const model = a.planned.type.effects;
    // A type learnt on the host by a study (packages) ends its round already (splitRound).
    if (model && !model.study) log.add(model.of([{ desired: a.planned.desired, current: a.current }]), 0);
    return false;
  });
  if (at <= 0) return round;
  return { now: round.now.slice(0, at), later: [...round.now.slice(at).map((a) => a.planned), ...round.later], cut: true };
}

/** Whether an in-state resource may need a change once the changes in `ahead` are made (its type predicts it). */
function mayChange(a: Assessed, ahead: Lookahead): boolean {
  const type = a.planned.type;
  const predicted = type.predict?.(a.planned.desired, a.current, ahead);
  if (predicted === undefined) return false;
  return 'unknown' in predicted || type.decide(a.planned.desired, predicted.current).changes.length > 0;
}

/**
 * The steps of an apply call, in order: resources of a type with applyMany
 * (packages) in one step at the first one's place, every other resource in
 * its own. Handlers are never grouped.
 */
export function steps(pending: readonly Assessed[]): Assessed[][] {
  const out: Assessed[][] = [];
  const grouped = new Map<string, Assessed[]>();
  for (const a of pending) {
    const type = a.planned.type;
    if (!type.applyMany || a.handler) {
      out.push([a]);
      continue;
    }
    const group = grouped.get(type.name);
    if (group) group.push(a);
    else {
      grouped.set(type.name, [a]);
      out.push(grouped.get(type.name)!);
    }
  }
  return out;
}

/** Changes that need control-node work first (prepare): apply runs them after everything else. */
export function isLate(a: Assessed): boolean {
  return a.planned.type.prepare !== undefined;
}

/** What a handler's result says when it runs a second time in one run (after a late change). */
export function againAfter(labels: readonly string[]): Change {
  return { summary: `runs again after ${labels.join(', ')}` };
}
