/**
 * Learning on a host what installing (or removing) Debian packages will do,
 * without doing it: apt's own simulation says which packages, in which order;
 * their .deb files (from apt's cache, a file: repository, or downloaded into a
 * temporary directory that is removed afterwards) give the file list, the
 * conffiles, the maintainer scripts and the small files worth reading (unit
 * files, conffiles, sysusers.d and tmpfiles.d entries). Removals are read from
 * dpkg's database. Nothing on the host changes: apt runs with -s / --print-uris
 * and without taking its locks.
 */
import { insert, joinShell, sh, trusted, words, type Shell } from '../../shell/quote.js';
import { lines } from '../shared/script.js';

/** Largest file whose content the study sends back. */
export const STUDY_MAX_FILE = 64 * 1024;

/** One entry of a package's file list. */
export interface DebEntry {
  /** Absolute path. */
  path: string;
  /** What it is. */
  type: 'file' | 'directory' | 'link' | 'hardlink' | 'other';
  /** Four-digit octal mode. */
  mode: string;
  /** Owner name. */
  owner: string;
  /** Group name. */
  group: string;
  /** Size in bytes. */
  size: number;
  /** A link's target. */
  target?: string;
}

/** A package apt would install (or upgrade), as its .deb tells. */
export interface DebPackage {
  /** Package name. */
  name: string;
  /** Version to be installed. */
  version: string;
  /** Architecture. */
  arch: string;
  /** dpkg's status of the package before (not-installed, config-files, installed, ...). */
  before: string;
  /** Its file list; undefined when the .deb could not be read. */
  entries?: DebEntry[];
  /** Conffiles (absolute paths). */
  conffiles: string[];
  /** Depends and Pre-Depends, as written. */
  depends: string;
  /** Maintainer scripts by name (preinst, postinst, prerm, postrm). */
  scripts: Record<string, string>;
  /** Small files read from the .deb: path → sha256 and content. */
  files: Map<string, { sha256: string; content: string }>;
}

/** A package that will be removed, as dpkg's database tells. */
export interface RemovedPackage {
  /** Package name. */
  name: string;
  /** Purged (conffiles go too) rather than removed. */
  purge: boolean;
  /** Paths it owns. */
  paths: string[];
  /** Its conffiles. */
  conffiles: string[];
  /** Maintainer scripts (prerm, postrm). */
  scripts: Record<string, string>;
}

/** Everything the study learnt. */
export interface Study {
  /** systemd is running (deb-systemd-invoke starts units). */
  systemd: boolean;
  /** /usr/sbin/policy-rc.d exists: it may forbid starting services. */
  policyRcD: boolean;
  /** /lib, /bin, /sbin are links into /usr. */
  usrMerged: boolean;
  /** Units deb-systemd-helper has state for (removed, not purged, packages): was-enabled follows that state. */
  helperState: Set<string>;
  /** dpkg-statoverride entries: path → owner, group, mode. */
  overrides: Map<string, { owner: string; group: string; mode: string }>;
  /** Packages to be installed, in apt's order of installation. */
  installs: DebPackage[];
  /** apt's configure order (package names). */
  configureOrder: string[];
  /** Packages to be removed. */
  removals: RemovedPackage[];
  /** Why part of it could not be learnt (apt's error, a .deb that could not be read). */
  errors: string[];
}

/** The study script for packages to install and to remove (names as the package resource validated them). */
export function studyScript(install: readonly string[], remove: readonly string[], purge: readonly string[]): Shell {
  return lines(
    'PATH="$PATH:/usr/sbin:/sbin"',
    `t=$(mktemp -d "\${TMPDIR:-/tmp}/provision-study.XXXXXXXX") || { echo 'error=cannot make a temporary directory'; exit 0; }`,
    `trap 'rm -rf -- "$t"' EXIT`,
    '[ ! -d /run/systemd/system ] || echo systemd=yes',
    '[ ! -e /usr/sbin/policy-rc.d ] || echo policy_rc_d=yes',
    '[ ! -L /lib ] || echo usrmerge=yes',
    'for f in /var/lib/systemd/deb-systemd-helper-enabled/*.dsh-also; do [ -e "$f" ] || continue; f=${f##*/}; echo "helper_state=${f%.dsh-also}"; done',
    `dpkg-statoverride --list 2>/dev/null | sed 's/^/override=/'`,
    'apt_s() { apt-get -s -q -o Debug::NoLocking=1 "$@" 2>&1 </dev/null; }',
    install.length > 0 && installPart(words(install)),
    remove.length > 0 && removePart(words(remove), 'remove'),
    purge.length > 0 && removePart(words(purge), 'purge'),
  );
}

