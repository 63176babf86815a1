"""
ansible-inventory calls, each run as `ansible-inventory ARGS` would run but in a
fork of this process, which imported Ansible once (most of a start's time):
one JSON request a line on stdin ({"args": [...]}), one JSON reply a line on
stdout ({"code", "stdout", "stderr"}). Ansible reads its configuration at
import, from this process's environment and directory: start one per pair.
argv[1]: the ansible-inventory script, whose path is the calls' argv[0].
"""
import json
import os
import sys
import tempfile

PROGRAM = sys.argv[1]
sys.argv = [PROGRAM]
from ansible.cli.inventory import main  # noqa: E402  (after argv, as the script imports it)


def call(args):
    """Runs one call in a child; its exit code, stdout and stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.argv = [PROGRAM] + args
                main(sys.argv)
                code = 0
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        return {'code': os.waitstatus_to_exitcode(status), 'stdout': out.read().decode(), 'stderr': err.read().decode()}


for line in sys.stdin:
    sys.stdout.write(json.dumps(call(json.loads(line)['args'])) + '\n')
    sys.stdout.flush()
