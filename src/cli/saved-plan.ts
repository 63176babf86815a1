/**
 * Saved plans, like Terraform's: `plan --out FILE` records, per host, what
 * plan said of each resource (will change and how, in state, or decided at
 * apply); `apply --plan FILE` holds apply to it. Before anything changes,
 * every host is planned again and must say exactly the same. While applying,
 * each round's probe (the first one, and the one after packages are
 * installed) must agree with it: a resource the plan called in state must
 * still be, and a change the plan read from the host must be the same
 * change. A change the plan predicted past a package install may be worded
 * differently once the package is there, as long as it is a change. The file
 * holds readable summaries (secrets masked) and a hash of each change list.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeControlFile } from '../control/write-file.js';
import { UserError } from '../errors.js';
import type { Decided } from '../engine/host-run.js';
import type { HostResult, ResourceResult } from '../engine/results.js';
import type { Change } from '../resources/types.js';
import { maskedJson, redact, redactDeep } from '../secrets.js';

/** What plan said of one resource. */
export interface PlannedEntry {
  /** Resource label. */
  resource: string;
  /** changed (will change), ok (in state) or unknown (decided at apply). */
  status: 'changed' | 'ok' | 'unknown';
  /** Readable changes (secrets masked). */
  changes: string[];
  /** sha256 of the full change list. */
  hash: string;
  /** Decided against the host as an earlier change of the run leaves it (which one). */
  predicted?: string;
}

/** The saved plan file. */
export interface SavedPlan {
  /** Format version. */
  provision_plan: 2;
  /** Inventory it was made from. */
  inventory: string;
  /** When it was made (ISO 8601). */
  created: string;
  /** Per host, every resource in apply's order (handlers left out: they follow from the resources). */
  hosts: Record<string, PlannedEntry[]>;
}

/**
 * The hash of a change list, secrets masked: what apply --plan compares. A hash of
 * the real values would let whoever holds the plan file test guesses of a secret
 * (a command's summary can hold one), so a secret whose value alone changed since
 * the plan is not a stale plan.
 */
export function changeHash(changes: Change[]): string {
  return createHash('sha256').update(JSON.stringify(redactDeep(changes))).digest('hex');
}

/** One result as a plan entry. */
function entryOf(r: ResourceResult): PlannedEntry {
  const status = r.status === 'changed' || r.status === 'unknown' ? r.status : 'ok';
  return {
    resource: r.resource,
    status,
    changes: r.changes.map((c) => redact(c.summary)),
    hash: changeHash(r.changes),
    ...(r.note !== undefined && r.status !== 'unknown' ? { predicted: redact(r.note) } : {}),
  };
}

/** What a host's check-mode results say, resource by resource. */
export function plannedEntries(results: readonly ResourceResult[]): PlannedEntry[] {
  return results.filter((r) => !r.handler).map(entryOf);
}

/** The plan of a check-mode run. */
export function savedPlanOf(inventory: string, results: HostResult[], now = new Date()): SavedPlan {
  return { provision_plan: 2, inventory, created: now.toISOString(), hosts: Object.fromEntries(results.map((h) => [h.name, plannedEntries(h.results)])) };
}

/** Writes a plan file. */
export function writeSavedPlan(file: string, plan: SavedPlan): void {
  writeControlFile(file, `${maskedJson(plan, 2)}\n`);
}

/** Reads a plan file, checking it is one. */
export function readSavedPlan(file: string): SavedPlan {
  if (!existsSync(file)) throw new UserError(`--plan: file '${file}' not found`);
  let plan: SavedPlan;
  try {
    plan = JSON.parse(readFileSync(file, 'utf8')) as SavedPlan;
  } catch {
    throw new UserError(`--plan: '${file}' is not a provision plan (not JSON)`);
  }
  if ((plan as { provision_plan?: unknown }).provision_plan === 1) throw new UserError(`--plan: '${file}' was made by an older provision; make a new plan`);
  if (plan.provision_plan !== 2 || typeof plan.hosts !== 'object' || plan.hosts === null) throw new UserError(`--plan: '${file}' is not a provision plan`);
  return plan;
}

/** Why a host's plan now differs from the saved one (every resource, status and change), or undefined when it is the same. */
export function staleReason(saved: PlannedEntry[] | undefined, now: PlannedEntry[]): string | undefined {
  if (saved === undefined) return 'the host is not in the plan';
  const key = (e: PlannedEntry): string => `${e.resource}\u0000${e.status}\u0000${e.hash}`;
  const before = new Set(saved.map(key));
  const after = new Set(now.map(key));
  const differ = [...new Set([...saved.filter((e) => !after.has(key(e))), ...now.filter((e) => !before.has(key(e)))].map((e) => e.resource))];
  return differ.length === 0 ? undefined : `the plan is stale: what would change differs for ${differ.join(', ')}; make a new plan`;
}

/**
 * Whether what a round's probe decided (before any of it is applied) keeps to the saved plan:
 * undefined when it does, else why not. Resources the plan left to apply (unknown) are free.
 */
export function roundReason(saved: PlannedEntry[] | undefined, decided: readonly Decided[]): string | undefined {
  if (saved === undefined) return 'the host is not in the plan';
  const remaining = [...saved];
  const problems: string[] = [];
  for (const d of decided) {
    const at = remaining.findIndex((e) => e.resource === d.resource);
    const entry = at < 0 ? undefined : remaining.splice(at, 1)[0];
    if (entry === undefined) problems.push(`${d.resource} is not in the plan`);
    else if (entry.status === 'ok' && d.changes.length > 0) problems.push(`${d.resource} was in state in the plan${entry.predicted ? ` (${entry.predicted})` : ''}, but now would change: ${d.changes.map((c) => redact(c.summary)).join('; ')}`);
    else if (entry.status === 'changed' && entry.predicted === undefined && changeHash(d.changes) !== entry.hash) problems.push(`${d.resource} would now change differently from the plan`);
  }
  return problems.length === 0 ? undefined : `refusing to go on, this step differs from the saved plan: ${problems.join('; ')}`;
}
