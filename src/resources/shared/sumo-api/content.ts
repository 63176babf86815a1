/**
 * The decision every Sumo content type makes (monitor, dashboard,
 * connection): the object is found by its managed name; its definition, as
 * the fields provision manages, is compared with the wanted one; the changes
 * show that comparison as a diff, like a file's.
 */
import { stringify } from 'yaml';
import { characterName, controlCharacter } from '../../../formats/format-error.js';
import { type Args, requiredString } from '../args.js';
import { contentDiff, holdsSecret } from '../text-diff.js';
import { ArgError, type Change, type ControlResourceType, type Decision } from '../../types.js';
import { SumoApi, type Query } from './client.js';
import { ENDPOINT_SECRET_KEYS, type SumoEndpoint } from './endpoint.js';

/** The fields provision manages of one object, in a stable order (plain JSON values). */
export type Definition = Record<string, unknown>;

/** An object found in Sumo: its id and definition. */
export interface Found {
  /** Sumo's identifier. */
  id: string;
  /** Its managed fields. */
  definition: Definition;
}

/** What apply does to the object. */
export type ContentAction = { action: 'none' } | { action: 'create' } | { action: 'update'; id: string } | { action: 'delete'; id: string };

/** The decision and the changes that show it. */
export interface ContentDecision extends Decision {
  /** What to do. */
  act: ContentAction;
  /** One change, with the definition's diff (none when in state). */
  changes: Change[];
}

/** A content type's decision, with the object it was made against (an update names its id and version). */
export interface FoundDecision<Current extends Found> extends ContentDecision {
  /** What Sumo had (undefined: none). */
  found: Current | undefined;
}

/**
 * Decides for an object called `name` of kind `kind` (e.g. "monitor"): `wanted` is undefined
 * when it is declared absent; `found` is undefined when Sumo has none.
 */
export function decideContent(kind: string, name: string, wanted: Definition | undefined, found: Found | undefined): ContentDecision {
  const label = `sumo ${kind} '${name}'`;
  if (wanted === undefined) {
    if (found === undefined) return { act: { action: 'none' }, changes: [] };
    return { act: { action: 'delete', id: found.id }, changes: [{ summary: `${kind} ${found.id}: present → absent (deleted)` }] };
  }
  // Equal definitions need no text: YAML's stringify is most of a no-op's planning of Sumo content.
  if (found !== undefined && JSON.stringify(wanted) === JSON.stringify(found.definition)) return { act: { action: 'none' }, changes: [] };
  const after = definitionText(wanted);
  if (found === undefined) return { act: { action: 'create' }, changes: [{ summary: `absent → present`, diff: contentDiff(label, undefined, after, holdsSecret(after)) }] };
  const before = definitionText(found.definition);
  if (before === after) return { act: { action: 'none' }, changes: [] };
  const fields = Object.keys({ ...wanted, ...found.definition }).filter((k) => JSON.stringify(wanted[k]) !== JSON.stringify(found.definition[k]));
  return {
    act: { action: 'update', id: found.id },
    changes: [{ summary: `${fields.join(', ')} changed`, diff: contentDiff(label, before, after, holdsSecret(after)) }],
  };
}

/** A definition as readable text (YAML), the form its diff is shown in. */
export function definitionText(definition: Definition): string {
  return stringify(definition, { lineWidth: 0 });
}

/**
 * The name (or title) of a Sumo object, at most `max` characters: one line, since it labels the
 * resource in plan and recap lines and heads its diff (a line break in it would print lines of its own).
 */
export function contentName(args: Args, key: string, max: number): string {
  const name = requiredString(args, key);
  const char = controlCharacter(name);
  if (char !== undefined) throw new ArgError(key, `'${key}' must be one line of text, but holds ${characterName(char)}`);
  if (name.length > max) throw new ArgError(key, `'${key}' must be at most ${max} characters`);
  return name;
}

