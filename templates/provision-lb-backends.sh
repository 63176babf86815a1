#!/bin/sh
# Managed by provision (role loadbalancer): the backends of an nginx upstream,
# and taking one out of rotation (drain) and back (undrain) for rolling deploys.
#
#   provision-lb-backends render UPSTREAM               write the live upstream (checked with nginx -t first)
#   provision-lb-backends check UPSTREAM                exit 0 when the live upstream is what render writes
#                                                       and no other upstream's file is left (prune)
#   provision-lb-backends validate UPSTREAM CANDIDATE   nginx -t with CANDIDATE as the upstream's source
#   provision-lb-backends drain UPSTREAM WAIT BACKEND   mark BACKEND down, reload nginx, wait (at most
#                                                       WAIT seconds) for the requests in flight to finish
#   provision-lb-backends undrain UPSTREAM WAIT BACKEND put BACKEND back the same way
#   provision-lb-backends drained UPSTREAM              list the drained backends
#   provision-lb-backends prune UPSTREAM                remove the files of every other upstream (after
#                                                       a rename), each live one checked with nginx -t first,
#                                                       and reload nginx when a live one went
#
# The source, /etc/provision/lb/UPSTREAM.conf, is the upstream block that
# provision renders from the inventory: one `server ...; # backend NAME` line per
# backend. The drained names are kept apart, in /var/lib/provision/lb/UPSTREAM.drained,
# and the live file /etc/nginx/conf.d/provision-upstream-UPSTREAM.conf is the
# source with `down` on their lines: applying the source never puts a drained
# backend back, and a drain never makes the source differ from the inventory.
set -eu
usage() { echo "usage: provision-lb-backends render|check|validate|drain|undrain|drained|prune UPSTREAM [...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
command=$1
upstream=$2
case $upstream in '' | *[!A-Za-z0-9_-]*) echo "provision-lb-backends: bad upstream name '$upstream'" >&2; exit 2 ;; esac
source_file=/etc/provision/lb/$upstream.conf
drained_file=/var/lib/provision/lb/$upstream.drained
live=/etc/nginx/conf.d/provision-upstream-$upstream.conf

nl='
'

# The text of file $1 in $text, its lines and final newline as they are (the
# shell's read drops NUL bytes, which no text this helper writes holds): the
# shell's own read, no process (`check` runs in every provision probe of this host).
read_text() {
  text=
  line=
  while IFS= read -r line; do text=$text$line$nl; done < "$1"
  text=$text$line
}

# File $1 (a source) with ` down` on the lines of drained backends, each line
# ending in a newline, in $generated; builtins only, like read_text.
generate() {
  drained=$nl
  if [ -f "$drained_file" ]; then read_text "$drained_file"; drained=$nl$text$nl; fi
  generated=
  while IFS= read -r line || [ -n "$line" ]; do
    # The name after the line's last "; # backend ": not empty, no space.
    name=${line##*'; # backend '}
    case $name in
      "$line" | '' | *' '*) ;;
      *) case $drained in *"$nl$name$nl"*) line="${line%"; # backend $name"} down; # backend $name" ;; esac ;;
    esac
    generated=$generated$line$nl
  done < "$1"
}

# Backends of the source, one name per line.
backends() {
  sed -n 's/.*; # backend \([^ ]*\)$/\1/p' "$source_file"
}

is_drained() {
  [ -f "$drained_file" ] && grep -qxF -- "$1" "$drained_file"
}

# Checks a generated upstream with the rest of nginx's configuration, then puts it in place.
install_live() {
  tmp=$(mktemp "$live.XXXXXX")
  generate "$1"
  printf '%s' "$generated" > "$tmp"
  if ! /usr/local/sbin/provision-nginx-check "$tmp" "$live"; then rm -f "$tmp"; exit 1; fi
  chmod 0644 "$tmp"
  mv -f "$tmp" "$live"
}

# Without a source nothing is current: the role writes it earlier in the same
# run (a first apply, a renamed upstream), so render must be decided then.
is_current() {
  [ -f "$source_file" ] || return 1
  [ -f "$live" ] || return 1
  generate "$source_file"
  read_text "$live"
  [ "$text" = "$generated" ]
}

# Reloads nginx and waits until its workers from before the reload have
# finished their requests and exited (told to stop, they accept no new ones).
reload_and_wait() {
  wait_seconds=$1
  systemctl is-active --quiet nginx || return 0
  old=$(grep -l -s -a 'nginx: worker process' /proc/[0-9]*/cmdline | sed 's#^/proc/\([0-9]*\)/cmdline$#\1#' || true)
  systemctl reload nginx
  deadline=$(( $(date +%s) + wait_seconds ))
  for pid in $old; do
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "provision-lb-backends: an nginx worker (pid $pid) still has requests in flight after $wait_seconds s; going on" >&2
        return 0
      fi
      sleep 0.1
    done
  done
}

# The backends in rotation other than $1, one per line.
others_in_rotation() {
  backends | while read -r other; do
    [ "$other" = "$1" ] || is_drained "$other" || echo "$other"
  done
}