/** apt's simulation, the .debs, and per package: status, control area, file list, small files. */
function installPart(names: Shell): Shell {
  return lines(
    sh`if ! apt_s install -- ${insert(names)} >"$t/sim"; then sed -n 's/^E: /error=/p' "$t/sim"; fi`,
    `sed -n 's/^Conf \\([^ ]*\\) .*/conf=\\1/p' "$t/sim"`,
    // "Inst NAME [OLD] (VERSION REPO [ARCH]) [...]" → NAME VERSION ARCH
    `awk '$1 == "Inst" { v = ""; a = ""; for (i = 3; i <= NF; i++) { if (v == "" && $i ~ /^\\(/) v = substr($i, 2); else if (v != "" && $i ~ /\\]\\)$/) { a = $i; break } } gsub(/[][)]/, "", a); print $2, v, a }' "$t/sim" >"$t/pkgs"`,
    // Where each .deb can be read: apt's cache, a file: URI (read in place), else downloaded.
    sh`apt-get install --print-uris -qq -o Debug::NoLocking=1 -- ${insert(names)} 2>/dev/null </dev/null | awk '${insert(URI_AWK)}' >"$t/uris"`,
    'mkdir "$t/d" && { chown _apt "$t/d" 2>/dev/null || true; }',
    'while read -r n v a; do',
    '  f="/var/cache/apt/archives/${n}_$(printf %s "$v" | sed \'s/:/%3a/\')_$a.deb"',
    '  [ -f "$f" ] && continue',
    '  u=$(awk -v f="${f##*/}" \'$1 == f { print $2; exit }\' "$t/uris")',
    '  case $u in /*) ;; *) printf \'%s=%s\\n\' "$n" "$v" ;; esac',
    'done <"$t/pkgs" >"$t/fetch"',
    `if [ -s "$t/fetch" ]; then (cd "$t/d" && xargs apt-get download -q -o Debug::NoLocking=1 <"$t/fetch" >"$t/download" 2>&1) || sed -n 's/^E: /error=/p' "$t/download"; fi`,
    'while read -r n v a; do',
    '  base="${n}_$(printf %s "$v" | sed \'s/:/%3a/\')_$a.deb"',
    '  f="/var/cache/apt/archives/$base"',
    '  [ -f "$f" ] || f=$(awk -v f="$base" \'$1 == f && $2 ~ /^\\// { print $2; exit }\' "$t/uris")',
    '  [ -n "$f" ] && [ -f "$f" ] || f="$t/d/$base"',
    '  echo "deb=$n $v $a $(dpkg-query -W -f=\'${db:Status-Status}\' -- "$n:$a" 2>/dev/null || echo not-installed)"',
    '  if [ -f "$f" ] && dpkg-deb -e "$f" "$t/c" 2>/dev/null; then',
    '    for s in preinst postinst; do if [ -f "$t/c/$s" ]; then printf \'script_%s=\' "$s"; base64 -w0 <"$t/c/$s"; echo; fi; done',
    '    [ ! -f "$t/c/conffiles" ] || sed \'s/^/conffile=/\' "$t/c/conffiles"',
    `    sed -n 's/^\\(Pre-\\)\\{0,1\\}Depends: /depends=/p' "$t/c/control"`,
    '    dpkg-deb --fsys-tarfile "$f" | tar -tvf - >"$t/list" 2>/dev/null',
    '    sed \'s/^/list=/\' "$t/list"',
    // Small files worth reading: what is under /etc, unit files, sysusers.d and tmpfiles.d entries.
    sh`    awk '$1 ~ /^-/ && $3 <= ${STUDY_MAX_FILE} && ($6 ~ /^\\.\\/etc\\// || $6 ~ /\\/systemd\\/system\\/[^/]+$/ || $6 ~ /\\/(sysusers|tmpfiles)\\.d\\/[^/]+\\.conf$/) { print $6 }' "$t/list" >"$t/small"`,
    '    if [ -s "$t/small" ]; then',
    '      mkdir "$t/x"',
    '      dpkg-deb --fsys-tarfile "$f" | tar -xf - -C "$t/x" -T "$t/small" 2>/dev/null',
    '      while read -r m; do',
    '        [ -f "$t/x/$m" ] || continue',
    '        s=$(sha256sum <"$t/x/$m")',
    '        printf \'file=%s %s \' "${m#.}" "${s%% *}"; base64 -w0 <"$t/x/$m"; echo',
    '      done <"$t/small"',
    '      rm -rf -- "$t/x"',
    '    fi',
    '    rm -rf -- "$t/c"',
    '  else',
    '    echo "unread=$n $v: its .deb could not be read"',
    '  fi',
    '  echo end=',
    'done <"$t/pkgs"',
  );
}

