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
  const elsewhere = new Set([...tree.groups.values()].filter((g) => g.name !== UNGROUPED && g.name !== ALL).flatMap((g) => g.hosts));
  const stranded = (tree.groups.get(UNGROUPED)?.hosts ?? []).filter((h) => !elsewhere.has(h));
  if (stranded.length === 0) return;
  for (const group of tree.groups.values()) {
    const child = group.name === ALL ? undefined : group.children.find((c) => c.name === UNGROUPED);
    if (!child) continue;
    const hosts = stranded.length > 3 ? `${stranded.slice(0, 3).join(', ')}, …` : stranded.join(', ');
    errors.add(
      `${child.path}: group '${UNGROUPED}' is a child of '${group.name}' while hosts are written in it (${hosts}): Ansible then lists those hosts in no group at all: expected '${UNGROUPED}' only under 'all' (put the hosts in a group of their own and make that the child)`,
      child.position,
    );
  }
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