# The address:port nginx connects to for backend $1 (its source line's server, unquoted).
server_of() {
  awk -v name="$1" 'match($0, /; # backend [^ ]+$/) && substr($0, RSTART + 12) == name { gsub(/"/, "", $2); print $2; exit }' "$source_file"
}

# The status backend $1 answers here to a plain HTTP request for / within 3 s (000: no answer).
status_of() {
  curl -g -s -o /dev/null -w '%{http_code}' --connect-timeout 2 --max-time 3 "http://$(server_of "$1")/" </dev/null || true
}

# Serves: answers a status below 500 (one with TLS answers a plain request with 400).
serves() {
  case $1 in [1-4][0-9][0-9]) return 0 ;; *) return 1 ;; esac
}

# Exits 3 when $1 serves and no other backend in rotation does: a backend that
# is down, or whose application is, would serve no request once $1 is out. A
# backend that serves nothing itself (all of them, while the load balancer
# switches to a scheme its backends do not speak yet) loses nothing by going out.
# Without curl here, this is not checked.
refuse_unless_another_serves() {
  command -v curl >/dev/null 2>&1 || return 0
  seen=''
  for other in $(others_in_rotation "$1"); do
    code=$(status_of "$other")
    serves "$code" && return 0
    case $code in 000) seen="$seen, $other: no answer within 3 s" ;; *) seen="$seen, $other: status $code" ;; esac
  done
  serves "$(status_of "$1")" || return 0
  echo "refusing to take $1 out of $upstream: no other backend in rotation serves (${seen#, })" >&2
  exit 3
}

# Runs `$@ FILE` on each file of an upstream other than this one (a renamed one's)
# and stops at the first that fails; builtins only, like read_text.
each_other() {
  for f in /etc/nginx/conf.d/provision-upstream-*.conf /etc/provision/lb/*.conf /var/lib/provision/lb/*.drained; do
    case $f in
      "$live" | "$source_file" | "$drained_file") continue ;;
      "${live%/*}"/*) [ -e "$f" ] || continue ;;
      # Only what rm -f removes: a directory named like a source or drained list would fail check for ever.
      *) [ -f "$f" ] || [ -L "$f" ] || continue ;;
    esac
    "$@" "$f" || return 1
  done
}

# Removes file $1 of another upstream; a live one only once nginx -t passes without it
# (and nginx is to be reloaded: $unloaded).
remove_other() {
  case $1 in "${live%/*}"/*) /usr/local/sbin/provision-nginx-check /dev/null "$1" || exit 1; unloaded=yes ;; esac
  rm -f "$1" || exit 1
  echo "removed $1"
}

# prune runs as the role's handler, after the reload its other changes asked for: it reloads
# nginx itself once an upstream block it removed is still loaded.
prune() {
  unloaded=
  each_other remove_other
  if [ -n "$unloaded" ] && systemctl is-active --quiet nginx; then systemctl reload nginx; fi
}

change() {
  [ $# -eq 4 ] || usage
  wait_seconds=$3
  backend=$4
  case $wait_seconds in '' | *[!0-9]*) echo "provision-lb-backends: bad wait '$wait_seconds'" >&2; exit 2 ;; esac
  case $backend in '' | *[!A-Za-z0-9_.-]*) echo "provision-lb-backends: bad backend name '$backend'" >&2; exit 2 ;; esac
  if [ ! -f "$source_file" ] || ! backends | grep -qxF -- "$backend"; then
    echo "$backend is not a backend of $upstream here: nothing to do"
    return 0
  fi
  mkdir -p "$(dirname "$drained_file")"
  if [ "$command" = drain ]; then
    if ! is_drained "$backend"; then
      # Never all out at once: another backend must stay in rotation, and serve.
      if [ -z "$(others_in_rotation "$backend")" ]; then
        echo "refusing to take $backend out of $upstream: no other backend would be left in rotation" >&2
        exit 3
      fi
      refuse_unless_another_serves "$backend"
      echo "$backend" >> "$drained_file"
    fi
  elif [ -f "$drained_file" ]; then
    grep -vxF -- "$backend" "$drained_file" > "$drained_file.tmp" || true
    mv -f "$drained_file.tmp" "$drained_file"
  fi
  if ! is_current; then
    install_live "$source_file"
    reload_and_wait "$wait_seconds"
  fi
  echo "$backend: $command done on $upstream"
}

case $command in
  render) [ -f "$source_file" ] || exit 0; is_current || install_live "$source_file" ;;
  # Leftovers of a renamed upstream fail it too: the role's render then notifies prune.
  check) is_current && each_other false ;;
  prune) prune ;;
  validate)
    [ $# -eq 3 ] || usage
    tmp=$(mktemp "$live.XXXXXX")
    trap 'rm -f "$tmp"' EXIT
    generate "$3"
    printf '%s' "$generated" > "$tmp"
    /usr/local/sbin/provision-nginx-check "$tmp" "$live"
    ;;
  drain | undrain) change "$@" ;;
  drained) [ ! -f "$drained_file" ] || cat "$drained_file" ;;
  *) usage ;;
esac