/** The one object of a list whose name (in `nameKey`) is `name`; more than one is an error: provision manages an object by its name. */
export function byName<T extends Record<string, unknown>>(items: T[], name: string, kind: string, nameKey = 'name'): T | undefined {
  const matches = items.filter((i) => i[nameKey] === name);
  if (matches.length > 1) {
    const ids = matches.map((m) => String(m.id)).join(', ');
    throw new Error(`${matches.length} ${kind}s in Sumo Logic are named '${name}' (ids ${ids}); provision manages one by its name: rename or delete the others`);
  }
  return matches[0];
}

/** What a kind of Sumo content declares about itself; sumoContentType makes the resource type. */
export interface ContentSpec<Desired extends { endpoint: SumoEndpoint; state: 'present' | 'absent' }, Current extends Found> {
  /** Resource type name, e.g. "sumo_monitor". */
  name: string;
  /** What the object is, for messages, e.g. "monitor". */
  kind: string;
  /** Checks and normalises the declaration. */
  validate(args: Args): Desired;
  /** The name it is found by. */
  nameOf(desired: Desired): string;
  /** The managed fields the declaration wants. */
  definition(desired: Desired): Definition;
  /** The object of that name, if Sumo has one (GETs only). */
  find(desired: Desired, api: SumoApi): Promise<Current | undefined>;
  create(desired: Desired, api: SumoApi): Promise<void>;
  update(desired: Desired, current: Current, api: SumoApi): Promise<void>;
  remove(current: Current, api: SumoApi): Promise<void>;
}

/**
 * `collection/ID` for an id Sumo Logic answered. The id is the server's, so it
 * must be an id (letters, digits, `-` and `_`): `..`, `.` or anything else
 * would name another URL (`monitors/..` is the API's root) and is refused.
 */
export function itemPath(collection: string, id: unknown): string {
  const text = String(id);
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(text)) throw new Error(`Sumo Logic answered the id ${JSON.stringify(text.slice(0, 80))} under ${collection}, which is not an id (letters, digits, - and _): refusing to use it in a URL`);
  return `${collection}/${text}`;
}

/** Writes of content kept in a collection at `path`: POST to it, PUT and DELETE its `path/ID`, each sent `body(desired)`. */
export function collectionWrites<Desired>(path: string, body: (desired: Desired) => unknown, deleteQuery?: Query): Pick<ContentSpec<Desired & { endpoint: SumoEndpoint; state: 'present' | 'absent' }, Found>, 'create' | 'update' | 'remove'> {
  const item = (current: Found): string => itemPath(path, current.id);
  return {
    create: async (desired, api) => void (await api.post(path, body(desired))),
    update: async (desired, current, api) => void (await api.put(item(current), body(desired))),
    remove: (current, api) => api.delete(item(current), deleteQuery),
  };
}

/** A resource type for one kind of Sumo content: found by name, decided by decideContent, written through its API. */
export function sumoContentType<Desired extends { endpoint: SumoEndpoint; state: 'present' | 'absent' }, Current extends Found>(
  spec: ContentSpec<Desired, Current>,
): ControlResourceType<Desired, Current | undefined, FoundDecision<Current>> {
  const decide = (desired: Desired, current: Current | undefined): FoundDecision<Current> => ({
    ...decideContent(spec.kind, spec.nameOf(desired), desired.state === 'present' ? spec.definition(desired) : undefined, current),
    found: current,
  });
  return {
    name: spec.name,
    runsOn: 'control',
    validate: spec.validate,
    secretKeys: ENDPOINT_SECRET_KEYS,
    label: spec.nameOf,
    identity: (desired) => `${desired.endpoint.url} ${spec.nameOf(desired)}`,
    read: (desired, http) => spec.find(desired, new SumoApi(desired.endpoint, http)),
    decide,
    async write(desired, { act, found }, http) {
      const api = new SumoApi(desired.endpoint, http);
      if (act.action === 'create') await spec.create(desired, api);
      if (act.action === 'update') await spec.update(desired, found!, api);
      if (act.action === 'delete') await spec.remove(found!, api);
    },
  };
}
