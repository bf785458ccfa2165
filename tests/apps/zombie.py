"""Stops badly: forks a child that exits at once and never wait()s for it, so the child
stays a zombie for as long as this process lives. Exits on SIGTERM (default action)."""

import os
import time

pid = os.fork()
if pid == 0:
    os._exit(0)
# Wait until the child has exited, without reaping it (WNOWAIT): it is a zombie now.
os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
print(f"ready, zombie child {pid}", flush=True)
while True:
    time.sleep(3600)
