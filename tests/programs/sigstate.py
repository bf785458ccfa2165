"""Start a command with a given signal state: block and ignore signals, then exec.

usage: sigstate.py --block USR1,TERM --ignore USR2,HUP [--pending TERM] -- CMD...
(--block ALL: every signal, what only pyinit's bootloaders leave it with.)
CPython's own SIGPIPE/SIGXFSZ ignores are undone first, as a C program would have them.
"""

from __future__ import annotations

import os
import signal
import sys

args = sys.argv[1:]
split = args.index("--")
options, command = args[:split], args[split + 1 :]


def signals(flag: str) -> list[int]:
    if flag not in options:
        return []
    if options[options.index(flag) + 1] == "ALL":
        return sorted(signal.valid_signals())
    return [signal.Signals["SIG" + n] for n in options[options.index(flag) + 1].split(",")]


signal.signal(signal.SIGPIPE, signal.SIG_DFL)
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
for signo in signals("--ignore"):
    signal.signal(signo, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, signals("--block") + signals("--pending"))
for signo in signals("--pending"):
    os.kill(os.getpid(), signo)  # stays pending across exec: arrives before pyinit starts
os.execvp(command[0], command)
