"""Stops badly: leaves an orphan. It double-forks a grandchild that starts its own session
(setsid) and ignores SIGTERM, then exits the middle child. The grandchild is re-parented to
PID 1, sits outside the app's process group (a group-wide SIGTERM misses it) and outlives
the app. The app itself exits on SIGTERM."""

import os
import signal
import time

r, w = os.pipe()
mid = os.fork()
if mid == 0:
    if os.fork() == 0:
        os.setsid()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.write(w, f"{os.getpid()}\n".encode())
        while True:
            time.sleep(3600)
    os._exit(0)
os.waitpid(mid, 0)
orphan = os.read(r, 64).decode().strip()
print(f"ready, orphan {orphan}", flush=True)
while True:
    time.sleep(3600)
