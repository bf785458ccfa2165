"""The verdicts: how the examined process takes the stop signal, zombies, process groups."""

from __future__ import annotations

import os
import time

from pyinit.doctor import procinfo
from pyinit.doctor.kinds import classify, is_sandbox, kind_text
from pyinit.doctor.proc import (
    Unreadable,
    exe,
    ns_inode,
    nspid_chain,
    proc_is_ours,
    read_cgroup,
    read_cmdline,
    read_comm,
    read_status,
    read_wchan,
    sigtimedwait_set,
    snapshot,
)
from pyinit.doctor.report import EXIT_OK, EXIT_PROBLEMS, Proc, Report, SignalReport, Zombie, brief
from pyinit.doctor.tree import (
    by_age,
    container_top,
    descendants,
    own_chain,
    top_level,
    tree_rows,
)
from pyinit.known import GROUP_FORWARDERS, INITS

CORE_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP")


def examine(pid: int, stopsignal: int, wait: float, *, follow_sandbox: bool = False) -> Report:
    """Examine ``pid``. With ``follow_sandbox`` (no PID given), when ``pid`` is a pod's sandbox,
    examine the top process of doctor's own container instead, and say so."""
    trusted = proc_is_ours()
    try:
        procs = snapshot()
    except Exception as e:  # psutil errors, /proc races
        raise Unreadable(f"cannot list processes: {e}") from None
    sandbox: Proc | None = None
    first = procs.get(pid)
    if follow_sandbox and trusted and first is not None and is_sandbox(first.name, first.cmdline):
        top = container_top(procs, os.getpid(), read_cgroup(os.getpid()))
        if top is not None:
            sandbox, pid = first, top
    status = read_status(pid)
    chain = nspid_chain(status)
    nspid = chain[-1] if chain else pid
    is_ns_init = nspid == 1
    theirs = ns_inode(pid)
    same_ns = theirs is not None and ns_inode(os.getpid()) == theirs
    cmdline = read_cmdline(pid)
    name = read_comm(pid) or status.get("Name", "?")
    exe_path = exe(pid)
    if pid not in procs:
        raise Unreadable(f"process {pid} went away while examining it")
    kind = classify(name, exe_path, cmdline)
    r = Report(
        pid=pid, nspid=nspid, is_ns_init=is_ns_init, same_namespace=same_ns, name=name,
        exe=exe_path, cmdline=cmdline, kind=kind, kind_text=kind_text(kind),
        stopsignal=procinfo.signal_name(stopsignal), tree=tree_rows(procs, pid),
        proc_trusted=trusted, sandbox=brief(sandbox) if sandbox else None,
    )  # fmt: skip
    who = "PID 1" if is_ns_init else f"pid {pid}"
    if not trusted:
        r.notes.append(
            "/proc here is not the /proc of doctor's PID namespace (/proc/self is not doctor's "
            "pid): its pids, and its PID 1, may be another namespace's processes; mount /proc "
            "for this namespace (unshare --mount-proc) for a true report"
        )
    if sandbox is not None:
        r.notes.append(
            f"PID 1 ({sandbox.command}) is the pod's sandbox: the containers of this pod share "
            f"one PID namespace, so this container's top process is pid {pid}, not PID 1. "
            "Examined pid "
            f"{pid}: the kernel's PID-1 rule does not apply to it, and its orphans go to the "
            "sandbox (or to pyinit, which makes itself a subreaper)"
        )
    elif kind == "sandbox":
        mine = own_chain(procs, os.getpid()) if trusted else set()
        tops = [p.pid for p in by_age([procs[c] for c in top_level(procs, pid) if c not in mine])]
        listed = ", ".join(f"{p} ({procs[p].name})" for p in tops) or "none seen"
        r.notes.append(
            f"{who} is a pod sandbox, not a workload: examine a container's top process "
            f"instead (pyinit doctor PID): {listed}"
        )
    elif not is_ns_init:
        r.notes.append(
            f"pid {pid} is not PID 1 of its PID namespace (it is pid {nspid} there): "
            "the kernel treats its signals as for any process"
        )

    live_kids = by_age([procs[c] for c in procs[pid].children])
    if kind == "shell" and live_kids:
        kid = live_kids[0]
        if is_ns_init:
            why = "`docker stop` signals the shell, which does not pass the signal on"
        else:  # the stop signal's default action ends the shell; the runtime kills the rest
            why = (
                "the stop signal goes to the shell, which dies of it or ignores it, and the app "
                "never gets it: it is SIGKILLed when the container goes"
            )
        r.problems.append(
            f"{who} is a shell ({name}) running the app as child pid {kid.pid} "
            f"({kid.command}) instead of exec'ing it: {why}. Use `exec` in the script, the "
            'exec form ENTRYPOINT ["app", ...], or run it under pyinit'
        )
    elif kind == "shell":
        r.warnings.append(f"{who} is a shell ({name}); make sure it `exec`s the application")
    elif kind == "app" and is_ns_init:
        r.warnings.append(
            "PID 1 is the application itself: it must handle the stop signal and reap orphaned "
            "zombies on its own; run it under an init (pyinit -- app) to get both"
        )
    _check_signals(r, status, stopsignal, shell_waits=kind == "shell" and bool(live_kids))
    desc = descendants(procs, pid)
    _check_zombies(r, procs, [z for z in desc if procs[z].state == "zombie"], wait)
    _check_group(r, procs, desc, live_kids)
    if is_ns_init and trusted and kind != "sandbox":
        _check_others(r, procs, set(desc) | {pid}, theirs)
    r.exit_code = EXIT_PROBLEMS if r.problems else EXIT_OK
    return r


