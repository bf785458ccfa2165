"""The STOPSIGNAL write-up's app: it handles SIGINT only (SIGTERM keeps its default action)."""

import signal
import sys
import time


def shutdown(signum, frame):
    print(f"Received {signal.Signals(signum).name}: cleaning up", flush=True)
    sys.exit(0)


signal.signal(signal.SIGINT, shutdown)  # SIGINT only: SIGTERM keeps its default action
print("Application started", flush=True)
while True:
    time.sleep(2)
