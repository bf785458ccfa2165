"""Die of signal SIG (a number), without a core dump: ``die.py 11``."""

from __future__ import annotations

import os
import resource
import signal
import sys

resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
if int(sys.argv[1]) not in (signal.SIGKILL, signal.SIGSTOP):
    signal.signal(int(sys.argv[1]), signal.SIG_DFL)
os.kill(os.getpid(), int(sys.argv[1]))
