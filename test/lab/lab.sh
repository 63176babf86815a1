#!/usr/bin/env bash
# The provision test lab: three Debian bookworm hosts booted as systemd-nspawn
# containers on a private bridge, a local apt repository they install from,
# a Pebble ACME server and a fake Sumo Logic on the control side. See test/lab/README.md.
# `--hosts N` adds plain hosts node-04 ... node-NN (for scale benchmarks).
#
#   lab.sh up [--hosts N] | down | reset [--hosts N] | status | stop HOST | start HOST | exec HOST CMD...
#   lab.sh pebble-stop | pebble-start
#
# Only traffic between the control side (10.77.0.1) and the lab hosts
# (10.77.0.11-70): nothing here talks to any other address, except the
# one-time package download by mmdebstrap through the machine's apt setup.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE_DIR="$SCRIPT_DIR/.state"
LAB_DIR="${PROVISION_LAB_DIR:-/var/tmp/provision-lab}"
CACHE="$LAB_DIR/cache"
BASE="$LAB_DIR/base"
HOSTS_DIR="$LAB_DIR/hosts"
RUN="$LAB_DIR/run"
PEBBLE_DIR="$LAB_DIR/pebble"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

BRIDGE=provlab0
BRIDGE_IP=10.77.0.1
BRIDGE_MAC=02:77:00:00:00:01
HOSTS=(lb-01 web-01 web-02)
declare -A ADDR=([lb-01]=10.77.0.11 [web-01]=10.77.0.12 [web-02]=10.77.0.13)
declare -A HEX=([lb-01]=11 [web-01]=12 [web-02]=13)
# Extra hosts for scale runs (`up --hosts N`): node-04 ... node-60, sshd only
# (they install from the same local repository), address 10.77.0.(10+i).
MAX_HOSTS=60
for ((i = 4; i <= MAX_HOSTS; i++)); do
  printf -v _h 'node-%02d' "$i"
  ADDR[$_h]=10.77.0.$((10 + i))
  HEX[$_h]=$((10 + i)) # the address's last number, read as hex digits: 14 ... 70, never 11-13
done
unset _h i
WANT_HOSTS=3 # `--hosts N`
INVENTORY=inventory/lab.yaml

SUITE=bookworm
BASE_PKGS=systemd,systemd-sysv,dbus,openssh-server,iproute2,python3-minimal,ca-certificates,sudo
REPO_PKGS=(nginx ufw mariadb-server cron curl ca-certificates nodejs openssl sudo)
# Bump when the way the cache or the base is built changes: forces a rebuild.
BUILD_VERSION=1

READY_TIMEOUT="${LAB_READY_TIMEOUT:-60}"   # seconds per boot until sshd + systemd are ready
STOP_TIMEOUT="${LAB_STOP_TIMEOUT:-15}"     # seconds for an orderly shutdown before SIGKILL

log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: lab.sh COMMAND
  up [--hosts N]  build (first time) and boot the lab; fast when it is already up.
                  N (3-60) hosts: the three below plus node-04 ... node-NN
                  (10.77.0.14 ...), sshd only; without --hosts: 3, extra hosts stop.
                  Writes test/lab/.state/inventory-N.yaml (every host, role common)
  down            stop everything the lab started and remove its mounts and network
  reset [--hosts N]  fresh hosts (their changes are thrown away), caches kept
  status          one line per host (and pebble): up or down
  stop HOST       kill HOST's container as if the machine died
  start HOST      boot HOST again (its state survives) and wait for sshd
  exec HOST CMD   run CMD on HOST as root over ssh; exits with its code
  pebble-stop     stop Pebble and its DNS
  pebble-start    start Pebble and its DNS
hosts: lb-01 (10.77.0.11), web-01 (10.77.0.12), web-02 (10.77.0.13), node-04 (10.77.0.14) ... node-60 (10.77.0.70)
EOF
}

# Daemons the lab starts (Pebble, the fake Sumo Logic) close every descriptor they would
# inherit: a caller's lock (`flock LOCK lab.sh up`) would otherwise stay held while they live.
close_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

need_root() { [[ $EUID -eq 0 ]] || die "must run as root (containers, mounts and network namespaces need it)"; }

