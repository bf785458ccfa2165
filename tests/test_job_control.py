"""Terminal stops: SIGTSTP/TTIN/TTOU sent to pyinit stop its child's group (as SIGSTOP in
session mode: the kernel discards a terminal stop sent to an orphaned process group), and
SIGCONT resumes it. For each artifact (``launch``); under a real terminal: test_terminal.py.
"""

from __future__ import annotations

import signal

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
