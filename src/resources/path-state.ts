/** What is at a path on the host: the shared `stat` probe of file, directory and line. */
import { quote } from '../shell/quote.js';
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
export function statProbe(path: string, follow: boolean): string {
  const p = quote(path);
  const stat = `stat ${follow ? '-L ' : ''}--printf='type=%F\\nmode=%a\\nowner=%U\\nuid=%u\\ngroup=%G\\ngid=%g\\nsize=%s\\n' -- ${p}`;
  const exists = follow ? `[ -e ${p} ]` : `[ -e ${p} ] || [ -L ${p} ]`;
  return `if ${exists}; then ${stat} 2>/dev/null || echo type=absent; else echo type=absent; fi`;
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
