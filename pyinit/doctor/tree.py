"""Pure functions over a process snapshot: descendants, the tree, a container's top process."""

from __future__ import annotations

from typing import Any

from pyinit.doctor.report import Proc, brief


def descendants(procs: dict[int, Proc], pid: int) -> list[int]:
    out: list[int] = []
    stack = list(reversed(procs[pid].children)) if pid in procs else []
    while stack:
        cur = stack.pop()
        out.append(cur)
        stack.extend(reversed(procs[cur].children))
    return out


def tree_rows(procs: dict[int, Proc], root: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def walk(pid: int, depth: int) -> None:
        rows.append({**brief(procs[pid]), "depth": depth})
        for c in procs[pid].children:
            walk(c, depth + 1)

    if root in procs:
        walk(root, 0)
    return rows


def by_age(procs: list[Proc]) -> list[Proc]:
    """Live processes, oldest first: the main child comes before orphans re-parented later."""
    return sorted((p for p in procs if p.state != "zombie"), key=lambda p: (p.start, p.pid))


def top_level(procs: dict[int, Proc], init: int) -> list[int]:
    """Processes of the namespace whose parent is outside it (ppid 0 from inside), but ``init``.

    In a pod that shares one PID namespace these are the containers' top processes (each
    started by the runtime from outside) and ``exec`` sessions.
    """
    return sorted(p.pid for p in procs.values() if p.pid != init and p.ppid not in procs)


def own_chain(procs: dict[int, Proc], me: int) -> set[int]:
    """``me`` and its ancestors in the snapshot: doctor and the exec session that runs it."""
    mine: set[int] = set()
    cur: int | None = me
    while cur is not None and cur in procs and cur not in mine:
        mine.add(cur)
        cur = procs[cur].ppid if procs[cur].ppid in procs else None
    return mine


def container_top(procs: dict[int, Proc], me: int, my_cgroup: str) -> int | None:
    """The top process of the container that ``me`` (doctor) runs in, in a shared PID namespace.

    Candidates are the top-level processes (see :func:`top_level`) in ``me``'s cgroup, as
    ``podman exec``/``kubectl exec`` put doctor in the container's cgroup; doctor's own exec
    session is not one. The oldest wins: the container's init starts before any exec. When
    no cgroup matches (unreadable), the one top-level process that is not doctor's.
    """
    mine = own_chain(procs, me)
    init = min((p.pid for p in procs.values() if p.nspid == 1), default=0)
    others = by_age([procs[p] for p in top_level(procs, init) if p not in mine])
    same = [p for p in others if my_cgroup and p.cgroup == my_cgroup]
    if same:
        return same[0].pid
    if len(others) == 1 and not my_cgroup:
        return others[0].pid
    return None