# Missing tools are installed from Debian's packages (the lab runs as root anyway),
# so `npm install && npm run demo` works on a fresh machine.
need_tools() {
  local t missing=()
  local -A pkgs=(
    [mmdebstrap]=mmdebstrap [systemd-nspawn]=systemd-container [ip]=iproute2 [iptables]=iptables
    [ssh]=openssh-client [ssh-keygen]=openssh-client [openssl]=openssl [dpkg-scanpackages]=dpkg-dev
    [pebble]=pebble [pebble-challtestsrv]=pebble [curl]=curl [flock]=util-linux [setsid]=util-linux
    [mountpoint]=util-linux [tar]=tar [timeout]=coreutils [sha256sum]=coreutils [chroot]=coreutils
    [age-keygen]=age
  )
  for t in "${!pkgs[@]}"; do
    command -v "$t" >/dev/null 2>&1 || missing+=("${pkgs[$t]}")
  done
  ((${#missing[@]})) || return 0
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing the lab's tools: ${missing[*]}"
  { DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-upgrade "${missing[@]}"; } </dev/null >&2 \
    || die "could not install ${missing[*]} with apt-get (see above)"
}

check_host() {
  local h=${1:-}
  [[ -n $h && -n ${ADDR[$h]:-} ]] || die "unknown host '${h}' (hosts: ${HOSTS[*]}, node-04 ... node-$MAX_HOSTS)"
}

is_extra() { [[ $1 =~ ^node-[0-9][0-9]$ && -n ${ADDR[$1]:-} ]]; }

# node-04 ... node-NN
extra_names() { # N
  local i
  for ((i = 4; i <= $1; i++)); do printf 'node-%02d\n' "$i"; done
}

# Extra hosts with anything live or left over: a pid file, a mount, a network
# namespace, a veth or a cgroup (a stopped, clean host only has its disk).
found_extras() {
  local f n d
  local -A seen=()
  for f in "$RUN"/node-*.pid; do
    [[ -e $f ]] || continue
    n=${f##*/}
    seen[${n%.pid}]=1
  done
  while read -r n; do seen[$n]=1; done < <(ip netns list 2>/dev/null | sed -n 's/^provlab-\(node-[0-9]*\).*/\1/p')
  while read -r n; do seen[$n]=1; done < <(ip -o link show 2>/dev/null | sed -n 's/^[0-9]*: pl-\(node-[0-9]*\)[@:].*/\1/p')
  while read -r n; do seen[$n]=1; done < <(awk -v d="$HOSTS_DIR/" 'index($2, d) == 1 { n = substr($2, length(d) + 1); sub("/root$", "", n); print n }' /proc/self/mounts)
  for d in $(cgroup_roots); do
    for f in "$d"/provlab-node-*; do
      [[ -d $f ]] && seen[${f##*/provlab-}]=1
    done
  done
  for n in "${!seen[@]}"; do is_extra "$n" && printf '%s\n' "$n"; done | sort
  return 0
}

# Every host name the lab knows, reference hosts first.
wanted_hosts_all() {
  printf '%s\n' "${HOSTS[@]}"
  extra_names "$MAX_HOSTS"
}

# The lab's hosts for WANT_HOSTS: the three reference hosts, then node-04 ... node-NN.
wanted_hosts() {
  printf '%s\n' "${HOSTS[@]}"
  extra_names "$WANT_HOSTS"
}

# Stops (MODE) extra hosts that run or left something behind and are not in the lab of WANT_HOSTS.
stop_unwanted() { # MODE
  local n unwanted=()
  while read -r n; do
    [[ -n $n ]] || continue
    ((10#${n#node-} > WANT_HOSTS)) && unwanted+=("$n")
  done < <(found_extras)
  ((${#unwanted[@]})) || return 0
  stop_hosts "$1" "${unwanted[@]}"
  log "stopped: ${unwanted[*]}"
}

lock() {
  mkdir -p "$LAB_DIR" "$RUN"
  exec 9>"$LAB_DIR/lock"
  flock -w 900 9 || die "another lab.sh holds $LAB_DIR/lock for more than 15 minutes"
}

# ---------------------------------------------------------------- processes
# A pid file holds "PID STARTTIME"; a pid counts as ours only while the
# process with that pid still has that start time (pids get reused).
# Prints the start time of a live process; fails for a gone or zombie one.
proc_start() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  [[ $1 != Z && $1 != X ]] || return 1
  printf '%s\n' "${20}"
}

record_pid() { # NAME PID
  local st
  st=$(proc_start "$2") || st=0
  printf '%s %s\n' "$2" "$st" >"$RUN/$1.pid"
}

recorded_pid() { # NAME -> prints the pid if that process is still alive
  local f="$RUN/$1.pid" pid st cur
  [[ -f $f ]] || return 1
  read -r pid st <"$f" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cur=$(proc_start "$pid") || return 1
  [[ $cur == "$st" ]] || return 1
  printf '%s\n' "$pid"
}

alive() { # PID STARTTIME
  local cur
  cur=$(proc_start "$1") || return 1
  [[ $cur == "$2" ]]
}

# Waits until the recorded process is gone; SIGKILL after TIMEOUT seconds.
stop_recorded() { # NAME SIGNAL TIMEOUT
  local name=$1 sig=$2 timeout=$3 pid st i
  pid=$(recorded_pid "$name") || { rm -f "$RUN/$name.pid"; return 0; }
  st=$(proc_start "$pid")
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    alive "$pid" "$st" || break
    sleep 0.1
  done
  if alive "$pid" "$st"; then
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do alive "$pid" "$st" || break; sleep 0.1; done
  fi
  alive "$pid" "$st" && die "process $pid ($name) survives SIGKILL"
  rm -f "$RUN/$name.pid"
}

# ---------------------------------------------------------------- state dir
ensure_state() {
  mkdir -p "$STATE_DIR"
  chmod 700 "$STATE_DIR"
  if [[ ! -f $STATE_DIR/id_ed25519 || ! -f $STATE_DIR/id_ed25519.pub ]]; then
    rm -f "$STATE_DIR/id_ed25519" "$STATE_DIR/id_ed25519.pub"
    ssh-keygen -q -t ed25519 -N '' -C provision-lab -f "$STATE_DIR/id_ed25519" </dev/null
  fi
  chmod 600 "$STATE_DIR/id_ed25519"
  # The lab inventory's secrets, random per clone; `set -a; . test/lab/.state/secrets.env` exports them.
  if [[ ! -f $STATE_DIR/secrets.env ]]; then
    (umask 077 && printf 'APP_DB_PASSWORD=%s\nMYSQL_REPLICATION_PASSWORD=%s\n' "$(openssl rand -hex 16)" "$(openssl rand -hex 16)" >"$STATE_DIR/secrets.env.tmp")
    mv -f "$STATE_DIR/secrets.env.tmp" "$STATE_DIR/secrets.env"
  fi
  # The fake Sumo Logic's access id/key (added to a secrets file made before it existed).
  if ! grep -q '^SUMO_ACCESS_KEY=' "$STATE_DIR/secrets.env"; then
    (umask 077 && printf 'SUMO_ACCESS_ID=su%s\nSUMO_ACCESS_KEY=%s\n' "$(openssl rand -hex 7)" "$(openssl rand -hex 32)" >>"$STATE_DIR/secrets.env")
  fi
  ensure_sops_secrets
}

# inventory/lab.yaml reads its secrets from a SOPS file, as a team would keep them in git:
# secrets.sops.yaml, encrypted by provision for the lab's own age key (age-key.txt; the key is
# made per machine, so the file is made here too, again whenever the key or secrets.env change).
ensure_sops_secrets() {
  local key=$STATE_DIR/age-key.txt out=$STATE_DIR/secrets.sops.yaml plain=$STATE_DIR/secrets.plain.tmp.yaml sum
  if [[ ! -f $key ]]; then
    (umask 077 && age-keygen -o "$key.tmp" 2>/dev/null) || die "age-keygen failed"
    mv -f "$key.tmp" "$key"
  fi
  sum=$(cat "$key" "$STATE_DIR/secrets.env" | sha256sum | cut -c1-16)
  [[ -f $out && $(cat "$STATE_DIR/secrets.sops.sum" 2>/dev/null) == "$sum" ]] && return 0
  [[ -d $REPO_ROOT/node_modules/tsx ]] || die "node_modules is missing: run npm install first"
  log "encrypting the lab's secrets into ${out#"$REPO_ROOT"/}"
  # Values are hex (openssl rand): safe inside double quotes.
  (
    set -a
    . "$STATE_DIR/secrets.env"
    umask 077
    printf 'app:\n  db_password: "%s"\nmysql:\n  replication_password: "%s"\nsumo:\n  access_id: "%s"\n  access_key: "%s"\n' \
      "$APP_DB_PASSWORD" "$MYSQL_REPLICATION_PASSWORD" "$SUMO_ACCESS_ID" "$SUMO_ACCESS_KEY" >"$plain"
  )
  if ! (cd "$REPO_ROOT" && node --import tsx src/cli/main.ts secrets encrypt --age "$(age-keygen -y "$key")" "$plain" >"$out.tmp"); then
    rm -f "$plain" "$out.tmp"
    die "could not encrypt the lab's secrets (see above)"
  fi
  rm -f "$plain"
  mv -f "$out.tmp" "$out"
  printf '%s\n' "$sum" >"$STATE_DIR/secrets.sops.sum"
}

SSH_OPTS=()
ssh_opts() {
  SSH_OPTS=(-F /dev/null -i "$STATE_DIR/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes
    -o UserKnownHostsFile="$STATE_DIR/known_hosts" -o GlobalKnownHostsFile=/dev/null
    -o StrictHostKeyChecking=yes -o HostKeyAlgorithms=ssh-ed25519 -o ConnectTimeout=3
    -o ServerAliveInterval=5 -o ServerAliveCountMax=6 -o LogLevel=ERROR)
}

write_known_hosts() {
  local h key tmp="$STATE_DIR/known_hosts.tmp.$$" all
  mapfile -t all < <(wanted_hosts_all)
  : >"$tmp"
  for h in "${all[@]}"; do
    if [[ ! -d $HOSTS_DIR/$h/root ]] || ! mountpoint -q "$HOSTS_DIR/$h/root"; then continue; fi
    key=$(chroot "$HOSTS_DIR/$h/root" cat /etc/ssh/ssh_host_ed25519_key.pub) || continue
    printf '%s %s\n' "${ADDR[$h]}" "$(printf '%s' "$key" | cut -d' ' -f1,2)" >>"$tmp"
  done
  mv -f "$tmp" "$STATE_DIR/known_hosts"
}

# ---------------------------------------------------------------- cache + base
spec() {
  printf '%s\n' "$BUILD_VERSION" "$SUITE" "$BASE_PKGS" "${REPO_PKGS[*]}" | sha256sum | cut -c1-16
}

cache_ok() { [[ -f $CACHE/spec && $(cat "$CACHE/spec") == "$(spec)" && -f $CACHE/base.tar && -f $CACHE/debs/Packages ]]; }
base_ok() { [[ -f $LAB_DIR/base.stamp && $(cat "$LAB_DIR/base.stamp") == "$(spec)" && -d $BASE/etc ]]; }

# One mmdebstrap run: the base tarball, and every .deb the hosts may install
# (the base's own packages plus REPO_PKGS and their dependencies) synced out
# into a flat apt repository.
build_cache() {
  local tmp="$CACHE/build.tmp" t0=$SECONDS
  log "building the package cache with mmdebstrap (about a minute, once)"
  rm -rf "$tmp"
  mkdir -p "$tmp/debs"
  # shellcheck disable=SC2016 # $MMDEBSTRAP_APT_CONFIG is expanded by the hook's shell
  if ! mmdebstrap --quiet --variant=minbase --include="$BASE_PKGS" --skip=download/empty \
    --customize-hook='APT_CONFIG="$MMDEBSTRAP_APT_CONFIG" apt-get --yes --quiet --download-only install '"${REPO_PKGS[*]}"' >/dev/null' \
    --customize-hook="sync-out /var/cache/apt/archives $tmp/debs" \
    "$SUITE" "$tmp/base.tar" </dev/null >"$tmp/mmdebstrap.log" 2>&1; then
    tail -n 20 "$tmp/mmdebstrap.log" >&2
    die "mmdebstrap failed (log: $tmp/mmdebstrap.log)"
  fi
  rm -rf "$tmp/debs/partial" "$tmp/debs/lock"
  (cd "$tmp/debs" && dpkg-scanpackages -m . /dev/null >Packages 2>/dev/null)
  [[ -s $tmp/debs/Packages ]] || die "dpkg-scanpackages produced an empty index"
  rm -rf "$CACHE/debs" "$CACHE/base.tar" "$CACHE/spec"
  mv "$tmp/debs" "$CACHE/debs"
  mv "$tmp/base.tar" "$CACHE/base.tar"
  rm -rf "$tmp"
  spec >"$CACHE/spec"
  log "package cache built in $((SECONDS - t0)) s ($(find "$CACHE/debs" -name '*.deb' | wc -l) packages)"
}

# The lower layer shared by all hosts: the tarball, extracted and prepared.
build_base() {
  local tmp="$LAB_DIR/base.tmp" t0=$SECONDS
  log "preparing the base root filesystem"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  tar -C "$tmp" --numeric-owner --xattrs --xattrs-include='*' -xf "$CACHE/base.tar"
  # Every host gets its own host keys, generated in its upper dir.
  rm -f "$tmp"/etc/ssh/ssh_host_*
  # Packages come from the local repository only.
  printf 'deb [trusted=yes] file:/srv/lab-apt ./\n' >"$tmp/etc/apt/sources.list"
  rm -rf "$tmp"/etc/apt/sources.list.d/*
  mkdir -p "$tmp/srv/lab-apt"
  # No DNS: the lab's names are in /etc/hosts; nothing to resolve elsewhere.
  rm -f "$tmp/etc/resolv.conf"
  printf '# provision lab: no DNS server; lab host names are in /etc/hosts\n' >"$tmp/etc/resolv.conf"
  {
    printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n'
    local h
    for h in "${HOSTS[@]}"; do printf '%s\t%s\n' "${ADDR[$h]}" "$h"; done
  } >"$tmp/etc/hosts"
  : >"$tmp/etc/hostname"
  : >"$tmp/etc/machine-id"
  # apt's periodic jobs would take the dpkg lock at random times during tests.
  rm -f "$tmp"/etc/systemd/system/timers.target.wants/apt-daily{,-upgrade}.timer
  # The package lists of the local repository, so `apt-get install` works at once.
  if ! (in_cgroup base systemd-nspawn -q -D "$tmp" --register=no --keep-unit --private-network --resolv-conf=off \
    --timezone=off --link-journal=no --bind-ro="$CACHE/debs:/srv/lab-apt" \
    apt-get update -q) </dev/null >"$LAB_DIR/base-apt-update.log" 2>&1 9>&-; then
    cat "$LAB_DIR/base-apt-update.log" >&2
    die "apt-get update in the base failed"
  fi
  remove_cgroup base
  rm -rf "$BASE"
  mv "$tmp" "$BASE"
  spec >"$LAB_DIR/base.stamp"
  log "base prepared in $((SECONDS - t0)) s"
}

ensure_base() {
  if cache_ok && base_ok; then return 0; fi
  # The lower layer is about to change: no host may keep it mounted, and their
  # upper dirs belong to the old base.
  local h extras all
  mapfile -t extras < <(found_extras)
  mapfile -t all < <(extra_names "$MAX_HOSTS")
  stop_hosts hard "${HOSTS[@]}" "${extras[@]}"
  for h in "${HOSTS[@]}" "${all[@]}"; do rm -rf --one-file-system "${HOSTS_DIR:?}/$h"; done
  mkdir -p "$CACHE"
  cache_ok || build_cache
  base_ok || build_base
}

# ---------------------------------------------------------------- network
ensure_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" address "$BRIDGE_MAC" type bridge
  fi
  ip addr replace "$BRIDGE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # Guard: nothing from the lab is ever routed beyond the bridge.
  iptables -C FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP 2>/dev/null ||
    iptables -I FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP ||
    die "iptables could not add the rule that keeps lab traffic on the bridge"
}

remove_bridge() {
  while iptables -C FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP 2>/dev/null; do
    iptables -D FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP
  done
  ip link del "$BRIDGE" 2>/dev/null || true
}

netns() { printf 'provlab-%s' "$1"; }

host_net() {
  local h=$1 ns
  ns=$(netns "$h")
  ip netns add "$ns"
  ip link add "pl-$h" address "02:77:00:00:01:${HEX[$h]}" type veth \
    peer name eth0 address "02:77:00:00:00:${HEX[$h]}" netns "$ns"
  ip link set "pl-$h" master "$BRIDGE" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "${ADDR[$h]}/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$BRIDGE_IP"
}

# ---------------------------------------------------------------- cgroups
# Without systemd as pid 1 on the control side, every systemd-nspawn started
# with --keep-unit would use the cgroup of its caller, and all containers
# would share one cgroup tree: systemd in one host would see, and stop, the
# services of the others. So each container gets a cgroup of its own.
cgroup_roots() {
  local d
  for d in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified /sys/fs/cgroup; do
    [[ -f $d/cgroup.procs ]] && printf '%s\n' "$d"
  done
  return 0
}

# in_cgroup NAME CMD...: exec CMD inside the cgroup provlab-NAME of every hierarchy.
in_cgroup() {
  local name=$1 d procs=""
  shift
  for d in $(cgroup_roots); do
    mkdir -p "$d/provlab-$name"
    procs+="$d/provlab-$name/cgroup.procs "
  done
  LAB_CGROUP_PROCS=$procs exec bash -c 'for f in $LAB_CGROUP_PROCS; do echo $$ >"$f"; done; unset LAB_CGROUP_PROCS; exec "$@"' lab "$@"
}

remove_cgroup() {
  local d
  for d in $(cgroup_roots); do
    [[ -d $d/provlab-$1 ]] && find "$d/provlab-$1" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  return 0
}

# ---------------------------------------------------------------- hosts
host_running() { recorded_pid "$1" >/dev/null && mountpoint -q "$HOSTS_DIR/$1/root"; }

# Processes inside a host's network namespace: only the lab puts any there.
netns_pids() { ip netns pids "$(netns "$1")" 2>/dev/null || true; }

# Stops hosts: MODE graceful (poweroff, SIGKILL after STOP_TIMEOUT) or hard
# (SIGKILL at once: the machine died). Then removes their mounts and network.
stop_hosts() {
  local mode=$1 h pid p i
  shift
  local -A npid=() nst=()
  for h in "$@"; do
    if pid=$(recorded_pid "$h"); then
      npid[$h]=$pid
      nst[$h]=$(proc_start "$pid")
      if [[ $mode == graceful ]]; then kill -TERM "$pid" 2>/dev/null || true; fi
    fi
  done
  if [[ $mode == graceful && ${#npid[@]} -gt 0 ]]; then
    for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
      local left=0
      for h in "${!npid[@]}"; do alive "${npid[$h]}" "${nst[$h]}" && left=1; done
      ((left)) || break
      sleep 0.1
    done
  fi
  for h in "$@"; do
    # SIGKILL to the container's init ends its whole pid namespace.
    for p in $(netns_pids "$h"); do
      if [[ $(awk '/^NSpid:/{print NF == 3 ? $3 : ""}' "/proc/$p/status" 2>/dev/null) == 1 ]]; then
        kill -KILL "$p" 2>/dev/null || true
      fi
    done
  done
  for h in "$@"; do
    for ((i = 0; i < 50; i++)); do
      [[ -z $(netns_pids "$h") ]] && break
      for p in $(netns_pids "$h"); do kill -KILL "$p" 2>/dev/null || true; done
      sleep 0.1
    done
    if [[ -n ${npid[$h]:-} ]]; then
      for ((i = 0; i < 50; i++)); do alive "${npid[$h]}" "${nst[$h]}" || break; sleep 0.1; done
      alive "${npid[$h]}" "${nst[$h]}" && kill -KILL "${npid[$h]}" 2>/dev/null
      for ((i = 0; i < 50; i++)); do alive "${npid[$h]}" "${nst[$h]}" || break; sleep 0.1; done
    fi
    teardown_host "$h"
  done
}

teardown_host() {
  local h=$1 root="$HOSTS_DIR/$1/root" i
  for ((i = 0; i < 10; i++)); do
    mountpoint -q "$root" 2>/dev/null || break
    umount "$root" 2>/dev/null || umount -l "$root" 2>/dev/null || true
  done
  ip netns del "$(netns "$h")" 2>/dev/null || true
  ip link del "pl-$h" 2>/dev/null || true
  remove_cgroup "$h"
  rm -f "$RUN/$h.pid"
}

mount_host() {
  local h=$1 d="$HOSTS_DIR/$1"
  mkdir -p "$d/upper" "$d/work" "$d/root"
  mountpoint -q "$d/root" ||
    mount -t overlay "overlay-provlab-$h" -o "lowerdir=$BASE,upperdir=$d/upper,workdir=$d/work" "$d/root"
}

# First boot of a fresh upper dir: identity of the machine.
init_host() {
  local h=$1 root="$HOSTS_DIR/$1/root"
  printf '%s\n' "$h" >"$root/etc/hostname"
  od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$root/etc/machine-id"
  printf '\n' >>"$root/etc/machine-id"
  if is_extra "$h"; then
    # Only an ed25519 host key (the one known_hosts holds): generating the RSA
    # key costs about a second of CPU per host, too much for 60 hosts on 2 cores.
    ssh-keygen -q -t ed25519 -N '' -C "root@$h" -f "$root/etc/ssh/ssh_host_ed25519_key" </dev/null
    printf '# provision lab: this host has only an ed25519 host key\nHostKey /etc/ssh/ssh_host_ed25519_key\n' \
      >"$root/etc/ssh/sshd_config.d/provision-lab.conf"
    printf '%s\t%s\n' "${ADDR[$h]}" "$h" >>"$root/etc/hosts"
  else
    ssh-keygen -q -A -f "$root" >/dev/null
  fi
  if [[ $h == web-02 ]]; then
    chroot "$root" useradd --create-home --shell /bin/bash deploy
    chroot "$root" usermod --password '*' deploy
    printf 'deploy ALL=(ALL) NOPASSWD:ALL\n' >"$root/etc/sudoers.d/deploy"
    chmod 0440 "$root/etc/sudoers.d/deploy"
  fi
  touch "$HOSTS_DIR/$h/initialized"
}

# This clone's key into the host (a different clone may have built the lab).
# Through chroot, so that paths resolve inside the host's root even when
# something in the host turned them into symlinks.
install_keys() {
  local h=$1 pub users=(root)
  pub=$(cat "$STATE_DIR/id_ed25519.pub")
  [[ $h == web-02 ]] && users+=(deploy)
  # shellcheck disable=SC2016 # expanded by the shell inside the host
  chroot "$HOSTS_DIR/$h/root" /bin/sh -c '
    set -eu
    pub=$1; shift
    for user in "$@"; do
      home=$(getent passwd "$user" | cut -d: -f6) || continue
      [ -n "$home" ] && [ -d "$home" ] || continue
      group=$(id -gn "$user")
      mkdir -p "$home/.ssh"
      touch "$home/.ssh/authorized_keys"
      grep -qxF "$pub" "$home/.ssh/authorized_keys" || printf "%s\n" "$pub" >>"$home/.ssh/authorized_keys"
      chmod 700 "$home/.ssh"
      chmod 600 "$home/.ssh/authorized_keys"
      chown "$user:$group" "$home/.ssh" "$home/.ssh/authorized_keys"
    done' lab-keys "$pub" "${users[@]}"
}

prepare_host() { # mount + first-boot setup + key
  mount_host "$1"
  [[ -f $HOSTS_DIR/$1/initialized ]] || init_host "$1"
  install_keys "$1"
}

# In parallel: generating host keys takes about a second per host.
prepare_hosts() {
  local h rc=0
  local -A w=()
  for h in "$@"; do
    prepare_host "$h" 9>&- &
    w[$h]=$!
  done
  for h in "$@"; do wait "${w[$h]}" || rc=1; done
  ((rc == 0)) || die "preparing the hosts failed"
}

spawn_host() {
  local h=$1 root="$HOSTS_DIR/$1/root"
  host_net "$h"
  # Like the daemons, the containers close every descriptor they would inherit: a caller's
  # lock (`flock LOCK lab.sh up`, on fd 3) would otherwise stay held as long as the hosts run.
  (close_inherited_fds; exec setsid bash -c "$(declare -f cgroup_roots in_cgroup); in_cgroup \"\$@\"" lab "$h" systemd-nspawn -q -D "$root" -M "$h" --boot --register=no --keep-unit \
    --capability=CAP_NET_ADMIN --network-namespace-path="/run/netns/$(netns "$h")" \
    --bind-ro="$CACHE/debs:/srv/lab-apt" --resolv-conf=off --timezone=off --link-journal=no \
    --console=read-only) </dev/null >"$RUN/$h.log" 2>&1 &
  record_pid "$h" "$!"
}

ssh_ok() { timeout 10 ssh "${SSH_OPTS[@]}" "root@${ADDR[$1]}" true </dev/null >/dev/null 2>&1; }

# sshd answers and systemd has finished booting.
wait_host() {
  local h=$1 deadline=$((SECONDS + READY_TIMEOUT)) out left last=""
  while ((SECONDS < deadline)); do
    if ! recorded_pid "$h" >/dev/null; then
      echo "lab: error: $h: the container exited while booting; last lines of $RUN/$h.log:" >&2
      tail -n 15 "$RUN/$h.log" >&2 || true
      return 1
    fi
    left=$((deadline - SECONDS))
    ((left > 0)) || break
    if out=$(timeout "$left" ssh "${SSH_OPTS[@]}" "root@${ADDR[$h]}" \
      'systemctl is-system-running --wait 2>/dev/null; true' </dev/null 2>&1); then
      case $out in
      running) return 0 ;;
      degraded)
        log "warning: $h is up but degraded: $(timeout 5 ssh "${SSH_OPTS[@]}" "root@${ADDR[$h]}" \
          'systemctl --failed --no-legend --plain | cut -d" " -f1 | tr "\n" " "' </dev/null 2>/dev/null)"
        return 0
        ;;
      esac
    fi
    last=$out
    sleep 0.3
  done
  echo "lab: error: $h (${ADDR[$h]}) did not become ready within ${READY_TIMEOUT} s${last:+ (last answer: ${last//$'\n'/ })}" >&2
  return 1
}

wait_hosts() {
  local h rc=0
  local -A w=()
  for h in "$@"; do
    wait_host "$h" 9>&- &
    w[$h]=$!
  done
  for h in "$@"; do wait "${w[$h]}" || rc=1; done
  return $rc
}

# Makes sure every given host is running and answers; boots what is not.
ensure_hosts() {
  local h boot=() check=() pid
  local -A bad=()
  for h in "$@"; do
    if host_running "$h"; then check+=("$h"); else boot+=("$h"); fi
  done
  # Leftovers of a crash (mounts, namespaces, veths, processes): clean first.
  ((${#boot[@]})) && stop_hosts hard "${boot[@]}"
  prepare_hosts "$@"
  write_known_hosts
  ssh_opts
  if ((${#check[@]})); then
    local -A w=()
    for h in "${check[@]}"; do ssh_ok "$h" 9>&- & w[$h]=$!; done
    for h in "${check[@]}"; do
      wait "${w[$h]}" || bad[$h]=1
    done
    for h in "${!bad[@]}"; do
      log "$h runs but does not answer ssh: restarting it"
      stop_hosts hard "$h"
      prepare_hosts "$h"
      boot+=("$h")
    done
  fi
  ((${#boot[@]})) || return 0
  for h in "${boot[@]}"; do spawn_host "$h"; done
  # Many hosts booting at once share the CPUs: a second more per host.
  [[ -n ${LAB_READY_TIMEOUT:-} ]] || READY_TIMEOUT=$((60 + ${#boot[@]}))
  wait_hosts "${boot[@]}" || die "the lab did not come up (host logs in $RUN)"
  if ((${#boot[@]} > 8)); then log "booted: ${#boot[@]} hosts (${boot[0]} ... ${boot[-1]})"; else log "booted: ${boot[*]}"; fi
}

# Each container's systemd and journald take inotify instances; the kernel's
# default (128 per user, and every container runs as root) runs out at about
# 20 hosts, and systemd then fails to boot ("Too many open files").
ensure_limits() {
  local want=$((64 * WANT_HOSTS + 256)) cur
  cur=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null) || return 0
  ((cur >= want)) && return 0
  printf '%s\n' "$want" >/proc/sys/fs/inotify/max_user_instances ||
    die "could not raise fs.inotify.max_user_instances to $want (now $cur): $WANT_HOSTS hosts need it"
  log "raised fs.inotify.max_user_instances from $cur to $want for $WANT_HOSTS hosts"
}

# test/lab/.state/inventory-N.yaml: every host of the lab of N hosts, the
# `common` role only (roles and templates resolve from the package's own).
write_scale_inventory() {
  local h f="$STATE_DIR/inventory-$WANT_HOSTS.yaml"
  {
    printf '# Written by "lab.sh up --hosts %s": the %s lab hosts, role common only (npm run bench).\n' "$WANT_HOSTS" "$WANT_HOSTS"
    printf 'all:\n  vars:\n    domain: www.foobar.com\n    env: lab\n'
    printf '    ssh_private_key_file: id_ed25519\n    ssh_known_hosts_file: known_hosts\n'
    printf '  roles: [common]\n  hosts:\n'
    while read -r h; do printf '    %s: { address: %s }\n' "$h" "${ADDR[$h]}"; done < <(wanted_hosts)
  } >"$f.tmp.$$"
  mv -f "$f.tmp.$$" "$f"
}

# ---------------------------------------------------------------- pebble
ensure_pebble_certs() {
  local d=$PEBBLE_DIR
  [[ -f $d/ca.pem && -f $d/server.pem && -f $d/server.key ]] && return 0
  mkdir -p "$d"
  chmod 700 "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj '/CN=provision lab throw-away CA' -keyout "$d/ca.key" -out "$d/ca.pem" \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=$BRIDGE_IP" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
    "$BRIDGE_IP" >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 825 -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
}

pebble_settings() { printf 'validity=%s noncereject=%s\n' "${LAB_PEBBLE_VALIDITY:-}" "${LAB_PEBBLE_NONCEREJECT:-0}"; }

pebble_answers() {
  curl -fsS --max-time 2 --cacert "$PEBBLE_DIR/ca.pem" "https://$BRIDGE_IP:14000/dir" >/dev/null 2>&1
}

pebble_running() {
  recorded_pid pebble >/dev/null && recorded_pid challtestsrv >/dev/null &&
    [[ -f $RUN/pebble.settings && $(cat "$RUN/pebble.settings") == "$(pebble_settings)" ]]
}

stop_pebble() {
  stop_recorded pebble TERM 5
  stop_recorded challtestsrv TERM 5
}

start_pebble() {
  local i validity="${LAB_PEBBLE_VALIDITY:-}"
  [[ -z $validity || $validity =~ ^[0-9]+$ ]] || die "LAB_PEBBLE_VALIDITY must be a number of seconds"
  ensure_pebble_certs
  {
    printf '{\n  "pebble": {\n'
    printf '    "listenAddress": "%s:14000",\n' "$BRIDGE_IP"
    printf '    "managementListenAddress": "%s:15000",\n' "$BRIDGE_IP"
    printf '    "certificate": "%s",\n    "privateKey": "%s",\n' "$PEBBLE_DIR/server.pem" "$PEBBLE_DIR/server.key"
    printf '    "httpPort": 80,\n    "tlsPort": 443,\n    "ocspResponderURL": "",\n'
    [[ -n $validity ]] && printf '    "certificateValidityPeriod": %s,\n' "$validity"
    printf '    "externalAccountBindingRequired": false\n  }\n}\n'
  } >"$PEBBLE_DIR/config.json"
  (close_inherited_fds && exec setsid pebble-challtestsrv -dns01 "$BRIDGE_IP:8053" -defaultIPv4 "${ADDR[lb-01]}" -defaultIPv6 "" \
    -http01 "" -https01 "" -tlsalpn01 "" -management "$BRIDGE_IP:8055") \
    </dev/null >"$RUN/challtestsrv.log" 2>&1 &
  record_pid challtestsrv "$!"
  (close_inherited_fds && PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT="${LAB_PEBBLE_NONCEREJECT:-0}" \
    exec setsid pebble -config "$PEBBLE_DIR/config.json" -dnsserver "$BRIDGE_IP:8053") \
    </dev/null >"$RUN/pebble.log" 2>&1 &
  record_pid pebble "$!"
  pebble_settings >"$RUN/pebble.settings"
  for ((i = 0; i < 150; i++)); do
    pebble_answers && break
    recorded_pid pebble >/dev/null || break
    sleep 0.1
  done
  if ! pebble_answers; then
    tail -n 10 "$RUN/pebble.log" "$RUN/challtestsrv.log" >&2 || true
    die "pebble does not answer on https://$BRIDGE_IP:14000/dir"
  fi
}

ensure_pebble() {
  if ! pebble_running || ! pebble_answers; then
    stop_pebble
    start_pebble
    log "pebble started: https://$BRIDGE_IP:14000/dir"
  fi
  cp -f "$PEBBLE_DIR/ca.pem" "$STATE_DIR/pebble-ca.pem"
}

# ---------------------------------------------------------------- fake Sumo Logic
# test/lab/sumo-fake/server.ts on the bridge: installer download, registration,
# receiver and the Collector Management API; its records survive restarts.
SUMO_PORT=8070

sumo_settings() { cat "$SCRIPT_DIR"/sumo-fake/* "$STATE_DIR/secrets.env" | sha256sum | cut -c1-16; }

sumo_answers() { curl -fsS --max-time 2 "http://$BRIDGE_IP:$SUMO_PORT/fake/state" >/dev/null 2>&1; }

sumo_running() { recorded_pid sumo-fake >/dev/null && [[ -f $RUN/sumo-fake.settings && $(cat "$RUN/sumo-fake.settings") == "$(sumo_settings)" ]]; }

# Restarted when dead, or when its code or the secrets changed.
ensure_sumo_fake() {
  local i
  sumo_running && sumo_answers && return 0
  stop_recorded sumo-fake TERM 5
  (cd "$REPO_ROOT" && close_inherited_fds && exec setsid node --import tsx test/lab/sumo-fake/server.ts --listen "$BRIDGE_IP:$SUMO_PORT" \
    --secrets "$STATE_DIR/secrets.env" --state "$RUN/sumo-fake-state.json") </dev/null >"$RUN/sumo-fake.log" 2>&1 &
  record_pid sumo-fake "$!"
  sumo_settings >"$RUN/sumo-fake.settings"
  for ((i = 0; i < 100; i++)); do
    sumo_answers && break
    recorded_pid sumo-fake >/dev/null || break
    sleep 0.1
  done
  sumo_answers || { tail -n 10 "$RUN/sumo-fake.log" >&2; die "the fake Sumo Logic does not answer on http://$BRIDGE_IP:$SUMO_PORT"; }
  log "fake sumo logic started: http://$BRIDGE_IP:$SUMO_PORT"
}

# ---------------------------------------------------------------- commands
# --hosts N (3 to MAX_HOSTS) into WANT_HOSTS
parse_hosts() {
  WANT_HOSTS=3
  while (($#)); do
    case $1 in
    --hosts) (($# >= 2)) || die "--hosts needs a number (3-$MAX_HOSTS)"; WANT_HOSTS=$2; shift 2 ;;
    --hosts=*) WANT_HOSTS=${1#--hosts=}; shift ;;
    *) die "unknown argument '$1' (expected --hosts N)" ;;
    esac
  done
  if [[ ! $WANT_HOSTS =~ ^[0-9]+$ ]] || ((10#$WANT_HOSTS < 3 || 10#$WANT_HOSTS > MAX_HOSTS)); then
    die "--hosts must be a number from 3 to $MAX_HOSTS, got '$WANT_HOSTS'"
  fi
  WANT_HOSTS=$((10#$WANT_HOSTS))
}

cmd_up() {
  local t0=$SECONDS
  parse_hosts "$@"
  lock
  ensure_state
  ensure_base
  ensure_bridge
  stop_unwanted graceful
  ((WANT_HOSTS > 3)) && ensure_limits
  printf '%s\n' "$WANT_HOSTS" >"$RUN/hosts.count"
  local want
  mapfile -t want < <(wanted_hosts)
  ensure_hosts "${want[@]}"
  ensure_pebble
  ensure_sumo_fake
  write_scale_inventory
  ((SECONDS - t0 > 2)) && log "up in $((SECONDS - t0)) s"
  printf 'lab is up: %s\n' "$INVENTORY"
  ((WANT_HOSTS == 3)) || printf '%s hosts: %s\n' "$WANT_HOSTS" "${STATE_DIR#"$REPO_ROOT"/}/inventory-$WANT_HOSTS.yaml"
}

cmd_down() {
  local extras
  lock
  mapfile -t extras < <(found_extras)
  stop_hosts graceful "${HOSTS[@]}" "${extras[@]}"
  rm -f "$RUN/hosts.count"
  stop_pebble
  stop_recorded sumo-fake TERM 5
  remove_bridge
  log "lab is down"
}

cmd_reset() {
  local h want=()
  parse_hosts "$@"
  lock
  stop_unwanted graceful
  mapfile -t want < <(wanted_hosts)
  stop_hosts hard "${want[@]}"
  for h in "${want[@]}"; do rm -rf --one-file-system "${HOSTS_DIR:?}/$h"; done
  ensure_state
  ensure_base
  ensure_bridge
  ((WANT_HOSTS > 3)) && ensure_limits
  printf '%s\n' "$WANT_HOSTS" >"$RUN/hosts.count"
  ensure_hosts "${want[@]}"
  ensure_pebble
  ensure_sumo_fake
  write_scale_inventory
  printf 'lab is up: %s\n' "$INVENTORY"
}

cmd_status() {
  local h n=3 list
  ssh_opts
  # The three hosts, the extra hosts of the last `up --hosts N`, and any other extra host still running.
  [[ -f $RUN/hosts.count ]] && read -r n <"$RUN/hosts.count" && [[ $n =~ ^[0-9]+$ ]] || n=3
  mapfile -t list < <({ extra_names "$n"; found_extras; } | sort -u)
  for h in "${HOSTS[@]}" "${list[@]}"; do
    if ! host_running "$h"; then
      printf '%s down\n' "$h"
    elif [[ -f $STATE_DIR/known_hosts ]] && ssh_ok "$h"; then
      printf '%s up\n' "$h"
    else
      printf '%s down (container runs, ssh does not answer)\n' "$h"
    fi
  done
  if pebble_running && pebble_answers; then echo 'pebble up'; else echo 'pebble down'; fi
}

cmd_stop() {
  check_host "${1:-}"
  lock
  stop_hosts hard "$1"
  log "$1 stopped"
}

cmd_start() {
  check_host "${1:-}"
  lock
  ensure_state
  ensure_base
  ensure_bridge
  ensure_hosts "$1"
}

cmd_exec() {
  check_host "${1:-}"
  local h=$1
  shift
  (($#)) || die "usage: lab.sh exec HOST COMMAND..."
  [[ -f $STATE_DIR/known_hosts ]] || die "no $STATE_DIR/known_hosts: run lab.sh up first"
  ssh_opts
  exec ssh "${SSH_OPTS[@]}" "root@${ADDR[$h]}" -- "$*"
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
  up | down | reset | stop | start | pebble-stop | pebble-start) need_root; need_tools ;;
  status | exec) need_root ;;
  -h | --help | help) usage; exit 0 ;;
  *) usage; exit 2 ;;
  esac
  case $cmd in
  up) cmd_up "$@" ;;
  down) cmd_down ;;
  reset) cmd_reset "$@" ;;
  status) cmd_status ;;
  stop) cmd_stop "$@" ;;
  start) cmd_start "$@" ;;
  exec) cmd_exec "$@" ;;
  pebble-stop) lock; stop_pebble; log "pebble stopped" ;;
  pebble-start) lock; ensure_state; ensure_bridge; ensure_pebble ;;
  esac
}

main "$@"
