"""Leave N orphans behind (double fork), print "spawned N", then wait for signals.

--exit: exit at once instead of waiting (the orphans outlive their parent).
--report: each orphan first waits to be adopted, and the line "orphan adopted by PID" says
by whom (its new parent's pid, as the orphan sees it), before "spawned N".
"""

from __future__ import annotations

import os
import signal
import sys
import time

count = int(sys.argv[1])


def adopted_orphan() -> None:
    """An orphan that tells who adopted it: fork a middle that exits at once."""
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:
        parent = os.getpid()
        if os.fork() == 0:
            os.close(read_end)
            deadline = time.monotonic() + 10
            while os.getppid() == parent and time.monotonic() < deadline:
                time.sleep(0.001)
            os.write(write_end, str(os.getppid()).encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(middle, 0)
    print(f"orphan adopted by {os.read(read_end, 64).decode()}", flush=True)
    os.close(read_end)


for _ in range(count):
    if "--report" in sys.argv:
        adopted_orphan()
        continue
    middle = os.fork()
    if middle == 0:
        orphan = os.fork()
        if orphan == 0:
            os._exit(0)  # the orphan: its parent is gone, so init must reap it
        # Wait until it has exited, without reaping it: with --exit every orphan is then a
        # zombie handed to init before we exit, none still running when init may end.
        os.waitid(os.P_PID, orphan, os.WEXITED | os.WNOWAIT)
        os._exit(0)
    os.waitpid(middle, 0)
# The handler before the line that says we are ready: a SIGTERM sent right after it must
# find the handler, not the default action (exit 143; seen once in CI under load).
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print(f"spawned {count}", flush=True)
if "--exit" in sys.argv:
    sys.exit(0)
while True:
    signal.pause()
