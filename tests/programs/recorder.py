"""Print "ready", then the name of every signal received, one per line.

--setsid: leave pyinit's process group first.  --exit-on SIG: exit 0 on SIG.
--unblock: unblock every signal first (started with some blocked, and pending).
--grandchild: also start a copy of itself (same group) that prints "grandchild SIG".
"""

from __future__ import annotations

import os
import signal
import sys

args = sys.argv[1:]
prefix = "grandchild " if "--is-grandchild" in args else ""
if "--setsid" in args:
    os.setsid()
exit_on = signal.Signals[args[args.index("--exit-on") + 1]] if "--exit-on" in args else None


def name(signo: int) -> str:
    try:
        return signal.Signals(signo).name
    except ValueError:
        return f"SIGRTMIN+{signo - signal.SIGRTMIN}"


def record(signo: int, _frame: object) -> None:
    os.write(1, f"{prefix}{name(signo)}\n".encode())
    if signo == exit_on:
        os._exit(0)


for signo in signal.valid_signals():
    if signo not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
        signal.signal(signo, record)
if "--unblock" in args:
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
if "--grandchild" in args:
    pid = os.fork()
    if pid == 0:
        os.execv(sys.executable, [sys.executable, __file__, "--is-grandchild"])
print(f"{prefix}ready pid={os.getpid()} pgid={os.getpgid(0)}", flush=True)
while True:
    signal.pause()
