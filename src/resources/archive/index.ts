/**
 * `archive`: a directory on the host whose content is exactly a tree from the
 * control node (a directory, or a .tar / .tar.gz file), e.g. an application
 * release. The host keeps the content's sha256 in `DEST/.provision-archive`,
 * so the probe never reads the tree; a new release is unpacked beside the old
 * one and swapped in with two renames.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { heredocBase64, insert, lines, sh, type Shell } from '../../shell/quote.js';
import { absolutePath, type Args, onlyKeys, optionalMode } from '../shared/args.js';
import { accountArg } from '../shared/attributes.js';
import { parseFields } from '../shared/probe-output.js';
import { FAIL_FUNCTION } from '../shared/script.js';
import type { Lookahead, Prediction } from '../shared/lookahead.js';
import { ArgError, type Decision, type ResolveContext, type ResourceType } from '../types.js';

/** Validated `archive` declaration. */
export interface ArchiveDesired {
  /** The control-node path it comes from (for messages). */
  src: string;
  /** Absolute directory on the host that holds the unpacked content. */
  dest: string;
  /** sha256 of the content (of the tar stream; for a directory, of a reproducible tar of it). */
  sha256: string;
  /** The bytes to send: a gzipped tar. */
  payload: Buffer;
  /** Owner and group given to every unpacked file (default root). */
  owner?: string;
  /** Group of every unpacked file. */
  group?: string;
  /** Mode of the top directory (default 0755). */
  mode: string;
}

/** The content marker found on the host, or undefined when DEST has none. */
export interface ArchiveCurrent {
  /** sha256 recorded by the last unpack. */
  sha256?: string;
  /** Whether DEST exists. */
  exists: boolean;
}

const MARKER = '.provision-archive';

/** The keys a declaration may have. */
const KEYS = ['src', 'dest', 'owner', 'group', 'mode'];