def _check_signals(r: Report, status: dict[str, str], stopsignal: int, shell_waits: bool) -> None:
    """How the examined process takes the stop signal and the other usual ones."""
    who = "PID 1" if r.is_ns_init else f"pid {r.pid}"
    wanted = [procinfo.signal_number(n) for n in CORE_SIGNALS]
    if stopsignal not in wanted:
        wanted.insert(0, stopsignal)
    in_wait, waited = sigtimedwait_set(r.pid)
    if in_wait and waited is not None:
        blocked = procinfo.parse_mask(status.get("SigBlk", "0")) | waited
        status = dict(status, SigBlk=procinfo.mask_hex(blocked))
        among = [procinfo.signal_name(n) for n in wanted if n in waited]
        r.notes.append(
            f"{who} is waiting in sigtimedwait() for {len(waited)} signals"
            f"{' (among them ' + ' '.join(among) + ')' if among else ''}; "
            "they count as blocked (the kernel hides them from SigBlk meanwhile)"
        )
    for num in wanted:
        state = procinfo.signal_state(status, num)
        pending = procinfo.is_pending(status, num)
        stop = num == stopsignal
        text, sev = procinfo.meaning(num, state, pid1=r.is_ns_init, pending=pending, stop=stop)
        if in_wait and waited is None and state == "default":
            text = (
                f"{who} sleeps in sigtimedwait(), which hides the signals it waits for from "
                f"SigBlk; could not read which (needs ptrace access): {text}"
            )
            sev = "warn" if sev == "problem" else sev
        if shell_waits and stop and state == "caught":
            text += " (but a shell runs its trap only after the foreground child exits)"
            sev = "warn" if sev == "ok" else sev
        name = procinfo.signal_name(num)
        blocked = procinfo.is_blocked(status, num)
        r.signals.append(SignalReport(name, num, state, blocked, pending, sev, text))
        # Only the stop signal goes into the verdict; the others stay in the table.
        if stop and sev != "ok":
            (r.problems if sev == "problem" else r.warnings).append(
                f"the stop signal {name}: {text}"
            )


