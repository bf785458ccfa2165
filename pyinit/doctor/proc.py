"""Reading /proc: status, stat, cmdline, the process list (all of doctor's system calls)."""

from __future__ import annotations

import os
from typing import Any

from pyinit.doctor import procinfo
from pyinit.doctor.report import Proc


class Unreadable(Exception):
    pass


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace", newline="") as f:  # keep a CR as it is
        return f.read()


def read_status(pid: int) -> dict[str, str]:
    try:
        return procinfo.parse_status(_read(f"/proc/{pid}/status"))
    except (FileNotFoundError, ProcessLookupError):
        raise Unreadable(f"no such process: {pid}") from None
    except PermissionError:
        raise Unreadable(f"permission denied reading /proc/{pid}/status") from None
    except OSError as e:
        raise Unreadable(f"cannot read /proc/{pid}/status: {e.strerror or e}") from None


def read_cmdline(pid: int) -> list[str]:
    try:
        raw = _read(f"/proc/{pid}/cmdline")
    except OSError:
        return []
    return raw.split("\0")[:-1] if raw.endswith("\0") else raw.split("\0")


def read_stat(pid: int) -> dict[str, Any] | None:
    """state, ppid, pgid, sid from /proc/PID/stat (None when the process is gone)."""
    try:
        raw = _read(f"/proc/{pid}/stat")
    except OSError:
        return None
    rest = raw[raw.rfind(")") + 2 :].split()
    if len(rest) < 4:
        return None
    return {"state": rest[0], "ppid": int(rest[1]), "pgid": int(rest[2]), "sid": int(rest[3])}


def read_comm(pid: int) -> str | None:
    """The raw process name. (status's Name is the kernel's escaped form of it: ``\\n``.)"""
    try:
        return _read(f"/proc/{pid}/comm").removesuffix("\n")
    except OSError:
        return None


def read_wchan(pid: int) -> str:
    try:
        return _read(f"/proc/{pid}/wchan").strip()
    except OSError:
        return ""


def sigtimedwait_set(pid: int) -> tuple[bool, frozenset[int] | None]:
    """Is ``pid`` sleeping in sigtimedwait/sigwaitinfo, and on which signals?

    While a thread sleeps there the kernel clears the waited signals from the blocked mask
    that /proc shows (they stay blocked for delivery), so tini and pyinit look as if they did
    not block SIGTERM at all. The waited set is read from the process memory (needs ptrace
    access, i.e. root or the same user); None when it cannot be read.
    """
    import platform

    if not read_wchan(pid).startswith("do_sigtimedwait"):
        return False, None
    try:
        parsed = procinfo.parse_syscall(_read(f"/proc/{pid}/syscall"))
        nr = procinfo.RT_SIGTIMEDWAIT.get(platform.machine())
        if parsed is None or nr is None or parsed[0] != nr:
            return True, None
        with open(f"/proc/{pid}/mem", "rb") as mem:
            mem.seek(parsed[1][0])
            raw = mem.read(8)
        if len(raw) != 8:
            return True, None
        return True, procinfo.mask_from_bytes(raw)
    except (OSError, ValueError, OverflowError):
        return True, None


def ns_inode(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}/ns/pid").st_ino
    except OSError:
        return None


def read_cgroup(pid: int) -> str:
    """The text of /proc/PID/cgroup ("" when unreadable): which container a process is in."""
    try:
        return _read(f"/proc/{pid}/cgroup")
    except OSError:
        return ""


def proc_is_ours() -> bool:
    """Is the mounted /proc the one of doctor's own PID namespace?

    Under ``unshare --pid --fork`` without ``--mount-proc`` it is the parent namespace's:
    its pid numbers (and its "PID 1") belong to other processes. There /proc/self names
    another number than the one doctor has in its own namespace.
    """
    try:
        return os.readlink("/proc/self") == str(os.getpid())
    except OSError:
        return False


def nspid_chain(status: dict[str, str]) -> list[int]:
    try:
        return [int(x) for x in status.get("NSpid", "").split()]
    except ValueError:
        return []


def snapshot() -> dict[int, Proc]:
    """Every visible process, with pgid/sid/NSpid from /proc (psutil for the walk)."""
    import psutil

    procs: dict[int, Proc] = {}
    for p in psutil.process_iter(["pid", "ppid", "name", "status", "cmdline", "create_time"]):
        info = p.info
        st = read_stat(info["pid"])
        if st is None:
            continue
        try:
            status = procinfo.parse_status(_read(f"/proc/{info['pid']}/status"))
        except OSError:
            continue
        chain = nspid_chain(status)
        procs[info["pid"]] = Proc(
            pid=info["pid"],
            ppid=st["ppid"],
            nspid=chain[-1] if chain else info["pid"],
            name=info["name"] or status.get("Name", "?"),
            state=str(info["status"] or st["state"]),
            pgid=st["pgid"],
            sid=st["sid"],
            cmdline=list(info["cmdline"] or []),
            start=float(info["create_time"] or 0.0),
            cgroup=read_cgroup(info["pid"]),
        )
    for proc in procs.values():
        parent = procs.get(proc.ppid)
        if parent is not None and proc.pid != proc.ppid:
            parent.children.append(proc.pid)
    for proc in procs.values():
        proc.children.sort()
    return procs


def exe(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def signals_only(pid: int) -> dict[str, Any]:
    status = read_status(pid)
    chain = nspid_chain(status)
    masks = {}
    for f in procinfo.MASK_FIELDS:
        if f in status:
            masks[f] = {"hex": status[f], "signals": procinfo.mask_names(status[f])}
    threads: dict[str, str] = {}
    try:
        tids = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))
    except OSError:
        tids = []
    for tid in tids:
        if tid == pid:
            continue
        try:
            ts = procinfo.parse_status(_read(f"/proc/{pid}/task/{tid}/status"))
        except OSError:
            continue
        if ts.get("SigBlk") != status.get("SigBlk"):
            threads[str(tid)] = ts.get("SigBlk", "")
    in_wait, waited = sigtimedwait_set(pid)
    if in_wait:
        masks["sigtimedwait"] = {
            "hex": procinfo.mask_hex(waited) if waited else "?",
            "signals": [procinfo.signal_name(n) for n in sorted(waited or ())],
        }
    return {
        "pid": pid,
        "nspid": chain[-1] if chain else pid,
        "name": status.get("Name", "?"),
        "masks": masks,
        "threads_blocking_differently": {
            t: {"hex": m, "signals": procinfo.mask_names(m)} for t, m in threads.items() if m
        },
    }
