/**
 * Ansible's host_list inventory plugin: `-i 'web1,web2:2222,'`, a source that
 * is no file and holds a comma, lists hosts (in 'ungrouped', `:port` read as
 * ansible_port; ranges are refused: that plugin keeps them as names).
 */
import type { SourcePosition } from '../errors.js';
import type { ErrorList } from '../yaml/error-list.js';
import { expandHostPattern, hasRange } from './host-pattern.js';
import type { GroupTree } from './model.js';
import { hostNameProblem, UNGROUPED } from './names.js';

// `[2001:db8::1]:2222`: an IPv6 address in brackets, with or without a port.
const BRACKETED = /^\[([0-9a-fA-F:.]+(?:%[\w.-]+)?)\](?::([0-9]+))?$/;

/** Whether a source that names no file is a host list. */
export function isHostList(source: string): boolean {
  return source.includes(',');
}

/** Reads a host list source into `tree`; problems go to `errors`, at the column of the host in the source. */
export function readHostList(source: string, tree: GroupTree, errors: ErrorList): void {
  let offset = 0;
  for (const item of source.split(',')) {
    const at: SourcePosition = { file: `-i ${source}`, line: 1, col: offset + 1 + (item.length - item.trimStart().length) };
    offset += item.length + 1;
    const written = item.trim();
    if (written === '') continue;
    const bracketed = BRACKETED.exec(written);
    if (!bracketed && hasRange(written)) {
      errors.add(`host ranges are not expanded in a host list (nor by Ansible's host_list plugin): write the hosts out, or use an inventory file`, at);
      continue;
    }
    const { names, port } = bracketed ? { names: [bracketed[1]!], port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) } : expandHostPattern(written);
    const name = names[0]!;
    const problem = hostNameProblem(name);
    if (problem) {
      errors.add(`invalid host name in the host list: ${problem}`, at);
      continue;
    }
    const path = `${UNGROUPED}.hosts.${name}`;
    const isNew = !tree.hosts.has(name);
    const host = tree.host(name, path, at, UNGROUPED);
    if (isNew && port !== undefined) {
      host.vars.set('ansible_port', { name: 'ansible_port', value: port, site: { path: `${path}.ansible_port`, keyPosition: at, valuePosition: at, baseDir: process.cwd(), fromCommandLine: false } });
    }
  }
}
