"""Terminal stops: SIGTSTP/TTIN/TTOU sent to pyinit stop its child's group (as SIGSTOP in
session mode: the kernel discards a terminal stop sent to an orphaned process group), and
SIGCONT resumes it. For each artifact (``launch``); under a real terminal: test_terminal.py.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.conftest import Launch
from tests.support import descendants, program, state, wait_for


@pytest.mark.parametrize("stop", [signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU])
def test_a_terminal_stop_stops_and_sigcont_continues_the_group(
    launch: Launch, stop: signal.Signals
) -> None:
    init = launch("--", *program("recorder.py", "--grandchild"))
    init.expect_line("grandchild ready")
    init.expect_line("ready")
    group = descendants(init.pid)
    assert len(group) == 2
    init.kill(stop)
    wait_for(lambda: all(state(pid) == "T" for pid in group), what="the group to stop")
    assert state(init.pid) != "T"  # PID 1 goes on: it must forward the SIGCONT
    init.kill(signal.SIGCONT)
    wait_for(lambda: all(state(pid) in ("S", "R") for pid in group), what="the group to continue")
    init.expect_line("grandchild SIGCONT")
    init.expect_exact("SIGCONT")


def test_sigcont_right_behind_a_stop_is_not_lost(launch: Launch) -> None:
    """SIGCONT sent the moment the group has stopped, 50 times: as PID 1 pyinit must not
    then stop itself (dumb-init's job-control rule), because the kernel, before it ignores
    a SIGSTOP that PID 1 sends itself, discards every pending SIGCONT: the child would stay
    stopped (docker kill -s TSTP, then -s CONT). The test looks without a pause between
    looks, to send SIGCONT within microseconds of the stop."""
    init = launch("--", *program("recorder.py"))
    init.expect_line("ready")
    child = init.child()
    for _ in range(50):
        init.kill(signal.SIGTSTP)
        deadline = time.monotonic() + 10
        while state(child) != "T":
            assert time.monotonic() < deadline, "the child did not stop"
        init.kill(signal.SIGCONT)
        wait_for(lambda: state(child) in ("S", "R"), timeout=5, what="the child to continue")