/** file: URIs decoded to paths ("FILE PATH"); other URIs kept as they are ("FILE URI"). */
const URI_AWK = joinShell([
  trusted('function hex(h,  n, i) { n = 0; h = tolower(h); for (i = 1; i <= 2; i++) n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1; return n }'),
  trusted('function dec(s,  o, i, c) { o = ""; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); if (c == "%") { o = o sprintf("%c", hex(substr(s, i + 1, 2))); i += 2 } else o = o c } return o }'),
  trusted('{ u = $1; gsub(/\\047/, "", u); if (u ~ /^file:/) { u = dec(substr(u, 6)); sub(/^\\/\\/+/, "/", u) } print $2, u }'),
], ' ');

/** Removals: dpkg's file list, conffiles and removal scripts of each package. */
function removePart(names: Shell, how: 'remove' | 'purge'): Shell {
  return lines(
    sh`if ! apt_s ${how} -- ${insert(names)} >"$t/sim-${how}"; then sed -n 's/^E: /error=/p' "$t/sim-${how}"; fi`,
    sh`for n in $(awk '$1 == "Remv" || $1 == "Purg" { print $2 }' "$t/sim-${how}"); do`,
    sh`  echo "removed=$n ${how}"`,
    '  i=/var/lib/dpkg/info',
    '  for l in "$i/$n.list" "$i/$n":*.list; do [ -f "$l" ] && sed \'s/^/path=/\' "$l"; done',
    '  for l in "$i/$n.conffiles" "$i/$n":*.conffiles; do [ -f "$l" ] && sed \'s/^/conffile=/\' "$l"; done',
    '  for s in prerm postrm; do for l in "$i/$n.$s" "$i/$n":*."$s"; do if [ -f "$l" ]; then printf \'script_%s=\' "$s"; base64 -w0 <"$l"; echo; fi; done; done',
    '  echo end=',
    'done',
  );
}

