"""Is /proc the /proc of our own PID namespace? Only then may its pids be signalled.

A /proc shows the processes of the PID namespace it was mounted in, numbered as that
namespace numbers them. ``unshare --pid --fork`` without ``--mount-proc`` (or a container
that bind-mounts the host's /proc) leaves the host's: its pid 1 is the host's init, its
children are host processes, and their numbers mean other processes (or none) to
``kill(2)`` in our namespace. A /proc of a namespace we are not in does not show us at all.

The test: the ``NSpid`` line of ``/proc/self/status`` lists our pid in every namespace
from the one /proc was mounted in down to our own (Linux 4.1+, fs/proc/array.c). It holds
exactly one number, ``os.getpid()``, only when the two are the same namespace. Comparing
``readlink /proc/self`` with ``os.getpid()`` alone can be fooled: a process can have the
same number in two nested namespaces; it is the fallback only where NSpid is missing.
"""

from __future__ import annotations

import os


def nspid_says_own(status: str, self_link: str, pid: int) -> bool:
    """Pure: does ``/proc/self/status`` (text) and ``/proc/self`` (link) read as ours?"""
    for line in status.splitlines():
        if line.startswith("NSpid:"):
            return line.split()[1:] == [str(pid)]
    return self_link == str(pid)  # a kernel before 4.1: no NSpid line


def foreign_proc(pid: int | None = None) -> str | None:
    """None when /proc is our PID namespace's; else why not, in a few words."""
    pid = os.getpid() if pid is None else pid
    try:
        self_link = os.readlink("/proc/self")
        with open("/proc/self/status", encoding="ascii", errors="replace") as file:
            status = file.read()
    except FileNotFoundError:  # /proc/self: no process of ours in this /proc, or no /proc
        if os.path.ismount("/proc"):
            return "/proc belongs to a PID namespace that pyinit is not in"
        return "/proc is not mounted"
    except OSError as error:  # out of descriptors, say: not proven ours, so not trusted
        return f"/proc cannot be read ({error.strerror})"
    if nspid_says_own(status, self_link, pid):
        return None
    return "/proc belongs to another PID namespace (the host's?)"
