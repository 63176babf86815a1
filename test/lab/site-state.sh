#!/usr/bin/env bash
# The state of the lab's reference site (inventory/lab.yaml), which `npm run demo` starts from:
#   fresh      provision never applied any host (a reset lab)
#   converged  the plan has nothing to change
#   part-way   hosts applied before (their notes under /var/lib/provision) with changes pending or failing:
#              an earlier run or test left them so, maybe in a state the rolling deploy rightly refuses to
#              roll (web-01 to change while web-02 does not answer: taking web-01 out would leave no backend)
# Needs the lab up and SOPS_AGE_KEY_FILE set (the lab inventory reads its passwords from a SOPS file).
set -euo pipefail
cd "$(dirname "$0")/../.."
applied=''
for host in lb-01 web-01 web-02; do
  bash test/lab/lab.sh exec "$host" 'test -d /var/lib/provision' >/dev/null 2>&1 && applied=$host
done
[[ -n $applied ]] || { echo fresh; exit 0; }
code=0
node dist/bundle/provision.js plan inventory/lab.yaml --detailed-exitcode >/dev/null 2>&1 || code=$?
case $code in
0) echo converged ;;
1 | 3) echo part-way ;; # 3: changes pending; 1: a host failed or is unreachable
*) echo "site-state: provision plan inventory/lab.yaml exited $code (bad input?)" >&2; exit "$code" ;;
esac
