"""Leave N orphans behind (double fork), print "spawned N", then wait for signals.

--exit: exit at once instead of waiting (the orphans outlive their parent).
"""

from __future__ import annotations

import os
import signal
import sys

count = int(sys.argv[1])
for _ in range(count):
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
print(f"spawned {count}", flush=True)
if "--exit" in sys.argv:
    sys.exit(0)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    signal.pause()
