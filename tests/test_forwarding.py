"""Every catchable signal sent to pyinit reaches its child's process group (session mode) or
its child alone (``-c``), as PID 1 of a new PID namespace, for each artifact (``launch``).

A terminal stop (TSTP/TTIN/TTOU) is the exception: test_job_control.py.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.conftest import Launch
from tests.support import descendants, program, state, wait_for
from tests.support import signal_name as name

STANDARD = [
    s
    for s in range(1, 32)
    if s not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD) and s in signal.valid_signals()
]
REALTIME = list(range(signal.SIGRTMIN, signal.SIGRTMAX + 1))
TERMINAL_STOPS = (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)


def test_sigterm_ends_sh_within_a_second_with_143(launch: Launch) -> None:
    init = launch("--", "sh", "-c", "sleep 1000; echo not reached")
    wait_for(lambda: descendants(init.pid), what="sh to start")
    started = time.monotonic()
    init.kill(signal.SIGTERM)
    assert init.wait(5) == 143
    assert time.monotonic() - started < 1.0


def test_every_standard_signal_is_forwarded_to_the_group(launch: Launch) -> None:
    # Keep the terminal stops as they are (by default they become SIGSTOP).
    keep = [f"-r{s}:{s}" for s in TERMINAL_STOPS]
    init = launch(*keep, "--", *program("recorder.py", "--grandchild"))
    init.expect_line("grandchild ready")
    init.expect_line("ready")
    for signo in STANDARD:
        init.kill(signo)
        init.expect_exact(f"grandchild {name(signo)}")
        init.expect_exact(name(signo))
    assert state(init.child()) != "T"
    init.kill(signal.SIGKILL)


def test_single_child_mode_signals_only_the_child(launch: Launch) -> None:
    init = launch("-c", "--", *program("recorder.py", "--grandchild"))
    init.expect_line("grandchild ready")
    init.expect_line("ready")
    for signo in (signal.SIGUSR1, signal.SIGTSTP, signal.SIGSEGV, signal.SIGHUP):
        init.kill(signo)
        init.expect_line(name(signo))
    init.kill(signal.SIGUSR2)
    init.expect_line("SIGUSR2")
    assert not [line for line in init.stdout if line.startswith("grandchild SIG")]


@pytest.mark.parametrize("mode", [[], ["-c"]], ids=["session", "single-child"])
def test_realtime_signals_are_forwarded(launch: Launch, mode: list[str]) -> None:
    init = launch(*mode, "--", *program("recorder.py"))
    init.expect_line("ready")
    for signo in REALTIME:
        init.kill(signo)
        init.expect_line(name(signo))


def test_signal_reaches_a_child_that_left_its_group(launch: Launch) -> None:
    # With -c the child shares pyinit's session and may leave it. (In session
    # mode it leads its own session and the kernel forbids leaving: EPERM.)
    init = launch("-c", "--", *program("recorder.py", "--setsid"))
    ready = init.expect_line("ready")
    pid, pgid = (int(word.split("=")[1]) for word in ready.split()[1:])
    assert pid == pgid  # it is now leader of a group of its own, not pyinit's child's
    init.kill(signal.SIGUSR1)
    init.expect_line("SIGUSR1")


def test_signal_sent_before_the_child_exists_is_forwarded(launch: Launch) -> None:
    # sigstate.py blocks TERM, sends it to itself and execs pyinit: TERM is pending
    # before pyinit even starts. The child gets TERM blocked too (pyinit restores
    # the mask it was started with), so it only sees the TERM pyinit forwards.
    wrapper = program("sigstate.py", "--pending", "TERM", "--")
    recorder = program("recorder.py", "--unblock", "--exit-on", "SIGTERM")
    init = launch("-c", "--", *recorder, wrapper=tuple(wrapper))
    init.expect_exact("SIGTERM")
    assert init.wait() == 0


def test_single_child_mode_from_the_environment(launch: Launch) -> None:
    env = {**os.environ, "DUMB_INIT_SETSID": "0"}
    init = launch("--", "sh", "-c", "cut -d' ' -f6 /proc/self/stat", pid1=False, env=env)
    assert init.wait() == 0
    assert init.stdout == [str(os.getsid(0))]  # no new session: the one pyinit runs in
