"""Stops badly: ignores SIGTERM (and SIGINT), so only SIGKILL ends it."""

import signal
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
print("ready, ignoring SIGTERM", flush=True)
while True:
    time.sleep(3600)
