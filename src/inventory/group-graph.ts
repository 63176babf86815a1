import type { ErrorList } from '../yaml/error-list.js';
import type { GroupTree } from './model.js';
import { ALL, UNGROUPED } from './names.js';

/**
 * Reports every group that contains itself, directly or through its children,
 * at the `children` entry that closes the loop.
 */
export function checkCycles(tree: GroupTree, errors: ErrorList): void {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): void => {
    path.push(name);
    for (const child of tree.groups.get(name)?.children ?? []) {
      const loopStart = path.indexOf(child.name);
      if (loopStart >= 0) {
        const loop = [...path.slice(loopStart), child.name].join(' → ');
        errors.add(`${child.path}: group '${child.name}' contains itself (${loop}): expected groups that do not contain themselves`, child.position);
      } else if (!done.has(child.name)) {
        visit(child.name);
      }
    }
    path.pop();
    done.add(name);
  };
  visit(ALL);
  // Groups in a loop have a parent, so none of them was made a child of 'all': start from each.
  for (const name of tree.groups.keys()) if (!done.has(name)) visit(name);
}

/**
 * Reports 'ungrouped' made a child of a group other than 'all' while hosts are
 * written in it (and in no other group): Ansible's reconcile_inventory then takes
 * them out of 'ungrouped' and they are listed in no group at all, so provision
 * refuses rather than pick a meaning. Call before tree.reconcile().
 */
export function checkUngroupedNesting(tree: GroupTree, errors: ErrorList): void {
  const written = tree.groups.get(UNGROUPED)?.hosts ?? [];
  checkUngroupedChildren(tree, written, errors);
  const elsewhere = new Set([...tree.groups.values()].filter((g) => g.name !== UNGROUPED && g.name !== ALL).flatMap((g) => g.hosts));
  const stranded = written.filter((h) => !elsewhere.has(h));
  if (stranded.length === 0) return;
  for (const group of tree.groups.values()) {
    const child = group.name === ALL ? undefined : group.children.find((c) => c.name === UNGROUPED);
    if (!child) continue;
    errors.add(
      `${child.path}: group '${UNGROUPED}' is a child of '${group.name}' while hosts are written in it (${fewNames(stranded)}): Ansible then lists those hosts in no group at all: expected '${UNGROUPED}' only under 'all' (put the hosts in a group of their own and make that the child)`,
      child.position,
    );
  }
}

/**
 * A host written in 'ungrouped' and also in a group under it: Ansible takes it out
 * of 'ungrouped' and so drops the variables it would have from there, though the
 * group under it puts it back in; refused as well.
 */
function checkUngroupedChildren(tree: GroupTree, written: string[], errors: ErrorList): void {
  const first = tree.groups.get(UNGROUPED)?.children[0];
  if (!first) return;
  const below = new Set<string>();
  const visit = (name: string): void => {
    for (const child of tree.groups.get(name)?.children ?? []) {
      if (below.has(child.name) || child.name === UNGROUPED) continue;
      below.add(child.name);
      visit(child.name);
    }
  };
  visit(UNGROUPED);
  const both = written.filter((h) => [...below].some((g) => tree.groups.get(g)?.hosts.includes(h)));
  if (both.length === 0) return;
  errors.add(
    `${first.path}: group '${UNGROUPED}' has child groups and hosts written in it that are in them too (${fewNames(both)}): Ansible then drops '${UNGROUPED}' and its variables from those hosts: expected the child groups under another group`,
    first.position,
  );
}

/** Up to three names, for messages. */
function fewNames(names: string[]): string {
  return names.length > 3 ? `${names.slice(0, 3).join(', ')}, …` : names.join(', ');
}

/**
 * Each group's depth: the longest chain of `children` from 'all' (depth 0) to
 * it, as in Ansible, so a parent always sorts before its children. The tree
 * must be free of cycles.
 */
export function groupDepths(tree: GroupTree): Map<string, number> {
  const parents = parentsOf(tree);
  const depths = new Map<string, number>();
  const depthOf = (name: string): number => {
    let depth = depths.get(name);
    if (depth === undefined) {
      depth = Math.max(-1, ...(parents.get(name) ?? []).map(depthOf)) + 1;
      depths.set(name, depth);
    }
    return depth;
  };
  for (const name of tree.groups.keys()) depthOf(name);
  return depths;
}

/** Group name → the groups a host in it also belongs to (itself and every ancestor). The tree must be free of cycles. */
export function groupClosures(tree: GroupTree): Map<string, Set<string>> {
  const parents = parentsOf(tree);
  const closures = new Map<string, Set<string>>();
  const closureOf = (name: string): Set<string> => {
    let closure = closures.get(name);
    if (!closure) {
      closure = new Set([name]);
      for (const parent of parents.get(name) ?? []) for (const g of closureOf(parent)) closure.add(g);
      closures.set(name, closure);
    }
    return closure;
  };
  for (const name of tree.groups.keys()) closureOf(name);
  return closures;
}

function parentsOf(tree: GroupTree): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const group of tree.groups.values()) {
    for (const child of group.children) parents.set(child.name, [...(parents.get(child.name) ?? []), group.name]);
  }
  return parents;
}
