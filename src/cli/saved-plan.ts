/**
 * Saved plans, like Terraform's: `plan --out FILE` records, per host, the
 * changes each resource would make; `apply --plan FILE` applies only if every
 * host would still make exactly those changes. The file holds readable
 * summaries (secrets masked) and a hash of each full change list.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { HostResult } from '../engine/results.js';
import type { Change } from '../resources/types.js';
import { redact, redactDeep } from '../secrets.js';

/** One resource's planned changes. */
export interface PlannedChange {
  /** Resource label. */
  resource: string;
  /** Readable changes (secrets masked). */
  changes: string[];
  /** sha256 of the full change list. */
  hash: string;
}

/** The saved plan file. */
export interface SavedPlan {
  /** Format version. */
  provision_plan: 1;
  /** Inventory it was made from. */
  inventory: string;
  /** When it was made (ISO 8601). */
  created: string;
  /** Per host, the resources that would change, in order. */
  hosts: Record<string, PlannedChange[]>;
}

/** The hash of a change list: what apply --plan compares. */
export function changeHash(changes: Change[]): string {
  return createHash('sha256').update(JSON.stringify(changes)).digest('hex');
}

/** What a host would change (handlers left out: they follow from the resources). */
export function plannedChanges(changes: Array<{ resource: string; changes: Change[] }>): PlannedChange[] {
  return changes.map((c) => ({ resource: c.resource, changes: c.changes.map((x) => redact(x.summary)), hash: changeHash(c.changes) }));
}

/** The plan of a check-mode run. */
export function savedPlanOf(inventory: string, results: HostResult[], now = new Date()): SavedPlan {
  return {
    provision_plan: 1,
    inventory,
    created: now.toISOString(),
    hosts: Object.fromEntries(results.map((h) => [h.name, plannedChanges(h.results.filter((r) => r.status === 'changed' && !r.handler))])),
  };
}

/** Writes a plan file. */
export function writeSavedPlan(file: string, plan: SavedPlan): void {
  writeFileSync(file, `${redact(JSON.stringify(redactDeep(plan), null, 2))}\n`, { mode: 0o600 });
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
  if (plan.provision_plan !== 1 || typeof plan.hosts !== 'object' || plan.hosts === null) throw new UserError(`--plan: '${file}' is not a provision plan`);
  return plan;
}

/** Why a host's changes now differ from the saved plan, or undefined when they are the same. */
export function staleReason(saved: PlannedChange[] | undefined, now: PlannedChange[]): string | undefined {
  if (saved === undefined) return 'the host is not in the plan';
  const key = (c: PlannedChange): string => `${c.resource}\u0000${c.hash}`;
  const before = new Set(saved.map(key));
  const after = new Set(now.map(key));
  const gone = saved.filter((c) => !after.has(key(c))).map((c) => c.resource);
  const added = now.filter((c) => !before.has(key(c))).map((c) => c.resource);
  if (gone.length === 0 && added.length === 0) return undefined;
  const parts = [...new Set([...gone, ...added])].map((r) => `${r}`);
  return `the plan is stale: what would change differs for ${parts.join(', ')}; make a new plan`;
}
