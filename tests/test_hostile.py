"""Hostile surroundings for the init: a /proc that is not its namespace's, process names
that try to forge its log, exhausted processes and file descriptors."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyinit.procfs import nspid_says_own
from pyinit.supervisor import survivor_message
from tests.support import PYINIT, program

#: unshare without --mount-proc: pyinit is PID 1 of a new namespace but /proc is the host's.
FOREIGN_PROC = ["unshare", "--pid", "--fork", "--kill-child"]


def marked() -> str:
    return f"b-hostile-{uuid.uuid4().hex}"


def running_with(marker: str) -> list[int]:
    """Host pids of processes whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def grace_run(
    argv: list[str], timeout: float = 30
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        argv, capture_output=True, text=True, errors="replace", timeout=timeout,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return result, time.monotonic() - started


def records(stderr: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stderr.splitlines()]


def test_grace_with_the_hosts_proc_names_no_host_process_and_kills_the_survivor() -> None:
    marker = marked()
    init = [*PYINIT, "--log-format", "json", "--grace", "0.5"]
    result, took = grace_run([*FOREIGN_PROC, *init, "--", *program("survivor.py", marker)])
    assert result.returncode == 0, result.stderr
    events = records(result.stderr)
    foreign = [r for r in events if r["event"] == "foreign-proc"]
    assert len(foreign) == 1, result.stderr  # said once
    assert "another PID namespace" in str(foreign[0]["message"])
    assert "kill(-1)" in str(foreign[0]["message"])
    assert [r for r in events if r["event"] == "kill"] == []  # no host process named
    assert running_with(marker) == []  # the real survivor is dead
    assert took < 5, took  # not the 6.3 s of issue 9


def test_grace_with_proc_unmounted_kills_the_survivor_and_says_so_truly() -> None:
    marker = marked()
    init = " ".join([*PYINIT, "--log-format", "json", "--grace", "0.5", "--"])
    survivor = " ".join(program("survivor.py", marker))
    # exec: pyinit replaces sh as PID 1; umount only in the new (private) mount namespace.
    script = f"umount -l /proc && exec {init} {survivor}"
    result, took = grace_run([*FOREIGN_PROC, "--mount", "sh", "-c", script])
    assert result.returncode == 0, result.stderr
    events = records(result.stderr)
    assert [r["message"] for r in events if r["event"] == "foreign-proc"] == [
        "--grace: /proc is not mounted, so survivors cannot be named and kill(-1) reaches "
        "them all; give the container a /proc of its own (unshare --mount-proc)"
    ], result.stderr
    assert [r for r in events if r["event"] == "kill"] == []  # no false "still not gone"
    assert running_with(marker) == []
    assert took < 5, took


def test_grace_not_pid1_with_a_foreign_proc_kills_only_the_childs_group() -> None:
    # pyinit as a subreaper under the namespace's sh: it cannot list its orphans, so it
    # signals the child's process group (where the survivor is) and no pid from /proc.
    marker = marked()
    init = " ".join([*PYINIT, "--log-format", "json", "--grace", "0.5", "--"])
    survivor = " ".join(program("survivor.py", marker))
    result, took = grace_run([*FOREIGN_PROC, "sh", "-c", f"{init} {survivor}; echo $?"])
    assert result.stdout == "0\n", result.stderr
    events = records(result.stderr)
    foreign = [r for r in events if r["event"] == "foreign-proc"]
    assert len(foreign) == 1 and "only the child's process group" in str(foreign[0]["message"])
    assert [r for r in events if r["event"] == "kill"] == []
    assert running_with(marker) == []
    assert took < 5, took


def test_a_process_name_cannot_forge_a_log_line() -> None:
    forged = "x\n[pyinit] ok"
    argv = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", *PYINIT, "--grace", "0.2"]
    result = subprocess.run(
        [*argv, "--", *program("survivor.py", marked(), forged)],
        capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stderr.decode().splitlines()
    assert "[pyinit] ok" not in lines, lines
    assert any("(x\\x0a[pyinit] ok) still running after --grace 0.2s" in line for line in lines)
    assert not [byte for byte in result.stderr if byte < 0x20 and byte != 0x0A]


def test_the_json_log_keeps_the_exact_name() -> None:
    forged = "x\x1b[2J\n[pyinit]"
    argv = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", *PYINIT]
    result = subprocess.run(
        [*argv, "--log-format", "json", "--grace", "0.2", "--",
         *program("survivor.py", marked(), forged)],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    kills = [r for r in records(result.stderr) if r["event"] == "kill"]
    assert [r["name"] for r in kills] == [forged], result.stderr


@given(name=st.text(), pid=st.integers(2, 4194304), grace=st.floats(0, 86400))
def test_the_kill_line_never_holds_a_control_character(name: str, pid: int, grace: float) -> None:
    message = survivor_message(pid, name, grace)
    assert message.isprintable(), repr(message)


@pytest.mark.parametrize(
    ("status", "link", "pid", "own"),
    [
        ("Name:\tpyinit\nNSpid:\t1\n", "1", 1, True),
        ("NSpid:\t4242\t1\n", "4242", 1, False),  # the host's /proc: our host pid first
        ("NSpid:\t1\n", "1", 7, False),
        ("NSpid:\t7\t7\n", "7", 7, False),  # the same number in two namespaces
        ("Name:\told kernel\n", "7", 7, True),  # no NSpid line (before Linux 4.1)
        ("Name:\told kernel\n", "8", 7, False),
    ],
)
def test_nspid_decides_whose_proc_it_is(status: str, link: str, pid: int, own: bool) -> None:
    assert nspid_says_own(status, link, pid) is own


def test_this_proc_is_our_own() -> None:
    from pyinit.procfs import foreign_proc

    assert foreign_proc() is None
