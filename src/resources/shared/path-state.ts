/** What is at a path on the host: the shared `stat` probe of file, directory and line. */
import { insert, lines, sh, trusted, variable, type Shell } from '../../shell/quote.js';
import { type Fields, integerField } from './probe-output.js';

/** Kind of thing at a path; `link` only when links are not followed. */
export type PathType = 'absent' | 'file' | 'directory' | 'link' | 'other';

/** Type and attributes of a path as the probe saw them. */
export interface PathState {
  /** What is there. */
  type: PathType;
  /** Four-digit octal mode, e.g. "0644" (empty when absent). */
  mode: string;
  /** Owner name ("UNKNOWN" when the uid has no name). */
  owner: string;
  /** Owner uid, as digits. */
  uid: string;
  /** Group name ("UNKNOWN" when the gid has no name). */
  group: string;
  /** Group gid, as digits. */
  gid: string;
  /** Size in bytes. */
  size: number;
}

/** The state of a path that does not exist. */
export const ABSENT: PathState = { type: 'absent', mode: '', owner: '', uid: '', group: '', gid: '', size: 0 };

/**
 * Read-only script printing `type=`, `mode=`, `owner=`, `uid=`, `group=`,
 * `gid=`, `size=` for `path`, or `type=absent`. With `follow`, a link is
 * described by what it points to.
 */
export function statProbe(path: string, follow: boolean): Shell {
  const p = sh`${path}`;
  return sh`if ${insert(exists(p, follow))}; then ${insert(statCommand(p, follow, trusted('')))} 2>/dev/null || echo type=absent; else echo type=absent; fi`;
}

/** `stat` printing the fields of statProbe for `paths` (shell words), each record followed by `end`. */
function statCommand(paths: Shell, follow: boolean, end: Shell): Shell {
  return sh`stat ${insert(follow ? trusted('-L ') : trusted(''))}--printf='type=%F\\nmode=%a\\nowner=%U\\nuid=%u\\ngroup=%G\\ngid=%g\\nsize=%s\\n${insert(end)}' -- ${insert(paths)}`;
}

function exists(path: Shell, follow: boolean): Shell {
  return follow ? sh`[ -e ${insert(path)} ]` : sh`[ -e ${insert(path)} ] || [ -L ${insert(path)} ]`;
}

/** Ends each record of statManyScript's one `stat` call (stat's `\\036`). */
const RECORD_SEPARATOR = '\x1e';

/**
 * statProbe for several paths with one `stat` call: after this script, `provision_stat_next I`
 * sets $provision_rec to what statProbe would print for path I (called in order, each once).
 * When the one call fails (a path went away meanwhile) every path gets its own stat.
 */
export function statManyScript(paths: readonly string[], follow: boolean): Shell {
  // Records end with an ASCII record separator: no field stat prints here can hold one.
  // The script holds the character itself (quoted), so setting the variable starts no process.
  return lines(
    sh`provision_rs=${RECORD_SEPARATOR}`,
    'set --',
    ...paths.map((path, i) => {
      const name = variable(`provision_path_${i}`);
      const has = variable(`provision_has_${i}`);
      return lines(sh`${insert(name)}=${path}`, sh`if ${insert(exists(sh`"$${insert(name)}"`, follow))}; then set -- "$@" "$${insert(name)}"; ${insert(has)}=1; else ${insert(has)}=; fi`);
    }),
    'provision_many=',
    sh`if [ $# -gt 0 ] && provision_stats=$(${insert(statCommand(trusted('"$@"'), follow, trusted('\\036')))} 2>/dev/null); then provision_many=1; fi`,
    // Probes may run in the batch's own shell (probeInline): the positional parameters go back to none.
    'set --',
    'provision_stat_next() {',
    '  eval "provision_has=\\$provision_has_$1"',
    '  if [ -z "$provision_has" ]; then provision_rec="type=absent',
    '"',
    '  elif [ -n "$provision_many" ]; then',
    '    provision_rec=${provision_stats%%"$provision_rs"*}',
    '    provision_stats=${provision_stats#*"$provision_rs"}',
    '  else',
    '    eval "provision_path=\\$provision_path_$1"',
    sh`    provision_rec=$(${insert(statCommand(trusted('"$provision_path"'), follow, trusted('')))} 2>/dev/null || echo type=absent)`,
    '    provision_rec="$provision_rec',
    '"',
    '  fi',
    '}',
  );
}

/** The state of something an earlier change creates, as a probe would then read it (root is uid 0). */
export function predictedStat(type: PathType, attributes: { owner: string; group: string; mode: string } = { owner: 'root', group: 'root', mode: '0644' }, size = 0): PathState {
  const id = (name: string): string => (name === 'root' ? '0' : /^[0-9]+$/.test(name) ? name : '');
  return { type, mode: attributes.mode, owner: attributes.owner, uid: id(attributes.owner), group: attributes.group, gid: id(attributes.group), size };
}

/** Reads the fields printed by statProbe. */
export function parsePathState(fields: Fields): PathState {
  const type = pathType(fields.get('type'));
  if (type === 'absent') return ABSENT;
  return {
    type,
    mode: (fields.get('mode') ?? '').padStart(4, '0'),
    owner: fields.get('owner') ?? '',
    uid: fields.get('uid') ?? '',
    group: fields.get('group') ?? '',
    gid: fields.get('gid') ?? '',
    size: integerField(fields, 'size') ?? 0,
  };
}

function pathType(statType: string | undefined): PathType {
  switch (statType) {
    case undefined:
    case 'absent':
      return 'absent';
    case 'regular file':
    case 'regular empty file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symbolic link':
      return 'link';
    default:
      return 'other';
  }
}
