"""What pyinit says on stderr: nothing by default, one line per event at ``-v``, JSON with
``--log-format json``; and an internal error is logged, never fatal, while a child runs."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator

import pytest

from tests.conftest import Launch
from tests.support import Running, program, wait_for


def test_log_lines_at_verbose_and_json(launch: Launch) -> None:
    init = launch("-v", "--", "sh", "-c", "exit 3")
    assert init.wait() == 3
    assert init.stderr == [
        "[pyinit] started 'sh -c exit 3' as pid 2",
        "[pyinit] child 2 exited with 3",
        "[pyinit] exiting with 3",
    ]
    init = launch("-v", "--log-format", "json", "--", "sh", "-c", "exit 3")
    assert init.wait() == 3
    records = [json.loads(line) for line in init.stderr]
    assert [r["event"] for r in records] == ["spawn", "child-exit", "exit"]
    assert records[-1]["code"] == 3 and records[0]["pid"] == 1 and records[0]["level"] == "info"


@pytest.fixture
def buggy() -> Iterator[Running]:
    """pyinit (python -m only: the bug is injected into its modules) as PID 1, whose loop
    raises on the first signal it carries out (tests/programs/buggy_pyinit.py)."""
    recorder = program("recorder.py", "--exit-on", "SIGTERM")
    init = Running([*program("buggy_pyinit.py"), "-r", "USR1:USR2", "--", *recorder], pid1=True)
    yield init
    init.close()


def test_a_bug_in_the_loop_is_logged_and_survived(buggy: Running) -> None:
    buggy.expect_line("ready")
    buggy.kill(signal.SIGUSR1)
    wait_for(lambda: "injected bug" in buggy.log(), what="the bug to be logged")
    assert "internal error, still supervising: RuntimeError('injected bug')" in buggy.log()
    buggy.kill(signal.SIGUSR1)
    buggy.expect_exact("SIGUSR2")
    buggy.kill(signal.SIGTERM)
    assert buggy.wait() == 0