def _check_zombies(r: Report, procs: dict[int, Proc], zombie_pids: list[int], wait: float) -> None:
    """Watch the zombies for ``wait`` seconds; the ones left are not being reaped."""
    import psutil

    still = set(zombie_pids)
    deadline = time.monotonic() + wait
    while still and time.monotonic() < deadline:
        time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        for z in list(still):
            try:
                if psutil.Process(z).status() != psutil.STATUS_ZOMBIE:
                    still.discard(z)
            except psutil.Error:
                still.discard(z)
    for z in zombie_pids:
        zp = procs[z]
        parent = procs.get(zp.ppid)
        pname = parent.name if parent else "?"
        parent_kind = classify(parent.name, exe(parent.pid), parent.cmdline) if parent else "app"
        if z not in still:
            reaps, why = True, "reaped while doctor watched"
        elif read_wchan(zp.ppid).startswith("do_wait"):
            reaps, why = True, "its parent is waiting in wait(), so it will reap it"
        elif parent_kind in INITS.values() and wait <= 0:
            reaps, why = True, f"its parent is {parent_kind}, an init that reaps"
        else:
            reaps = False
            why = (
                f"still a zombie after {wait:g} s: its parent pid {zp.ppid} ({pname}) "
                "does not wait() for it"
            )
            if zp.ppid == r.pid and r.is_ns_init and parent_kind not in INITS.values():
                why += "; PID 1 must reap orphans, and this one does not"
        r.zombies.append(Zombie(z, zp.nspid, zp.name, zp.ppid, pname, reaps, why))
        if not reaps:
            r.problems.append(f"zombie pid {z} ({zp.name}): {why}")


def _check_group(r: Report, procs: dict[int, Proc], desc: list[int], kids: list[Proc]) -> None:
    """Who a signal to the main child's process group (what inits forward) will miss."""
    skip: set[int] = set()
    if r.kind == "pyinit" and len(kids) == 1 and r.exe and exe(kids[0].pid) == r.exe:
        inner = kids[0]
        if classify(inner.name, r.exe, inner.cmdline) == "pyinit" and inner.cmdline == r.cmdline:
            # A single-file build made with PyInstaller's stock bootloader (scripts/build-binary's
            # fallback): the bootloader stays PID 1 and hands each signal to its child, the
            # same binary, which is pyinit proper. Ours execs instead (docs/FROZEN.md).
            who = "PID 1" if r.is_ns_init else f"pid {r.pid}"
            r.notes.append(
                f"{who} is the bootloader of the single-file pyinit; pyinit itself is pid "
                f"{inner.pid}, and the bootloader passes signals on to it"
            )
            kids = by_age([procs[c] for c in inner.children])
            skip.add(inner.pid)
    ref: Proc | None = procs[r.pid]
    if r.kind in GROUP_FORWARDERS or (r.kind in INITS.values() and kids):
        ref = kids[0] if kids else None
    if ref is None:
        return
    r.signal_group = ref.pgid
    for d in desc:
        p = procs[d]
        if p.state != "zombie" and p.pid != ref.pid and p.pid not in skip and p.pgid != ref.pgid:
            r.outside_group.append(brief(p))
    if r.outside_group:
        outside = r.outside_group
        names = ", ".join(f"{o['pid']} ({o['name']}, pgid {o['pgid']})" for o in outside[:5])
        if len(outside) > 5:
            names += f" and {len(outside) - 5} more"
        whose = "of PID 1" if ref.pid == r.pid else f"of the main child pid {ref.pid}"
        r.warnings.append(
            f"{len(outside)} process(es) outside process group {ref.pgid} {whose}: a signal "
            f"sent to that group (what pyinit and dumb-init forward) will miss {names}; "
            "they are SIGKILLed when PID 1 exits"
        )


def _check_others(r: Report, procs: dict[int, Proc], inside: set[int], ns: int | None) -> None:
    """Processes of PID 1's namespace that are not under it (docker exec sessions...)."""
    mine = own_chain(procs, os.getpid())
    for p in procs.values():
        if p.pid not in inside and p.pid not in mine and ns is not None and ns_inode(p.pid) == ns:
            r.others_in_namespace.append(brief(p))
    if r.others_in_namespace:
        r.notes.append(
            f"{len(r.others_in_namespace)} other process(es) in this PID namespace are not "
            "under PID 1 (docker exec sessions?): PID 1 does not signal them"
        )
