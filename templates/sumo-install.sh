#!/bin/sh
# provision: installs, checks and removes the Sumo Logic Installed Collector
# (installed by the sumologic role as /usr/local/sbin/provision-sumo-install).
#
#   provision-sumo-install check   <SETTINGS   exit 0: installed, registered, at the wanted version
#   provision-sumo-install install <SETTINGS   download, verify, install silently, wait for registration
#   provision-sumo-install remove  <SETTINGS   stop, uninstall, clean up
#
# SETTINGS are name=value lines on stdin: provision.dir, provision.url,
# provision.sha256 (empty: not checked), provision.version (empty: any),
# provision.wait (seconds); every other line (sumo.accessid=..., sumo.accesskey=...,
# collector.name=..., syncSources=...) goes to the installer's -varfile, a 0600
# file removed afterwards: the access key is never on a command line.
set -eu
umask 077
mode=${1:-}
fail() { printf 'provision: %s\n' "$1" >&2; exit 1; }
case $mode in check | install | remove) ;; *) fail "usage: provision-sumo-install check|install|remove <settings" ;; esac

dir=/opt/SumoCollector url= sha256= version= wait=120
# The installer's settings, written to its varfile by install only (printf is a builtin: no process sees them).
varfile=
nl='
'
while IFS= read -r line; do
  case $line in
    provision.dir=*) dir=${line#*=} ;;
    provision.url=*) url=${line#*=} ;;
    provision.sha256=*) sha256=${line#*=} ;;
    provision.version=*) version=${line#*=} ;;
    provision.wait=*) wait=${line#*=} ;;
    '') ;;
    *) varfile=$varfile$line$nl ;;
  esac
done
result="$dir/config/.installerResult"
log="$dir/logs/collector.log"

installed() { [ -x "$dir/uninstall" ]; }
# Whether file $1 has a line holding $2, spaces, then $3 (grep -q "$2 *$3"), read by the shell: check starts few processes.
# $2 and $3 are constants: not empty (each pass strips $2, an empty one would never end), no regex characters.
# Sets line and rest. A line longer than any installer result (a corrupt file) goes to grep: the shell's
# ${line#*"$2"} takes time quadratic in the line's length.
holds() {
  while IFS= read -r line || [ -n "$line" ]; do
    [ ${#line} -le 4096 ] || { grep -q "$2 *$3" "$1"; return; }
    while :; do
      case $line in *"$2"*) line=${line#*"$2"} ;; *) break ;; esac
      rest=$line
      while :; do case $rest in ' '*) rest=${rest# } ;; *) break ;; esac; done
      case $rest in "$3"*) return 0 ;; esac
    done
  done <"$1"
  return 1
}
# Sumo's own Chef cookbook reads the same two places: .installerResult (small, read by the shell), else the collector's log.
registered() {
  if [ -f "$result" ]; then holds "$result" '"success":' true; else grep -q 'RegistrationResult(true' "$log" 2>/dev/null; fi
}
refused() { grep -q '"success": *false' "$result" 2>/dev/null || grep -q 'RegistrationResult(false' "$log" 2>/dev/null; }
# The version file's content, trailing line breaks dropped, is the wanted version (read by the shell: check starts few processes).
at_version() {
  [ -n "$version" ] || return 0
  [ -f "$dir/config/.provision-version" ] || return 1
  found=
  while IFS= read -r line || [ -n "$line" ]; do found=$found$line$nl; done <"$dir/config/.provision-version"
  while :; do case $found in *"$nl") found=${found%"$nl"} ;; *) break ;; esac; done
  [ "$found" = "$version" ]
}
# Whether $dir may be removed whole: a collector's (its uninstaller, install4j's own folder, which the
# installer writes first, or its settings: a failed install may leave only those), or empty. sumo_dir
# could name a directory holding something else, which is never removed.
ours() {
  installed || [ -e "$dir/.install4j" ] || [ -e "$dir/config/user.properties" ] || [ -z "$(ls -A -- "$dir" 2>/dev/null)" ]
}
uninstall() {
  if [ -e "$dir" ] && ! ours; then
    fail "$dir holds files but no Sumo Logic collector (no uninstall, .install4j or config/user.properties): not removed; set sumo_dir to a directory of the collector's own"
  fi
  systemctl disable --now collector >/dev/null 2>&1 || true
  if installed; then "$dir/uninstall" -q >/dev/null 2>&1 </dev/null || true; fi
  rm -rf -- "$dir"
}

case $mode in
  check)
    installed && registered && at_version
    exit
    ;;
  remove)
    uninstall
    exit 0
    ;;
esac

[ -n "$url" ] || fail "no installer URL (sumo_installer_url)"
[ -n "$varfile" ] || fail "no installer settings on stdin"
work=$(mktemp -d "${TMPDIR:-/tmp}/provision-sumo.XXXXXXXX")
trap 'rm -rf -- "$work"' EXIT
printf '%s' "$varfile" >"$work/varfile"
# Installed but not registered (e.g. a wrong key last time) or another version: start afresh.
if installed || [ -e "$dir" ]; then uninstall; fi
curl -fsSL --retry 2 --connect-timeout 10 -o "$work/installer.sh" -- "$url" || fail "could not download the collector installer from $url"
if [ -n "$sha256" ]; then
  printf '%s  %s\n' "$sha256" "$work/installer.sh" | sha256sum -c --status - ||
    fail "the installer downloaded from $url does not have the sha256 $sha256 (sumo_installer_sha256)"
fi
if ! sh "$work/installer.sh" -q -console -dir "$dir" -varfile "$work/varfile" </dev/null >"$work/out" 2>&1; then
  cat -- "$work/out" >&2
  fail "the collector installer failed"
fi
skip_removal=no
if grep -q '^skipAccessKeyRemoval=true$' "$work/varfile"; then skip_removal=yes; fi
rm -f -- "$work/varfile"
i=0
while ! registered; do
  if refused; then
    reason=$(sed -n 's/.*RegistrationResult(false, *\(.*\))$/\1/p' "$log" 2>/dev/null | tail -n 1)
    uninstall
    fail "the collector could not register with Sumo Logic: ${reason:-registration refused}; check sumo_access_id and sumo_access_key (the collector was removed again, so the next apply installs it afresh)"
  fi
  [ "$i" -lt "$wait" ] || fail "the collector did not register with Sumo Logic within $wait s (see $log)"
  i=$((i + 1))
  sleep 1
done
# Right after registering the collector rewrites user.properties without accesskey: wait for
# that, so that a restart notified later in the run cannot meet it half-written.
while [ "$skip_removal" = no ] && [ "$i" -lt "$wait" ] && grep -q '^accesskey=' "$dir/config/user.properties" 2>/dev/null; do
  i=$((i + 1))
  sleep 1
done
[ -z "$version" ] || printf '%s\n' "$version" >"$dir/config/.provision-version"
echo "collector installed in $dir and registered"