/** Parses the study's output. */
export function parseStudy(output: string): Study {
  const study: Study = { systemd: false, policyRcD: false, usrMerged: false, helperState: new Set(), overrides: new Map(), installs: [], configureOrder: [], removals: [], errors: [] };
  let deb: DebPackage | undefined;
  let removed: RemovedPackage | undefined;
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    switch (key) {
      case 'systemd':
        study.systemd = true;
        break;
      case 'policy_rc_d':
        study.policyRcD = true;
        break;
      case 'usrmerge':
        study.usrMerged = true;
        break;
      case 'helper_state':
        study.helperState.add(value);
        break;
      case 'override': {
        const [owner, group, mode, ...path] = value.split(' ');
        if (owner && group && mode && path.length > 0) study.overrides.set(path.join(' '), { owner, group, mode: mode.padStart(4, '0') });
        break;
      }
      case 'error':
        study.errors.push(value);
        break;
      case 'conf':
        study.configureOrder.push(value);
        break;
      case 'deb': {
        const [name = '', version = '', arch = '', before = 'not-installed'] = value.split(' ');
        deb = { name, version, arch, before, conffiles: [], depends: '', scripts: {}, files: new Map(), entries: [] };
        study.installs.push(deb);
        break;
      }
      case 'removed': {
        const [name = '', how] = value.split(' ');
        removed = { name, purge: how === 'purge', paths: [], conffiles: [], scripts: {} };
        study.removals.push(removed);
        break;
      }
      case 'unread':
        if (deb) deb.entries = undefined;
        study.errors.push(value);
        break;
      case 'conffile':
        // "remove-on-upgrade /etc/x" and "/etc/x obsolete": the path is the word that starts with a slash.
        (deb ?? removed)?.conffiles.push(value.trim().split(/\s+/).find((w) => w.startsWith('/')) ?? value.trim());
        break;
      case 'depends':
        if (deb) deb.depends = deb.depends ? `${deb.depends}, ${value}` : value;
        break;
      case 'list': {
        const entry = parseListing(value);
        if (entry && deb?.entries) deb.entries.push(entry);
        break;
      }
      case 'path':
        removed?.paths.push(value);
        break;
      case 'file': {
        const [path = '', sha256 = '', content = ''] = value.split(' ');
        deb?.files.set(path, { sha256, content: Buffer.from(content, 'base64').toString('utf8') });
        break;
      }
      case 'end':
        deb = undefined;
        removed = undefined;
        break;
      default:
        if (key.startsWith('script_')) (deb ?? removed)!.scripts[key.slice('script_'.length)] = Buffer.from(value, 'base64').toString('utf8');
    }
  }
  return study;
}

/** One line of `tar -tv`: "drwxr-xr-x root/root 0 2023-05-18 14:03 ./etc/" (links: "./a -> b", hard links: "./a link to ./b"). */
export function parseListing(line: string): DebEntry | undefined {
  const m = /^([-dlhcbps])([-rwxsStT]{9})\s+([^/\s]+)\/(\S+)\s+(\d+|\d+,\s*\d+)\s+\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)? (.*)$/.exec(line);
  if (!m) return undefined;
  const [, kind, perms, owner, group, size, rest] = m as unknown as [string, string, string, string, string, string, string];
  let name = rest;
  let target: string | undefined;
  if (kind === 'l' && rest.includes(' -> ')) [name, target] = [rest.slice(0, rest.indexOf(' -> ')), rest.slice(rest.indexOf(' -> ') + 4)];
  if (kind === 'h' && rest.includes(' link to ')) [name, target] = [rest.slice(0, rest.indexOf(' link to ')), rest.slice(rest.indexOf(' link to ') + 9)];
  const path = `/${name.replace(/^\.?\/*/, '').replace(/\/+$/, '')}`;
  const type = kind === '-' ? 'file' : kind === 'd' ? 'directory' : kind === 'l' ? 'link' : kind === 'h' ? 'hardlink' : 'other';
  return { path, type, mode: modeOf(perms), owner, group, size: type === 'file' ? Number(size) : 0, ...(target !== undefined ? { target } : {}) };
}

/** "rwsr-xr-x" → "4755". */
function modeOf(perms: string): string {
  const bits = (r: string, w: string, x: string): number => (r === 'r' ? 4 : 0) + (w === 'w' ? 2 : 0) + (/[xst]/.test(x) ? 1 : 0);
  const special = (/[sS]/.test(perms[2]!) ? 4 : 0) + (/[sS]/.test(perms[5]!) ? 2 : 0) + (/[tT]/.test(perms[8]!) ? 1 : 0);
  return `${special}${bits(perms[0]!, perms[1]!, perms[2]!)}${bits(perms[3]!, perms[4]!, perms[5]!)}${bits(perms[6]!, perms[7]!, perms[8]!)}`;
}
