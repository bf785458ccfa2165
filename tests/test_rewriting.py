"""``-r FROM:TO`` rewrites a signal before pyinit forwards it; ``TO`` = 0 drops it. For each
artifact (``launch``)."""

from __future__ import annotations

import signal

import pytest

from tests.conftest import Launch
from tests.support import program, signal_name, state, wait_for


@pytest.mark.parametrize(
    ("rewrite", "sent", "received"),
    [
        ("TERM:INT", signal.SIGTERM, "SIGINT"),
        ("15:2", signal.SIGTERM, "SIGINT"),
        ("SIGUSR1:SIGUSR2", signal.SIGUSR1, "SIGUSR2"),
        ("RTMIN+1:HUP", signal.SIGRTMIN + 1, "SIGHUP"),
    ],
)
def test_rewrite(launch: Launch, rewrite: str, sent: int, received: str) -> None:
    init = launch("-r", rewrite, "--", *program("recorder.py"))
    init.expect_line("ready")
    init.kill(sent)
    init.expect_exact(received)
    init.kill(signal.SIGWINCH)  # a marker: anything forwarded before it has arrived by now
    init.expect_exact("SIGWINCH")
    assert signal_name(sent) not in init.stdout


def test_rewrite_to_zero_drops(launch: Launch) -> None:
    init = launch("-v", "-r", "TERM:0", "--", *program("recorder.py"))
    init.expect_line("ready")
    init.kill(signal.SIGTERM)
    wait_for(lambda: "dropped SIGTERM" in init.log(), what="the drop to be logged")
    init.kill(signal.SIGUSR1)  # a marker: anything forwarded before it has arrived by now
    init.expect_exact("SIGUSR1")
    assert "SIGTERM" not in init.stdout


def test_rewritten_terminal_stop_does_not_stop_pyinit(launch: Launch) -> None:
    init = launch("-r", "TSTP:USR1", "--", *program("recorder.py"), pid1=False)
    init.expect_line("ready")
    init.kill(signal.SIGTSTP)
    init.expect_exact("SIGUSR1")
    init.kill(signal.SIGUSR2)  # still forwarding: it did not stop itself
    init.expect_exact("SIGUSR2")
    assert state(init.pid) != "T"
