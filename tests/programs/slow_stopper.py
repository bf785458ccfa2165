"""An app whose shutdown takes a second: on SIGTERM it touches DIR/term, works 1 s, touches
DIR/clean and exits 0. DIR/ready says it is waiting.

``slow_stopper.py DIR``: the files tell, from outside, whether it heard SIGTERM and finished.
"""

from __future__ import annotations

import pathlib
import signal
import sys
import time

out = pathlib.Path(sys.argv[1])


def stop(signo: int, frame: object) -> None:
    (out / "term").touch()
    time.sleep(1.0)
    (out / "clean").touch()
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
(out / "ready").touch()
while True:
    signal.pause()
