"""How pyinit starts its child: it execs the command (or says in one line why it cannot, with
126 or 127), gives it the signal state pyinit was started with, leaves its own working
directory, and is PID 1 with the child as PID 2 and nothing in between. For each artifact
(``launch``)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.artifacts import Artifact
from tests.conftest import Launch
from tests.support import descendants, program, status, wait_for


@pytest.mark.in_place("it forks pyinit and stays in front (docs/FROZEN.md)")
def test_pyinit_is_pid1_and_the_child_pid2(launch: Launch, artifact: Artifact) -> None:
    """No bootloader process is left: two processes in the namespace, pyinit and sleep; and
    PID 1's command line is the one started (the bootloaders exec with the caller's argv)."""
    init = launch("--", "sleep", "30")
    pyinit, child = init.pid, init.child()
    assert status(pyinit)["NSpid"].split()[-1] == "1"
    assert status(child)["NSpid"].split()[-1] == "2"
    wait_for(lambda: status(child).get("Name") == "sleep", what="the child to exec")
    assert descendants(pyinit) == [child]
    if artifact.name != "module":  # python -m pyinit is called python
        assert Path(f"/proc/{pyinit}/comm").read_text().strip() == "pyinit"
    words = [word.decode() for word in Path(f"/proc/{pyinit}/cmdline").read_bytes().split(b"\0")]
    shebang = artifact.name == "script"  # the kernel puts the script's interpreter in front
    assert words[shebang:-1] == [*artifact.argv, "--", "sleep", "30"], words
    init.kill(signal.SIGTERM)
    assert init.wait() == 128 + signal.SIGTERM


def test_exec_failures(launch: Launch, tmp_path: Path) -> None:
    init = launch("--", "no-such-command-xyz")
    assert init.wait() == 127
    assert init.stderr == [
        f"[pyinit] cannot run 'no-such-command-xyz': not found in PATH={os.environ['PATH']};"
        " exiting with 127"
    ]
    data = tmp_path / "data"
    data.write_text("not a program\n")
    init = launch("--", str(data), pid1=False)
    assert init.wait() == 126
    assert f"cannot run '{data}': permission denied (is it executable?" in init.log()
    data.chmod(0o755)
    init = launch("--", str(data), pid1=False)
    assert init.wait() == 126
    assert f"cannot run '{data}': exec format error" in init.log()
    init = launch("--", str(tmp_path / "missing"), pid1=False)
    assert init.wait() == 127
    assert f"cannot run '{tmp_path / 'missing'}': no such file" in init.log()


@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "not-pid1"])
@pytest.mark.parametrize("stale", [None, "ffffffffffffffff"], ids=["plain", "stale-handed-mask"])
def test_child_gets_the_signal_state_pyinit_started_with(
    launch: Launch, stale: str | None, pid1: bool
) -> None:
    """Blocked and ignored signals, as the caller left them, and not CPython's PIPE/XFSZ
    ignores. A frozen build's bootloader keeps pyinit fully blocked and hands the caller's
    mask down in _PYINIT_SIGMASK, which pyinit removes; a stale value in the caller's
    environment (all blocked!) is not taken for the caller's mask."""
    env = dict(os.environ)
    if stale:
        env["_PYINIT_SIGMASK"] = stale
    wrapper = program("sigstate.py", "--block", "USR1,TERM", "--ignore", "USR2,HUP", "--")
    # grep, not sh (dash clears its signal mask) nor python (it ignores PIPE and XFSZ)
    show = ["grep", "-a", "-e", "^Sig[BI]", "-e", "_PYINIT_SIGMASK", "/proc/self/status"]
    init = launch("--", *show, "/proc/self/environ", wrapper=tuple(wrapper), env=env, pid1=pid1)
    assert init.wait() == 0, init.log()
    masks = dict(line.split(":\t") for line in init.stdout if line.startswith("/proc/self/status"))
    # Only the signals a program can set: glibc keeps 32 and 33 (SIGCANCEL, SIGSETXID) for
    # itself, and its posix_spawn, which Python 3.13's subprocess uses for a path, leaves them
    # ignored in the child it starts (the not-PID-1 runs here start sigstate.py that way).
    settable = signal.valid_signals()
    bits = {
        name.rsplit(":", 1)[1]: {s for s in settable if int(value, 16) >> (s - 1) & 1}
        for name, value in masks.items()
    }
    assert bits["SigBlk"] == {signal.SIGUSR1, signal.SIGTERM}
    assert bits["SigIgn"] == {signal.SIGUSR2, signal.SIGHUP}
    assert not [line for line in init.stdout if line.startswith("/proc/self/environ")]


def test_pyinit_leaves_the_working_directory(launch: Launch, tmp_path: Path) -> None:
    init = launch("--", "sh", "-c", "pwd; exec sleep 1000", pid1=False, cwd=tmp_path)
    assert init.expect_line("/") == str(tmp_path)
    wait_for(lambda: os.readlink(f"/proc/{init.pid}/cwd") == "/", what="pyinit to chdir to /")
    init.kill(signal.SIGTERM)
    assert init.wait() == 143
