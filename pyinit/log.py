"""Logging to stderr (or ``--log-file``): ``[pyinit] message`` lines, or one JSON object per line.

Deliberately not the ``logging`` module: it costs start-up time, and an init
needs only a level check and one write(2). A failed write is ignored: a full or
closed stderr must never take PID 1 down, nor change its exit code.
"""

from __future__ import annotations

import os
import time

ERROR, WARNING, INFO, DEBUG = 0, 1, 2, 3
LEVEL_NAMES = ("error", "warning", "info", "debug")


class Log:
    """Level-filtered writer. ``level`` follows tini: 1 (warnings) by default, -v adds one."""

    __slots__ = ("level", "json", "fd")

    def __init__(self, level: int = WARNING, json: bool = False, fd: int = 2) -> None:
        self.level = level
        self.json = json
        self.fd = fd  # stderr, or the --log-file pyinit opened

    def enabled(self, level: int) -> bool:
        return level <= self.level

    def __call__(self, level: int, event: str, message: str, **fields: object) -> None:
        if level > self.level:
            return
        try:
            if self.json:
                line = self._json_line(level, event, message, fields)
            else:
                line = f"[pyinit] {message}\n"
            os.write(self.fd, line.encode("utf-8", "backslashreplace"))
        except Exception:  # noqa: BLE001 - full or closed stderr, no memory, no fd for json
            pass  # the line is lost; PID 1 goes on, and its exit code stays what it was

    @staticmethod
    def _json_line(level: int, event: str, message: str, fields: dict[str, object]) -> str:
        import json  # only for --log-format json

        now = time.time()
        stamp = (
            time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
        )
        record: dict[str, object] = {
            "time": stamp,
            "level": LEVEL_NAMES[level],
            "event": event,
            "pid": os.getpid(),
            "message": message,
        }
        record.update(fields)
        return json.dumps(record, default=str) + "\n"


#: The one logger; ``__main__`` sets its level and format from the config.
log = Log()
