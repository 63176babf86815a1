"""Preload's twin for programs that are not Node (the benchmark's Ansible runs):
runs the command in argv[1:] and reports, as usage.mjs does, JSON on fd 3 when
open: the peak RSS (KiB) of its largest process and the CPU time (user +
system, µs) of all its processes that ended (ssh's ControlPersist masters
outlive the run and are not counted). Exits with the command's code."""
import json
import os
import resource
import subprocess
import sys

code = subprocess.call(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
try:
    report = {"maxRssKb": usage.ru_maxrss, "cpuUs": round((usage.ru_utime + usage.ru_stime) * 1e6)}
    os.write(3, (json.dumps(report) + "\n").encode())
except OSError:
    pass  # fd 3 is not open: run outside the benchmark.
sys.exit(code if code >= 0 else 128 - code)
