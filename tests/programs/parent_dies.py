"""Start CMD (an init), wait until it has started its own child, print both pids, exit.

``parent_dies.py CMD...`` prints ``CMD-PID CHILD-PID``: CMD loses its parent while it
supervises (pyinit -p SIG).
"""

from __future__ import annotations

import subprocess
import sys
import time

from pyinit.namespace import children

init = subprocess.Popen(sys.argv[1:])
deadline = time.monotonic() + 20
while not children(init.pid) and time.monotonic() < deadline:
    time.sleep(0.005)
kids = children(init.pid)
print(init.pid, *kids[:1], flush=True)
sys.exit(0 if kids else 1)
