"""Was a SIGKILL the kernel's OOM killer? Ask the container's memory cgroup.

Exit code 137 means SIGKILL, and SIGKILL has two usual senders: the kernel's OOM killer
(the container went over its memory limit) and the runtime after a stop timeout. The memory
cgroup counts the OOM killer's kills, so pyinit reads that count once at start and again
when a child dies of SIGKILL: if it rose, the OOM killer did it.

- cgroup v2: ``memory.events`` line ``oom_kill N``; limit ``memory.max``, peak
  ``memory.peak`` (Linux 5.19+).
- cgroup v1: ``memory.oom_control`` line ``oom_kill N`` (Linux 4.13+); limit
  ``memory.limit_in_bytes``, peak ``memory.max_usage_in_bytes``.

Which folder: /proc/self/cgroup names pyinit's memory cgroup; on a host (and in a container
with its own cgroup namespace, where the path is ``/``) that path exists under the mount. A
container runtime without a cgroup namespace mounts the container's own cgroup at the mount
point itself (the path from /proc/self/cgroup is the host's and does not exist inside): then
the mount point is it. No polling: the count is read at start and at a death only. On the
start-up path this costs reading /proc/self/cgroup and one or two small files through
os.open/os.read, and imports nothing but os. The parsing is pure.
"""

from __future__ import annotations

import os

from pyinit.log import WARNING, log

V2 = "/sys/fs/cgroup"
V1 = "/sys/fs/cgroup/memory"
#: The files per cgroup version: (holding ``oom_kill N``, the limit, the peak).
V2_FILES = ("memory.events", "memory.max", "memory.peak")
V1_FILES = ("memory.oom_control", "memory.limit_in_bytes", "memory.max_usage_in_bytes")
#: cgroup v1 writes "no limit" as the largest page-aligned signed 64-bit number.
UNLIMITED_FROM = 1 << 62


# -- pure --------------------------------------------------------------------------------------


def parse_oom_kills(text: str) -> int | None:
    """The ``oom_kill N`` count in memory.events (v2) or memory.oom_control (v1), or None."""
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "oom_kill" and value.strip().isascii() and value.strip().isdigit():
            return int(value)
    return None


def candidates(self_cgroup: str) -> list[tuple[str, tuple[str, str, str]]]:
    """Folders that may hold pyinit's memory cgroup, best first, from /proc/self/cgroup.

    A v1 ``N:...memory...:/path`` line wins over the v2 ``0::/path`` line (on a hybrid host
    the memory controller is v1's). Each path comes before its mount point (see above).
    """
    v1 = v2 = None
    for line in self_cgroup.splitlines():
        number, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if number == "0" and controllers == "":
            v2 = path
        elif "memory" in controllers.split(","):
            v1 = path
    if v1 is None and v2 is None:  # no /proc: try both mount points
        return [(V2, V2_FILES), (V1, V1_FILES)]
    found: list[tuple[str, tuple[str, str, str]]] = []
    for path, mount, files in ((v1, V1, V1_FILES), (v2, V2, V2_FILES)):
        # "/.." : outside the root of our cgroup namespace, so the mount point is not ours
        if path is not None and path.startswith("/") and "/.." not in path:
            if path != "/":
                found.append((mount + path, files))
            found.append((mount, files))
    return found


def parse_bytes(text: str) -> int | None:
    """A byte count from memory.max/memory.peak/...: None for ``max`` (no limit) and junk."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return None if number >= UNLIMITED_FROM else number


def size_text(number: int | None) -> str:
    """``67108864`` -> ``"64.0 MiB"``; None -> ``"none"``."""
    if number is None:
        return "none"
    if number < 1024:
        return f"{number} B"
    size, unit = number / 1024, "KiB"
    for bigger in ("MiB", "GiB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:.1f} {unit}"


def explain(who: str, rose: bool, limit: int | None, peak: int | None) -> str:
    """The one line for a process that died of SIGKILL, from what the cgroup said."""
    if rose and limit is None:
        return (
            f"{who} was killed by the kernel's OOM killer (no memory limit; peak {size_text(peak)})"
        )
    if rose:
        return (
            f"{who} was killed by the kernel's OOM killer: the container went over its memory "
            f"limit (limit {size_text(limit)}, peak {size_text(peak)})"
        )
    return (
        f"{who} was killed by SIGKILL from outside the container (or another process), not by "
        "the OOM killer: the memory cgroup counted no OOM kill (a stop timeout? kill -9?)"
    )


# -- reading -----------------------------------------------------------------------------------


def _read(path: str) -> str | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return os.read(fd, 4096).decode("ascii", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)


class Watch:
    """The memory cgroup's OOM-kill count, read at start; compared at each SIGKILL death."""

    __slots__ = ("folder", "files", "count")

    def __init__(self) -> None:
        self.folder = ""
        self.files = V2_FILES
        self.count = 0
        for folder, files in candidates(_read("/proc/self/cgroup") or ""):
            text = _read(f"{folder}/{files[0]}")
            count = parse_oom_kills(text) if text is not None else None
            if count is not None:
                self.folder, self.files, self.count = folder, files, count
                return

    def check(self) -> tuple[bool, int | None, int | None] | None:
        """Did the count rise since the last look? With the limit and the peak; None: unknown."""
        if not self.folder:
            return None
        text = _read(f"{self.folder}/{self.files[0]}")
        count = parse_oom_kills(text) if text is not None else None
        if count is None:
            return None
        rose, self.count = count > self.count, count
        if not rose:
            return False, None, None
        limit, peak = (_read(f"{self.folder}/{name}") for name in self.files[1:])
        return (
            True,
            parse_bytes(limit) if limit is not None else None,
            parse_bytes(peak) if peak is not None else None,
        )


def report(watch: Watch, pid: int, status: int, main_child: bool) -> None:
    """At a death: if ``status`` is a SIGKILL, log what the memory cgroup says about it.

    For the main child always one warning line (OOM or not); for an orphan only an OOM kill.
    """
    if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9):  # SIGKILL
        return
    seen = watch.check()
    if seen is None or not (seen[0] or main_child):
        return
    rose, limit, peak = seen
    who = f"child {pid}" if main_child else f"orphan {pid}"
    event = "oom" if rose else "sigkill"
    log(WARNING, event, explain(who, rose, limit, peak), child=pid, limit=limit, peak=peak)
