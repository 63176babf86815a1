/**
 * The order of the lab project's files. They share one lab, one at a time, and
 * each brings the lab to the state it starts from (a reset, or an apply), so
 * any order passes; this one makes those starts cheap. First the files that
 * reset the hosts or apply other inventories, then site.test.ts, which resets
 * and converges the reference site from fresh hosts; right after it the files
 * that apply the site and now find it converged (status's first apply is
 * otherwise a converge from whatever came before, a minute on two cores).
 * promote.test.ts last: it leaves the primary where the inventory does not
 * say. A file in neither list runs in between, in vitest's own order. Unit
 * files keep vitest's order.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const FIRST = [
  'test/lab/lab.test.ts',
  'test/e2e/engine.test.ts',
  'test/e2e/faults.test.ts',
  'test/e2e/mysql.test.ts',
  'test/e2e/site.test.ts',
  'test/e2e/honest-plans.test.ts',
  'test/e2e/status.test.ts',
  'test/e2e/certificates.test.ts',
];
const LAST = ['test/e2e/promote.test.ts'];

/** Where a lab file goes: its place in FIRST, after all of them when unlisted, after those when in LAST. */
function rank(spec: TestSpecification): number {
  const file = relative(spec.project.config.root, spec.moduleId);
  if (FIRST.includes(file)) return FIRST.indexOf(file);
  if (LAST.includes(file)) return FIRST.length + 1 + LAST.indexOf(file);
  return FIRST.length;
}

export default class LabOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isLab = (spec: TestSpecification): boolean => spec.project.name === 'lab';
    // Array sort is stable: lab files of equal rank keep vitest's order; the others keep their places.
    const lab = sorted.filter(isLab).sort((a, b) => rank(a) - rank(b));
    return sorted.map((spec) => (isLab(spec) ? lab.shift()! : spec));
  }
}
