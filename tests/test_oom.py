"""pyinit's OOM explanation (pyinit/oom.py): the memory cgroup's oom_kill count says who sent
a SIGKILL. The parsing on canned text; the real thing in a memory cgroup of this machine (made
under this process's own, with a limit) where the kernel's OOM killer really kills the child.
The container versions (podman --memory, kube play resources.limits.memory) are in
tests/test_kube.py.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyinit import oom
from tests.support import CONTAINER_TESTS, PYINIT, unavailable, wait_for

LIMIT = 48 * 1024 * 1024
HOG = [sys.executable, "-c", "b = bytearray(400 * 1024 * 1024); print(len(b))"]


# -- pure ---------------------------------------------------------------------------------------


def test_counts_from_v1_and_v2_files() -> None:
    v1 = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"
    v2 = "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n"
    assert oom.parse_oom_kills(v1) == 3
    assert oom.parse_oom_kills(v2) == 1
    assert oom.parse_oom_kills("oom 2\n") is None
    assert oom.parse_oom_kills("oom_kill ٣\n") is None  # ASCII digits only
    assert oom.parse_bytes("67108864\n") == 64 * 1024 * 1024
    assert oom.parse_bytes("max\n") is None
    assert oom.parse_bytes("9223372036854771712\n") is None  # v1's "no limit"
    assert oom.size_text(64 * 1024 * 1024) == "64.0 MiB"
    assert oom.size_text(None) == "none"
    assert (oom.size_text(512), oom.size_text(1536), oom.size_text(3 << 30)) == (
        "512 B",
        "1.5 KiB",
        "3.0 GiB",
    )


@given(st.text())
def test_parsers_take_any_text(text: str) -> None:
    # What a cgroup file holds is the kernel's business; nothing in it may raise in PID 1.
    count = oom.parse_oom_kills(text)
    assert count is None or count >= 0
    number = oom.parse_bytes(text)
    assert number is None or 0 <= number < oom.UNLIMITED_FROM
    for folder, files in oom.candidates(text):
        assert folder.startswith("/sys/fs/cgroup") and "/.." not in folder
        assert files in (oom.V1_FILES, oom.V2_FILES)


def test_where_the_memory_cgroup_is() -> None:
    hybrid = "4:memory:/machine/ctr\n1:cpu:/x\n0::/user.slice\n"
    assert oom.candidates(hybrid)[:2] == [
        ("/sys/fs/cgroup/memory/machine/ctr", oom.V1_FILES),
        ("/sys/fs/cgroup/memory", oom.V1_FILES),  # the container's own, mounted as the root
    ]
    assert oom.candidates("0::/\n") == [("/sys/fs/cgroup", oom.V2_FILES)]  # cgroup namespace
    assert oom.candidates("0::/../escape\n") == []  # another namespace's path: not ours


def test_the_line_names_the_killer() -> None:
    line = oom.explain("child 7", True, 64 << 20, 64 << 20)
    assert "killed by the kernel's OOM killer" in line
    assert "limit 64.0 MiB, peak 64.0 MiB" in line
    assert "not by the OOM killer" in oom.explain("child 7", False, None, None)
    assert "(no memory limit; peak 1.0 GiB)" in oom.explain("orphan 8", True, None, 1 << 30)


# -- the real kernel ----------------------------------------------------------------------------


def _own_memory_cgroup() -> Path | None:
    for folder, files in oom.candidates(Path("/proc/self/cgroup").read_text()):
        if (Path(folder) / files[0]).is_file():
            return Path(folder)
    return None


@pytest.fixture
def memcg() -> Iterator[Path]:
    """A new memory cgroup under ours, limited to LIMIT bytes (root, cgroup v1 or v2)."""
    parent = _own_memory_cgroup()
    reason = None
    if os.geteuid() != 0:
        reason = "making a memory cgroup needs root"
    elif parent is None:
        reason = "no memory cgroup found from /proc/self/cgroup"
    if reason:
        unavailable(reason, CONTAINER_TESTS)
    assert parent is not None
    path = parent / f"pyinit-test-oom-{uuid.uuid4().hex[:8]}"
    try:
        path.mkdir()
        v1 = (path / "memory.limit_in_bytes").exists()
        (path / ("memory.limit_in_bytes" if v1 else "memory.max")).write_text(str(LIMIT))
        if v1 and (path / "memory.memsw.limit_in_bytes").exists():
            (path / "memory.memsw.limit_in_bytes").write_text(str(LIMIT))  # no escape to swap
        elif not v1:
            (path / "memory.swap.max").write_text("0")
    except OSError as error:
        unavailable(f"cannot make a memory cgroup here: {error}", CONTAINER_TESTS)
    yield path
    wait_for(lambda: not (path / "cgroup.procs").read_text().split(), 10, "the cgroup to empty")
    path.rmdir()


def _run_in(memcg: Path, *args: str, kill_child: bool = False) -> subprocess.CompletedProcess[str]:
    """``pyinit ARGS`` with pyinit and its child in ``memcg``."""
    procs = str(memcg / "cgroup.procs")
    proc = subprocess.Popen(
        [*PYINIT, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: Path(procs).write_text(str(os.getpid())),  # noqa: PLW1509
    )
    if kill_child:
        kid = wait_for(lambda: Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text())
        os.kill(int(kid.split()[0]), signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_oom_kill_of_the_child_is_named_with_limit_and_peak(memcg: Path) -> None:
    r = _run_in(memcg, "--", *HOG)
    assert r.returncode == 137, r.stderr
    lines = [line for line in r.stderr.splitlines() if "by the kernel's OOM killer" in line]
    assert len(lines) == 1, r.stderr
    assert "killed by the kernel's OOM killer" in lines[0]
    assert f"limit {oom.size_text(LIMIT)}, peak " in lines[0]


def test_oom_event_in_json_logs(memcg: Path) -> None:
    r = _run_in(memcg, "--log-format", "json", "--", *HOG)
    assert r.returncode == 137
    events = [json.loads(line) for line in r.stderr.splitlines()]
    found = [e for e in events if e["event"] == "oom"]
    assert len(found) == 1, events
    assert found[0]["level"] == "warning"
    assert found[0]["limit"] == LIMIT


def test_sigkill_from_outside_is_not_called_oom(memcg: Path) -> None:
    r = _run_in(memcg, "--", "sleep", "100", kill_child=True)
    assert r.returncode == 137
    assert "killed by the kernel's OOM killer" not in r.stderr
    assert "killed by SIGKILL from outside the container" in r.stderr, r.stderr


def test_an_orphan_killed_by_oom_is_named_with_w(memcg: Path) -> None:
    # A subshell leaves the hog behind as an orphan (pyinit, a subreaper, gets it); the main
    # shell waits until the hog is gone, then exits 0.
    script = f"p=$( ({shlex.join(HOG)} >/dev/null & echo $!) ); "
    script += "while kill -0 $p 2>/dev/null; do sleep 0.05; done"
    r = _run_in(memcg, "-w", "--", "sh", "-c", script)
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if "by the kernel's OOM killer" in line]
    assert len(lines) == 1 and lines[0].startswith("[pyinit] orphan "), r.stderr
    quiet = _run_in(memcg, "--", "sh", "-c", script)  # without -w or -v: not a word
    assert "OOM" not in quiet.stderr, quiet.stderr
