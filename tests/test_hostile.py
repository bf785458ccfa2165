"""Hostile surroundings for the init: a /proc that is not its namespace's, process names
that try to forge its log, exhausted processes and file descriptors."""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyinit.log import WARNING, Log
from pyinit.namespace import unshare_command
from pyinit.procfs import nspid_says_own
from pyinit.spawn import EXHAUSTED, EXIT_OSERR, SpawnError
from pyinit.supervisor import survivor_message
from tests.support import CONTAINER_TESTS, PYINIT, program, unavailable, wait_for

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
    assert took < 5, took  # not 6.3 s: a --grace wait for processes it could not see


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


def test_grace_not_pid1_with_a_foreign_proc_and_no_group_says_what_it_leaves() -> None:
    # -c: no process group to signal either. pyinit says so at once; the survivor dies
    # with the namespace (unshare --kill-child) after sh has printed pyinit's exit code.
    marker = marked()
    init = " ".join([*PYINIT, "-c", "--log-format", "json", "--grace", "0.5", "--"])
    survivor = " ".join(program("survivor.py", marker))
    result, took = grace_run([*FOREIGN_PROC, "sh", "-c", f"{init} {survivor}; echo $?"])
    assert result.stdout == "0\n", result.stderr
    events = records(result.stderr)
    assert [r["message"] for r in events if r["event"] == "kill"] == [
        "survivors are left running: without its PID namespace's /proc pyinit cannot find them"
    ], result.stderr
    assert took < 4, took  # no 5 s wait for a SIGKILL that was never sent


def test_a_process_name_cannot_forge_a_log_line() -> None:
    forged = "x\n[pyinit] ok"
    argv = [*unshare_command(), *PYINIT, "--grace", "0.2"]
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
    argv = [*unshare_command(), *PYINIT]
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


#: Any text, lone surrogates included: os.fsdecode() makes those of bytes that are not UTF-8.
NAMES = st.text(st.characters(blacklist_categories=()), max_size=40)


@given(name=NAMES)
def test_no_control_byte_reaches_the_text_log(name: str) -> None:
    # The real logger and a real fd 2: what a terminal or a log collector would read.
    read_end, write_end = os.pipe()
    saved = os.dup(2)
    os.dup2(write_end, 2)
    try:
        Log()(WARNING, "kill", survivor_message(7, name, 1.0), child=7, name=name)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        line = pipe.read()
    assert line.startswith(b"[pyinit] pid 7 (") and line.endswith(b"\n")
    text = line[:-1].decode("utf-8")  # valid UTF-8: no lone surrogate went out raw
    assert text.isprintable(), repr(text)


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


# -- exhaustion: one line and a documented exit code, never "internal error" -------------

REPO = Path(__file__).parent.parent
FORK_FAILED = (
    "[pyinit] cannot start 'true': fork failed: too many processes; the container's pids "
    "limit? (pids.max, ulimit -u); exiting with 71"
)


def pids_cgroup() -> Path | None:
    """Where a child cgroup with its own pids.max can be made: cgroup v1 or v2."""
    v1 = Path("/sys/fs/cgroup/pids")
    if (v1 / "cgroup.procs").exists():
        return v1
    try:
        if "pids" in Path("/sys/fs/cgroup/cgroup.subtree_control").read_text().split():
            return Path("/sys/fs/cgroup")
    except OSError:
        pass
    return None


def test_fork_failure_under_a_pids_cgroup() -> None:
    base = pids_cgroup()
    if base is None or not os.access(base, os.W_OK):
        reason = "no writable pids cgroup (v1 /sys/fs/cgroup/pids or v2 with +pids)"
        unavailable(reason, CONTAINER_TESTS)
    group = base / f"pyinit-test-{uuid.uuid4().hex[:12]}"
    group.mkdir()
    try:
        (group / "pids.max").write_text("1")  # pyinit itself is the one
        script = f"echo $$ > {group}/cgroup.procs && exec {' '.join(PYINIT)} -- true"
        result, _ = grace_run(["sh", "-c", script])
    finally:
        wait_for(lambda: not (group / "cgroup.procs").read_text(), what="the cgroup to empty")
        group.rmdir()
    assert (result.returncode, result.stderr) == (71, FORK_FAILED + "\n")


