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
        if os.fork() == 0:
            os._exit(0)  # the orphan: its parent is gone, so init must reap it
        os._exit(0)
    os.waitpid(middle, 0)
print(f"spawned {count}", flush=True)
if "--exit" in sys.argv:
    sys.exit(0)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    signal.pause()
