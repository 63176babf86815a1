#!/usr/bin/env bash
# npm run demo: boot the lab, apply inventory/lab.yaml, apply again (nothing changes), show where to look.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/bundle/provision.js ] || npm run build >/dev/null
bash test/lab/lab.sh up
# The lab inventory reads its passwords from a SOPS file the lab encrypted for its own age key.
export SOPS_AGE_KEY_FILE="$PWD/test/lab/.state/age-key.txt"
provision() { node dist/bundle/provision.js "$@"; }

# The demo starts from fresh hosts or from the converged site: a lab an earlier run or test left part-way
# (say web-01 to change and web-02 not answering, where the rolling deploy rightly refuses to take out
# the only app server serving) is reset to fresh hosts first.
if [ "$(bash test/lab/site-state.sh)" = part-way ]; then
  echo "== the lab was left part-way by an earlier run or test: resetting it to fresh hosts (a first converge follows, about a minute)"
  bash test/lab/lab.sh reset
fi
echo
echo "== provision plan inventory/lab.yaml   (what would change; touches nothing)"
provision plan inventory/lab.yaml || [ $? -eq 3 ]
echo
echo "== provision apply inventory/lab.yaml"
provision apply inventory/lab.yaml
echo
echo "== provision apply inventory/lab.yaml   (again: every host already in state)"
provision apply inventory/lab.yaml
echo
cat <<'TEXT'
What to look at next (the lab inventory reads its passwords from a SOPS file:
run `export SOPS_AGE_KEY_FILE=$PWD/test/lab/.state/age-key.txt` in your shell first):
  curl --resolve www.foobar.com:443:10.77.0.11 --cacert <(curl -sk https://10.77.0.1:15000/roots/0) https://www.foobar.com/
                                                             the site, with its certificate from the lab's ACME server
  npx provision exec inventory/lab.yaml -- cat /etc/motd     run a command on every host
  npx provision plan inventory/lab.yaml                      after editing a role or a host by hand
  npx provision renew inventory/lab.yaml                     renew certificates that are due (silent otherwise)
  npm run lab -- exec web-01 systemctl status app            a shell command on one lab host
  npm run lab -- down                                        stop the lab
TEXT