def test_fork_failure_under_rlimit_nproc() -> None:
    python = sys.executable
    if os.getuid() == 0:
        # Root ignores RLIMIT_NPROC, so the test becomes a uid that has no process; that
        # uid cannot read a Python under /root (pyenv), so it runs the system's. -S: not
        # the venv's site-packages; pyinit needs none to start, and -m finds it in cwd.
        python = "/usr/bin/python3"
        if not os.access(python, os.X_OK):
            pytest.fail("as root this test needs /usr/bin/python3 (apt-get install python3)")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))
        if os.getuid() == 0:
            os.setgid(UNUSED_ID)
            os.setuid(UNUSED_ID)

    # A copy of the package that the unused uid can read: the checkout may sit in a private
    # folder (pytest's basetemp, or scripts/check-dist's unpacked sdist under a 0700 mkdtemp).
    readable = Path(tempfile.mkdtemp(prefix="pyinit-nproc-"))
    try:
        readable.chmod(0o755)
        shutil.copytree(REPO / "pyinit", readable / "pyinit")
        for path in [readable, *readable.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        result = subprocess.run(
            [python, "-S", "-m", "pyinit", "--", "true"], capture_output=True, text=True,
            timeout=30, cwd=readable, preexec_fn=limit, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    finally:
        shutil.rmtree(readable)
    assert (result.returncode, result.stderr) == (71, FORK_FAILED + "\n")


#: A uid and gid that no process and no file on a test machine has.
UNUSED_ID = 1_987_654_321


def test_too_few_file_descriptors() -> None:
    # -S: without site's .pth files the interpreter starts with one free descriptor; the
    # pipe that carries an exec error back needs two. From the repo, so -m finds pyinit.
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (4, 4))

    result = subprocess.run(
        [sys.executable, "-S", "-m", "pyinit", "--", "true"], capture_output=True, text=True,
        timeout=30, cwd=REPO, preexec_fn=limit, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (
        71,
        "[pyinit] cannot start 'true': pipe failed: too many open files in pyinit "
        "(ulimit -n, RLIMIT_NOFILE); exiting with 71\n",
    )


@pytest.mark.parametrize("err", sorted(EXHAUSTED))
def test_each_exhaustion_has_its_own_line(err: int) -> None:
    error = SpawnError("app", err, "fork")
    assert error.exit_code == EXIT_OSERR == 71
    assert str(error) == f"cannot start 'app': fork failed: {EXHAUSTED[err]}"
    assert "\n" not in str(error) and "internal error" not in str(error)
    assert len(set(EXHAUSTED.values())) == len(EXHAUSTED)


def test_exec_out_of_memory_is_not_cannot_execute() -> None:
    assert SpawnError("app", errno.ENOMEM).exit_code == 71
    assert SpawnError("app", errno.EACCES).exit_code == 126


def run_with_fds(argv: list[str], **popen: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PYINIT, *argv], text=True, timeout=30, stdin=subprocess.DEVNULL, **popen,  # type: ignore[call-overload]
    )  # fmt: skip


@pytest.mark.parametrize("flag", ["--help", "--version", "--license"])
def test_a_full_stdout_is_exit_74(flag: str) -> None:
    with open("/dev/full", "w") as full:
        result = run_with_fds([flag], stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 74
    assert result.stderr.endswith(
        "to stdout: No space left on device; exiting with 74\n"
    ) and result.stderr.startswith("[pyinit] error: cannot write the ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("argv", [["--help"], ["check", "tests/dockerfiles/clean.Dockerfile"]])
def test_a_closed_stdout_is_exit_74(argv: list[str]) -> None:
    result = run_with_fds(argv, preexec_fn=lambda: os.close(1), stderr=subprocess.PIPE, cwd=REPO)
    assert result.returncode == 74, result.stderr
    assert result.stderr.count("\n") == 1 and "stdout" in result.stderr


def test_a_full_or_closed_stderr_changes_no_exit_code() -> None:
    with open("/dev/full", "w") as full:
        assert run_with_fds(["-vv", "--", "sh", "-c", "exit 3"], stderr=full).returncode == 3
        assert run_with_fds(["--bogus", "true"], stderr=full).returncode == 2
    closed = {"preexec_fn": lambda: os.close(2)}
    assert run_with_fds(["-vv", "--", "sh", "-c", "exit 3"], **closed).returncode == 3
    assert run_with_fds(["--bogus", "true"], **closed).returncode == 2
    assert run_with_fds(["--", "/nonexistent"], **closed).returncode == 127
