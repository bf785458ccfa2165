"""Ignore SIGCHLD, start a long-lived ``sleep 30``, print its pid on stderr, exec CMD.

``sibling_launcher.py CMD...``: CMD (pyinit) gets a child it did not fork, and SIGCHLD
ignored, as some callers hand them down.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

signal.signal(signal.SIGCHLD, signal.SIG_IGN)
sibling = subprocess.Popen(["sleep", "30"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(sibling.pid, file=sys.stderr, flush=True)
os.execv(sys.argv[1], sys.argv[1:])
