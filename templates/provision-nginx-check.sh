#!/bin/sh
# Managed by provision. Usage: provision-nginx-check [--alone] CANDIDATE TARGET
# Runs `nginx -t` on a copy of /etc/nginx in which CANDIDATE stands in place of
# TARGET, so a site file is validated with the rest of the configuration before
# it replaces the live one (the live configuration is never touched). With
# --alone, the other sites are left out of the copy: a file that stands by
# itself (the status page) is checked even while another site is broken.
set -eu
alone=false
if [ "$1" = --alone ]; then alone=true; shift; fi
candidate=$1
target=$2
case $target in /etc/nginx/*) ;; *) echo "provision-nginx-check: $target is not under /etc/nginx" >&2; exit 2 ;; esac
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp -a /etc/nginx/. "$copy/"
if $alone; then rm -f "$copy"/sites-enabled/*; fi
mkdir -p "$(dirname "$copy/${target#/etc/nginx/}")"
cp "$candidate" "$copy/${target#/etc/nginx/}"
# Includes in the main file point into the copy, so the candidate is what gets read.
sed -i "s#/etc/nginx/#$copy/#g" "$copy/nginx.conf"
nginx -t -q -c "$copy/nginx.conf"
