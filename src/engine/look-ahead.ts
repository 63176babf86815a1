/**
 * Plan's look past the run's earlier changes. Apply decides a resource when it
 * probes it, and probes again after a change with side effects (a package
 * install); a few resources decide again right before acting (a line, a
 * command's `creates`). So plan walks the host's work in apply's order,
 * collects what each change does to the host (a package's effects are learnt
 * on the host by a read-only study, only when one will be installed), and
 * decides each resource against the host as apply will find it: changed, in
 * state, or unknown when an earlier change decides it in a way plan cannot
 * tell, naming that change.
 */
import type { Shell } from '../shell/quote.js';
import { EffectLog, type Effects } from '../resources/shared/lookahead.js';
import { type Assessed, cutBeforeAffected, isLate, splitRound, steps } from './rounds.js';

/** Runs a read-only study script on the host; undefined when it failed. */
export type RunStudy = (script: Shell) => Promise<string | undefined>;

/**
 * Decides the host's resources (assessed by one probe, in declaration order)
 * as apply will find them, and returns them in apply's order: each round's
 * steps, then the changes that need control-node work. Mutates the Assessed.
 * Returns the log too, for the handlers, and the last round's number.
 */
export async function lookAhead(assessed: readonly Assessed[], study: RunStudy): Promise<{ ordered: Assessed[]; log: EffectLog; lastRound: number }> {
  const probed = new Map(assessed.map((a) => [a, { current: a.current, decision: a.decision }]));
  const log = new EffectLog();
  const ordered: Assessed[] = [];
  const late: Assessed[] = [];
  let pending = [...assessed];
  let round = 0;
  for (; ; round++) {
    for (const a of pending) decide(a, probed.get(a)!, log, round);
    // Rounds as apply makes them: what an earlier change of the call may alter is probed again.
    const r = cutBeforeAffected(splitRound(pending));
    const walk = steps(r.now.filter((a) => !isLate(a)));
    for (let s = 0; s < walk.length; s++) {
      const step = walk[s]!;
      // Earlier changes of this apply call count for resources that decide again right before acting.
      for (const a of step) decide(a, probed.get(a)!, log, round);
      ordered.push(...step);
      const changed = step.filter((a) => a.changes.length > 0);
      // Only what is decided after it can be affected: nothing to learn for the last step.
      const more = s < walk.length - 1 || r.later.length > 0;
      if (changed.length > 0 && more) await record(changed, log, round, study);
    }
    late.push(...r.now.filter(isLate));
    pending = pending.filter((a) => r.later.includes(a.planned));
    if (pending.length === 0) break;
  }
  ordered.push(...late);
  return { ordered, log, lastRound: round };
}

/** Decides one resource from its probed state and what the log says earlier changes do to it. */
export function decide(a: Assessed, probed: Pick<Assessed, 'current' | 'decision'>, log: EffectLog, round: number): void {
  const type = a.planned.type;
  a.current = probed.current;
  a.decision = probed.decision;
  a.changes = probed.decision.changes;
  delete a.unknown;
  delete a.because;
  const prediction = type.predict
    ? type.predict(a.planned.desired, probed.current, log.view(round))
    : log.affects(round)
      ? { unknown: `${log.first(round)} is applied first, and what it does to a ${type.name} resource is not known before apply` }
      : undefined;
  if (prediction === undefined) return;
  if ('current' in prediction) {
    a.current = prediction.current;
    a.decision = type.decide(a.planned.desired, prediction.current);
    a.changes = a.decision.changes;
    a.because = prediction.because;
  } else {
    a.unknown = prediction.unknown;
    a.changes = prediction.cases ?? [];
  }
}

/** Adds what a step's changes do to the host (studying it on the host when the type needs to). */
async function record(changed: Assessed[], log: EffectLog, round: number, study: RunStudy): Promise<void> {
  const model = changed[0]!.planned.type.effects;
  if (!model) return;
  const items = changed.map((a) => ({ desired: a.planned.desired, current: a.current }));
  const studied = model.study ? await study(model.study(items)) : undefined;
  const effects = model.of(items, studied);
  log.add(changed.some((a) => a.unknown !== undefined) ? uncertain(effects, changed.find((a) => a.unknown)!.planned.label) : effects, round);
}

/** The effects of a change that may not happen: everything it would do becomes "may". */
function uncertain(effects: Effects, label: string): Effects {
  const why = `${label} may change it (decided at apply)`;
  return {
    ...(effects.paths ? { paths: new Map([...effects.paths].map(([p, o]) => [p, { kind: 'unknown' as const, by: o.by, why }])) } : {}),
    ...(effects.trees ? { trees: effects.trees.map((t) => ({ ...t, kind: 'unknown' as const, why })) } : {}),
    ...(effects.units ? { units: new Map([...effects.units].map(([u, o]) => [u, { by: o.by, loadState: 'unknown', why }])) } : {}),
    ...(effects.accounts ? { accounts: new Map([...effects.accounts].map(([k, o]) => [k, { by: o.by, why }])) } : {}),
    ...(effects.someAccounts ? { someAccounts: effects.someAccounts } : {}),
    ...(effects.anything ? { anything: effects.anything } : {}),
  };
}
