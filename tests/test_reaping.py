"""Every orphan that comes to pyinit is reaped: as PID 1 the kernel hands it every orphan of
the namespace (from its own tree and from ``docker exec``'s); not as PID 1 it is a
subreaper. For each artifact (``launch``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import pytest

from tests.conftest import Launch
from tests.support import (
    children,
    descendants,
    has_signal,
    program,
    state,
    wait_for,
    zombies_under,
)


@pytest.mark.in_place("it is PID 1, and pyinit behind it a subreaper")
@pytest.mark.parametrize("count", [1, 5])
def test_orphans_go_to_pid1_and_are_reaped(launch: Launch, count: int) -> None:
    init = launch("--", *program("orphans.py", str(count), "--report"))
    init.expect_line(f"spawned {count}")
    adopters = [line.split()[-1] for line in init.stdout if line.startswith("orphan")]
    assert adopters == ["1"] * count, init.stdout
    pyinit = init.pid

    def no_zombies() -> bool:
        return not any(state(pid) == "Z" for pid in [pyinit, *descendants(pyinit)])

    # the workload, nothing else (an orphan may still be exiting after its report)
    wait_for(lambda: no_zombies() and len(descendants(pyinit)) == 1, what="orphans reaped")
    init.kill(signal.SIGTERM)
    assert init.wait() == 0


def test_a_thousand_orphans_leave_no_zombie(launch: Launch) -> None:
    init = launch("--", *program("orphans.py", "1000"))
    init.expect_line("spawned 1000", timeout=30)
    child = init.child()
    wait_for(lambda: children(init.pid) == [child], timeout=10, what="every orphan reaped")
    assert zombies_under(init.pid) == []
    init.kill(signal.SIGTERM)
    assert init.wait() == 0


def test_orphans_are_reaped_while_the_child_lives_and_after(launch: Launch) -> None:
    # -w: a warning for every orphan reaped (tini's flag)
    init = launch("-w", "--", *program("orphans.py", "50", "--exit"))
    assert init.wait(30) == 0
    assert len([line for line in init.stderr if "reaped orphan" in line]) == 50, init.log()


@pytest.mark.in_place("it is PID 1, and these orphans go to it")
def test_orphans_from_outside_pyinit_are_reaped(launch: Launch) -> None:
    """What `docker exec` starts enters the PID namespace from outside, so it is no descendant
    of pyinit: when its parent exits, its orphans go to PID 1, which is pyinit itself, and
    its loop reaps them as any other child."""
    init = launch("--", "sleep", "30")
    pyinit, workload = init.pid, init.child()
    entered = subprocess.run(
        ["nsenter", "-t", str(pyinit), "--pid", "--mount", "sh", "-c", "sleep 1000 & sleep 1000 &"],
        stdout=subprocess.DEVNULL,  # not a pipe: the sleeps would hold it open to their end
        stderr=subprocess.DEVNULL,
        timeout=30,
    )
    assert entered.returncode == 0

    def orphans() -> list[int]:
        return [pid for pid in children(pyinit) if pid != workload]

    adopted = wait_for(
        lambda: len(orphans()) == 2 and orphans(), what="the exec session's orphans to reach PID 1"
    )
    for pid in adopted:  # they end while adopted: now who reaps them?
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: orphans() == [], what="pyinit to reap them")
    init.kill(signal.SIGTERM)
    assert init.wait() == 128 + signal.SIGTERM


def test_subreaper_when_not_pid1(launch: Launch) -> None:
    # Not PID 1: orphans would go to the real init, unless pyinit is a subreaper.
    init = launch("-w", "--", *program("orphans.py", "20"), pid1=False)
    init.expect_line("spawned 20")
    wait_for(
        lambda: len([line for line in init.stderr if "reaped orphan" in line]) == 20,
        what="20 orphans reaped by pyinit",
    )
    init.kill(signal.SIGTERM)
    assert init.wait() == 0


def test_inherited_ignored_sigchld(launch: Launch) -> None:
    # With SIGCHLD ignored the kernel would reap for pyinit and it would wait forever.
    wrapper = tuple(program("sigstate.py", "--ignore", "CHLD", "--"))
    assert launch("--", "sh", "-c", "exit 3", wrapper=wrapper).wait() == 3
    init = launch("--", "grep", "SigIgn", "/proc/self/status", wrapper=wrapper)
    assert init.wait() == 0
    assert has_signal(init.expect_line("SigIgn").split()[1], signal.SIGCHLD)  # kept for the child


@pytest.mark.in_place("it forks and waits for its own child only")
def test_a_caller_that_ignores_sigchld_and_leaves_a_child(launch: Launch) -> None:
    """With SIGCHLD ignored the kernel reaps children itself and pyinit would never learn its
    child's status; pyinit puts SIGCHLD back to its default first (no bootloader is left to
    wait in front of it): the exit status arrives at once, though a sibling it did not fork
    runs on."""
    start = time.monotonic()
    init = launch(
        "--", "sh", "-c", "exit 3", pid1=False, wrapper=tuple(program("sibling_launcher.py"))
    )
    sibling = int(wait_for(lambda: init.stderr[:1], what="the sibling's pid")[0])
    try:
        assert init.wait(60) == 3, init.log()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(sibling, signal.SIGKILL)
    elapsed = time.monotonic() - start
    assert elapsed < 10, f"{elapsed:.1f} s: something waited for the sibling"
