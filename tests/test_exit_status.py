"""pyinit exits with its child's status: the code it exited with, or 128 + the signal that
killed it (a shell's convention, and tini's and dumb-init's); ``-e CODE`` maps CODE to 0.
For each artifact (``launch``)."""

from __future__ import annotations

import signal
import subprocess

import pytest

from tests.artifacts import Artifact
from tests.conftest import Launch
from tests.support import descendants, program, wait_for

#: Codes that mean something to a caller: 126/127 (cannot run), 128+ (shells' signals).
SAMPLE = [0, 1, 2, 42, 125, 126, 127, 128, 129, 143, 254, 255]


def test_exit_codes_pass_through(artifact: Artifact) -> None:
    """Every code, 32 at a time, with ``python -m pyinit``; the codes that mean something to
    a caller with the others (their code path is the same, and a frozen start costs more).
    Not as PID 1: exit codes do not depend on it (test_exit_status_as_pid1_or_not)."""
    codes = range(256) if artifact.name == "module" else SAMPLE
    for start in range(0, len(codes), 32):
        batch = codes[start : start + 32]
        procs = {
            code: subprocess.Popen([*artifact.argv, "--", "sh", "-c", f"exit {code}"])
            for code in batch
        }
        assert {code: p.wait(20) for code, p in procs.items()} == {c: c for c in procs}


@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "not-pid1"])
@pytest.mark.parametrize(
    ("command", "code"),
    [
        ("exit 42", 42),
        ("exit 0", 0),
        ("kill -TERM $$", 128 + signal.SIGTERM),
        ("kill -KILL $$", 128 + signal.SIGKILL),
        ("kill -USR1 $$", 128 + signal.SIGUSR1),
    ],
)
def test_exit_status_as_pid1_or_not(launch: Launch, pid1: bool, command: str, code: int) -> None:
    init = launch("--", "sh", "-c", command, pid1=pid1)
    assert init.wait() == code, init.log()


@pytest.mark.parametrize("signo", [1, 2, 3, 6, 9, 10, 11, 15])
def test_death_by_signal_gives_128_plus_n(launch: Launch, signo: int) -> None:
    assert launch("--", *program("die.py", str(signo))).wait() == 128 + signo


def test_expect_maps_codes_to_zero(launch: Launch) -> None:
    assert launch("-e", "3", "--", "sh", "-c", "exit 3", pid1=False).wait() == 0
    assert launch("-e", "3", "--", "sh", "-c", "exit 4", pid1=False).wait() == 4
    init = launch("-e", "143", "--", "sleep", "1000")
    wait_for(lambda: descendants(init.pid), what="sleep")
    init.kill(signal.SIGTERM)
    assert init.wait() == 0
