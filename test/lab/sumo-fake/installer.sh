#!/bin/sh
# The lab's fake of Sumo Logic's Linux installer (SumoCollector_linux_amd64.sh),
# served by test/lab/sumo-fake/server.ts. Accepts the real installer's
# unattended options and installs a small collector under the same paths:
#   -q  -console  -dir DIR  -varfile FILE  -Vname=value ...
#   (sumo.accessid, sumo.accesskey, sumo.token_and_url, collector.name,
#    collector.url, syncSources, sources, clobber, ephemeral, skipAccessKeyRemoval)
# Values are never put on a command line here: the access key stays in files.
set -eu
dir=/opt/SumoCollector
quiet=no
varfile=
umask 077
vars=$(mktemp)
trap 'rm -f "$vars"' EXIT
while [ $# -gt 0 ]; do
  case $1 in
    -q) quiet=yes ;;
    -console) ;;
    -dir) dir=$2; shift ;;
    -varfile) varfile=$2; shift ;;
    -V*=*) printf '%s\n' "${1#-V}" >>"$vars" ;;
    *) echo "installer: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$quiet" = yes ] || { echo "installer: this installer only runs unattended here (-q)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "installer: must run as root" >&2; exit 2; }
command -v python3 >/dev/null || { echo "installer: python3 is needed by the lab's fake collector" >&2; exit 2; }
if [ -n "$varfile" ]; then
  [ -r "$varfile" ] || { echo "installer: cannot read the varfile $varfile" >&2; exit 2; }
  # The varfile first: -V options given as well override it.
  { cat -- "$varfile"; cat -- "$vars"; } >"$vars.all"
  mv -f -- "$vars.all" "$vars"
fi

mkdir -p "$dir/config/creds" "$dir/logs"
# Installer names → user.properties names; the last value of a name wins.
while IFS= read -r line; do
  key=${line%%=*}
  value=${line#*=}
  case $key in
    sumo.accessid) key=accessid ;;
    sumo.accesskey) key=accesskey ;;
    sumo.token_and_url) key=token ;;
    collector.name) key=name ;;
    collector.url) key=url ;;
    '' | \#*) continue ;;
  esac
  printf '%s=%s\n' "$key" "$value"
done <"$vars" | awk -F= '{ if (!($1 in v)) order[++n] = $1; v[$1] = $0 } END { for (i = 1; i <= n; i++) print v[order[i]] }' >"$dir/config/user.properties"
chmod 0600 "$dir/config/user.properties"
rm -f "$dir/config/.installerResult" "$dir/config/creds/main.properties"

cat >"$dir/collector" <<'__FAKE_COLLECTOR__'
@@COLLECTOR_PY@@
__FAKE_COLLECTOR__
chmod 0700 "$dir/collector"
printf '%s\n' '@@FAKE_VERSION@@' >"$dir/config/version"

cat >"$dir/uninstall" <<__FAKE_UNINSTALL__
#!/bin/sh
# Fake Sumo Logic collector uninstaller (-q: silently).
systemctl disable --now collector >/dev/null 2>&1 || true
rm -f /etc/systemd/system/collector.service
systemctl daemon-reload
rm -rf -- '$dir'
__FAKE_UNINSTALL__
chmod 0700 "$dir/uninstall"

cat >/etc/systemd/system/collector.service <<__FAKE_UNIT__
[Unit]
Description=Sumo Logic Collector (provision lab fake)
After=network-online.target

[Service]
ExecStart=/usr/bin/python3 $dir/collector console
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
__FAKE_UNIT__
chmod 0644 /etc/systemd/system/collector.service
umask 022
systemctl daemon-reload
systemctl enable collector >/dev/null 2>&1
systemctl restart collector
echo "Sumo Logic Collector @@FAKE_VERSION@@ (lab fake) installed in $dir"
