import { isMap, isScalar, parseDocument, type Document, type YAMLMap } from 'yaml';

/** Variables to set (a value) or remove (null) on one host. */
export type HostVarEdits = Record<string, string | null>;

/**
 * Edits host variables in inventory YAML text, keeping comments and layout.
 * The host's entry is the one under some group's `hosts:` that already sets
 * one of the edited keys, else its first entry. Returns undefined when the
 * host has no entry to edit (e.g. `web-01:` with no mapping and no room).
 */
export function editHostVars(text: string, host: string, edits: HostVarEdits): string | undefined {
  const doc = parseDocument(text);
  const entries = hostEntries(doc, host);
  const entry = entries.find((e) => Object.keys(edits).some((k) => e.has(k))) ?? entries[0];
  if (!entry) return undefined;
  for (const [key, value] of Object.entries(edits)) {
    if (value === null) entry.delete(key);
    else entry.set(key, value);
  }
  return doc.toString();
}

/** Every mapping that holds the host's variables, in document order (a null entry is replaced by a mapping to fill). */
function hostEntries(doc: Document, host: string): YAMLMap[] {
  const found: YAMLMap[] = [];
  const visitGroup = (group: unknown): void => {
    if (!isMap(group)) return;
    const hosts = group.get('hosts', true);
    if (isMap(hosts)) {
      const pair = hosts.items.find((p) => isScalar(p.key) && String(p.key.value) === host);
      if (pair) {
        if (!isMap(pair.value)) pair.value = doc.createNode({}) as YAMLMap;
        found.push(pair.value as YAMLMap);
      }
    }
    const children = group.get('children', true);
    if (isMap(children)) for (const child of children.items) visitGroup(child.value);
  };
  if (isMap(doc.contents)) visitGroup(doc.contents.get('all', true));
  return found;
}
