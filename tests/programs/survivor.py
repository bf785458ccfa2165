"""Leave one process behind that ignores SIGTERM, then exit 0.

``survivor.py MARKER [COMM]``: the survivor keeps MARKER in its command line (so the test
finds it from outside any namespace) and, given COMM, names itself that (/proc/self/comm,
as prctl(PR_SET_NAME) does). The parent exits only once the survivor is ready.
"""

from __future__ import annotations

import os
import signal
import sys

read_end, write_end = os.pipe()
if os.fork() == 0:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if len(sys.argv) > 2:
        with open("/proc/self/comm", "w") as comm:
            comm.write(sys.argv[2])
    os.write(write_end, b"ready")
    os.close(write_end)
    while True:
        signal.pause()
os.close(write_end)
assert os.read(read_end, 5) == b"ready"
sys.exit(0)
