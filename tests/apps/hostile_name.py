"""A process whose name and command line hold terminal controls (for `pyinit doctor`).

Sets its comm (what /proc/PID/status Name shows) to an ESC sequence with a newline by writing
/proc/self/comm, keeps the hostile argv it was started with, prints one line, then sleeps.
"""

from __future__ import annotations

import sys
import time

with open("/proc/self/comm", "w") as comm:
    comm.write("\x1b[2J\nResult: ok")  # the kernel keeps the first 15 bytes
print("ready", flush=True)
time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 600)