/** The tar stream of a control-node directory, reproducible: sorted names, fixed owners and times. */
function tarDirectory(dir: string): Buffer {
  return execFileSync('tar', ['-C', dir, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--exclude', MARKER, '-cf', '-', '.'], { maxBuffer: 1 << 30 });
}

/** A control-node source as its resolve step read it: only resolve makes one, so validate never reads a file. */
export class ArchiveSource {
  constructor(
    /** The control-node path (for messages). */
    readonly path: string,
    /** sha256 of the content. */
    readonly sha256: string,
    /** The gzipped tar to send. */
    readonly payload: Buffer,
  ) {}
}

/** Reads the source: a directory is tarred, a .tar is gzipped, a .tar.gz/.tgz is sent as is. */
function readSource(src: string): ArchiveSource {
  if (!existsSync(src)) throw new ArgError('src', `'src' ${src} does not exist on the control node`);
  if (statSync(src).isDirectory()) {
    const tar = tarDirectory(src);
    return new ArchiveSource(src, sha256(tar), gzipSync(tar));
  }
  if (/\.(tar\.gz|tgz)$/.test(src)) {
    const bytes = readFileSync(src);
    return new ArchiveSource(src, sha256(bytes), bytes);
  }
  if (src.endsWith('.tar')) {
    const bytes = readFileSync(src);
    return new ArchiveSource(src, sha256(bytes), gzipSync(bytes));
  }
  throw new ArgError('src', `'src' must be a directory, a .tar, .tar.gz or .tgz file, got ${src}`);
}

/** `src`, a path relative to the inventory's directory inside the allowed ones, is read on the control node. */
function resolve(args: Args, control: ResolveContext): Args {
  // A typo'd key is reported before the source is read.
  onlyKeys(args, KEYS);
  if (typeof args.src !== 'string' || args.src === '') return args;
  return { ...args, src: readSource(control.controlPath(args.src, 'src')) };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function validate(args: Args): ArchiveDesired {
  onlyKeys(args, KEYS);
  const source = args.src;
  // What resolve did not read is refused with the message of a bad path.
  if (!(source instanceof ArchiveSource)) throw new ArgError('src', `'src' ${absolutePath(args, 'src')} was not read on the control node`);
  const dest = absolutePath(args, 'dest').replace(/\/+$/, '');
  if (dest === '' || dest.split('/').length < 3) throw new ArgError('dest', `'dest' must be at least two levels deep (it is replaced as a whole), got '${dest || '/'}'`);
  return { src: source.path, dest, sha256: source.sha256, payload: source.payload, owner: accountArg(args, 'owner'), group: accountArg(args, 'group'), mode: optionalMode(args, 'mode') ?? '0755' };
}

function probe(desired: ArchiveDesired): Shell {
  const marker = `${desired.dest}/${MARKER}`;
  return lines(sh`if [ -d ${desired.dest} ]; then echo exists=yes; else echo exists=no; fi`, sh`if [ -f ${marker} ]; then printf 'sha256=%s\\n' "$(cat ${marker})"; fi`);
}

function parse(output: string): ArchiveCurrent {
  const fields = parseFields(output);
  return { exists: fields.get('exists') === 'yes', sha256: fields.get('sha256') };
}

/** The decision: unpack (one change) unless the marker holds the content's sha256 (none). Unpacking is the one action, so apply needs nothing more. */
function decide(desired: ArchiveDesired, current: ArchiveCurrent): Decision {
  if (current.sha256 === desired.sha256) return { changes: [] };
  const from = current.sha256 ? `content ${current.sha256.slice(0, 12)}` : current.exists ? 'a directory provision did not unpack' : 'absent';
  return { changes: [{ summary: `${from} → ${desired.src} (${desired.sha256.slice(0, 12)}, ${desired.payload.length} bytes packed)` }] };
}

/** Unpacks the release beside the old tree and swaps it in (run only for a decision with a change). */
function apply(desired: ArchiveDesired): Shell {
  const dest = desired.dest;
  // -h: a link inside the unpacked tree is changed itself, never what it points to (-R does not follow links below).
  const ownership = desired.owner || desired.group ? sh`chown -h -R ${`${desired.owner ?? 'root'}${desired.group ? `:${desired.group}` : ''}`} "$new"` : undefined;
  return lines(
    FAIL_FUNCTION,
    sh`mkdir -p "$(dirname ${dest})"`,
    sh`new=$(mktemp -d ${`${desired.dest}.new.XXXXXX`})`,
    sh`old=${`${desired.dest}.old.`}$$`,
    // A here-document cannot be followed by a pipe on its closing line: group it.
    sh`{ ${insert(heredocBase64(desired.payload))}`,
    sh`} | tar -xzf - -C "$new" --no-same-owner || { rm -rf "$new"; fail ${`unpacking ${desired.src} failed`}; }`,
    sh`printf '%s\\n' ${desired.sha256} > "$new/${MARKER}"`,
    ownership,
    sh`chmod ${desired.mode} "$new"`,
    // Two renames: the old tree is never half-replaced.
    sh`if [ -e ${dest} ] || [ -L ${dest} ]; then mv ${dest} "$old"; fi`,
    sh`mv "$new" ${dest}`,
    `rm -rf "$old"`,
  );
}

/** The tree once earlier changes of the run are applied: anything that touches it leaves its content to apply. */
function predict(desired: ArchiveDesired, _current: ArchiveCurrent, ahead: Lookahead): Prediction<ArchiveCurrent> | undefined {
  const o = ahead.path(`${desired.dest}/${MARKER}`) ?? ahead.path(desired.dest);
  if (!o) return undefined;
  return { unknown: `${o.by} may change ${desired.dest}${o.kind === 'unknown' ? `: ${o.why}` : ''}`, cases: [{ summary: `if its content is not ${desired.sha256.slice(0, 12)} then: unpacked from ${desired.src}` }] };
}

/** The `archive` resource type. */
export const archive: ResourceType<ArchiveDesired, ArchiveCurrent> = {
  name: 'archive',
  resolve,
  validate,
  label: (desired) => desired.dest,
  probe,
  parse,
  decide,
  apply,
  predict,
  effects: { of: (items) => ({ trees: items.map(({ desired }) => ({ path: desired.dest, by: `archive ${desired.dest}`, kind: 'unknown' as const, why: 'unpacked earlier in this run' })) }) },
};
