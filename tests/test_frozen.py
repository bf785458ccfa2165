"""The single-file build, dist/pyinit, at run time (docs/FROZEN.md explains each behaviour).

Under ``unshare --pid --fork --mount-proc dist/pyinit -- ...`` PyInstaller's bootloader is
PID 1 and pyinit is its child (PID 2): these tests check that the pair behaves like one init.
dist/pyinit is built by ``scripts/build-binary`` (scripts/test runs it before pytest); without
it, or when it is older than the sources, every test here is skipped with the reason
(PYINIT_TEST_STALE_BINARY=1 runs them on a stale binary anyway; PYINIT_FROZEN_TESTS=require,
as scripts/test sets, fails them instead).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests.support import (
    Running,
    children,
    descendants,
    has_patched_bootloader,
    has_signal,
    kill_tree,
    state,
    status,
    unavailable,
    wait_for,
)

REPO = Path(__file__).resolve().parent.parent
BINARY = REPO / "dist" / "pyinit"
SOURCES = [*REPO.glob("pyinit/*.py"), *REPO.glob("packaging/*"), *REPO.glob("packaging/*/*")]
SIZE_BUDGET = 8_000_000  # bytes
RSS_BUDGET_KB = 16_000
T = TypeVar("T")


def _skip_reason() -> str | None:
    if not BINARY.exists():
        return f"{BINARY.relative_to(REPO)} is not built: run scripts/build-binary"
    built = BINARY.stat().st_mtime
    newer = [p for p in SOURCES if p.stat().st_mtime > built]
    if newer and os.environ.get("PYINIT_TEST_STALE_BINARY") != "1":
        return (
            f"{BINARY.relative_to(REPO)} is older than {newer[0].relative_to(REPO)}: "
            "run scripts/build-binary"
        )
    return None


def _unshare_reason() -> str | None:
    try:
        probe = subprocess.run(
            ["unshare", "--pid", "--fork", "--mount-proc", "true"],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unshare is not usable: {error}"
    if probe.returncode != 0:
        return f"unshare --pid needs root: {probe.stderr.decode().strip()}"
    return None


@pytest.fixture(scope="session")
def frozen() -> Path:
    reason = _skip_reason()
    if reason:
        unavailable(reason)
    return BINARY


@pytest.fixture(scope="session")
def pid1(frozen: Path) -> Path:
    reason = _unshare_reason()
    if reason:
        pytest.skip(reason)
    return frozen


@pytest.fixture(params=["onefile", "static"])
def wrapped(request: pytest.FixtureRequest, pid1: Path) -> Path:
    """A build whose bootloader forks and stays PID 1 in front of pyinit: dist/pyinit, and
    dist/pyinit-static (staticx's bootloader, then PyInstaller's, then pyinit)."""
    return pid1 if request.param == "onefile" else _variant(STATIC)


ONEDIR = REPO / "dist" / "pyinit-onedir" / "pyinit"
STATIC = REPO / "dist" / "pyinit-static"


# --- helpers -----------------------------------------------------------------------------


def first_child(pid: int) -> int | None:
    return next(iter(children(pid)), None)


def exe(pid: int) -> str:
    try:  # " (deleted)": scripts/build-binary replaced the file while it ran
        return os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
    except OSError:
        return ""


class Frozen(Running):
    """``unshare --pid --fork --mount-proc dist/pyinit ARGS``, its output collected by threads.

    ``boot`` is the host pid of PyInstaller's bootloader (PID 1 inside), ``pyinit`` the host
    pid of its child that runs pyinit (PID 2 inside), ``workload`` pyinit's child.
    """

    def __init__(self, binary: Path, args: list[str], pid1: bool = True, **popen: object) -> None:
        self.binary = str(binary)
        super().__init__([self.binary, *args], pid1=pid1, **popen)

    def _boot_started(self) -> int | None:
        if not self.pid1:
            return self.proc.pid if exe(self.proc.pid) == self.binary else None
        kids = children(self.proc.pid)
        return kids[0] if kids and exe(kids[0]) == self.binary else None

    @property
    def boot(self) -> int:
        return wait_for(self._boot_started, what="the bootloader to start")

    @property
    def pyinit(self) -> int:
        boot = self.boot
        return wait_for(lambda: children(boot)[:1], what="the bootloader's child")[0]

    @property
    def workload(self) -> int:
        pyinit = self.pyinit
        return wait_for(lambda: children(pyinit)[:1], what="pyinit's child")[0]

    def catch(self, find: Callable[[], int | None], what: str) -> int | None:
        """Poll ``find`` for a pid; None when the whole run ends before it is seen (a loaded
        machine can run a short workload to its end between two looks)."""

        def look() -> list[int | None]:
            pid = find()
            return [pid] if pid or self.proc.poll() is not None else []

        return wait_for(look, what=what)[0]


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Callable[..., Frozen]]:
    """Start ``binary ARGS`` (under unshare unless pid1=False); kill what is left at the end.

    The bootloader unpacks into a TMPDIR under pytest's tmp_path: what a killed one leaves
    behind (~7.5 MB) goes away with pytest's old temporary folders, not into /tmp.
    """
    started: list[Frozen] = []
    unpack = tmp_path / "unpack"
    unpack.mkdir()

    def start(binary: Path, *args: str, pid1: bool = True, **popen: object) -> Frozen:
        popen.setdefault("env", {**os.environ, "TMPDIR": str(unpack)})
        frozen = Frozen(binary, list(args), pid1=pid1, **popen)
        started.append(frozen)
        return frozen

    yield start
    for frozen in started:
        frozen.close()


RECORDER = """
import os, signal, sys
def record(signo, frame):
    os.write(1, f"got {signo}\\n".encode())
for signo in signal.valid_signals():
    if signo not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
        signal.signal(signo, record)
print(f"ready pid={os.getpid()} ppid={os.getppid()}", flush=True)
while True:
    signal.pause()
"""

ORPHANS = """
import os, signal, sys, time
count = int(sys.argv[1])
for _ in range(count):
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:
        parent = os.getpid()
        if os.fork() == 0:  # the orphan-to-be: report who adopts it, then exit
            os.close(read_end)
            deadline = time.monotonic() + 10
            while os.getppid() == parent and time.monotonic() < deadline:
                time.sleep(0.001)
            os.write(write_end, str(os.getppid()).encode())
            os._exit(0)
        os._exit(0)
    os.close(write_end)
    os.waitpid(middle, 0)
    adopted_by = os.read(read_end, 64).decode()
    os.close(read_end)
    print(f"orphan adopted by {adopted_by}", flush=True)
print(f"done pid={os.getpid()}", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    signal.pause()
"""


@pytest.fixture
def script(tmp_path: Path) -> Callable[[str], list[str]]:
    def write(source: str, *args: str) -> list[str]:
        path = tmp_path / f"workload{len(list(tmp_path.glob('workload*')))}.py"
        path.write_text(textwrap.dedent(source))
        return [sys.executable, str(path), *args]

    return write


# --- the binary itself ----------------------------------------------------------------------


def test_size_is_within_budget(frozen: Path) -> None:
    size = frozen.stat().st_size
    assert size <= SIZE_BUDGET, f"{frozen} is {size} bytes, over the {SIZE_BUDGET} budget"


def test_lazy_imports_are_bundled(frozen: Path) -> None:
    """Excluded stdlib modules must not break the paths that import late."""
    cases = [
        ([str(frozen), "doctor", "--help"], 0),
        ([str(frozen), "check", "--help"], 0),
        ([str(frozen), "--grace", "1", "--", "sh", "-c", "sleep 30 & exit 3"], 3),  # psutil
        ([str(frozen), "--log-format", "json", "-v", "--", "true"], 0),
    ]
    for argv, expected in cases:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert done.returncode == expected, (argv, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, (argv, done.stderr)
    lines = done.stderr.splitlines()
    assert lines and all(json.loads(line)["event"] for line in lines)


def test_children_do_not_inherit_the_bundle_environment(frozen: Path, tmp_path: Path) -> None:
    """The bootloader points LD_LIBRARY_PATH at pyinit's own libraries; the workload must not
    see that (it would load pyinit's libz or libpython), nor the _PYI_* variables."""
    show = "env | grep -E '^(LD_LIBRARY_PATH|_PYI_)' | sort; echo end"
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    done = subprocess.run(
        [str(frozen), "--", "sh", "-c", show], capture_output=True, text=True, env=env, timeout=30
    )
    assert done.stdout.split() == ["end"], done.stdout
    env["LD_LIBRARY_PATH"] = str(tmp_path)
    done = subprocess.run(
        [str(frozen), "--", "sh", "-c", show], capture_output=True, text=True, env=env, timeout=30
    )
    assert done.stdout.split() == [f"LD_LIBRARY_PATH={tmp_path}", "end"], done.stdout


def test_unpacks_into_tmpdir_and_cleans_up(frozen: Path, tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    done = subprocess.run(
        [str(frozen), "--", "sh", "-c", 'ls "$TMPDIR"'],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert [name[:4] for name in done.stdout.split()] == ["_MEI"], done.stdout
    assert list(tmp.iterdir()) == []


#: The one line of the patched bootloader when it finds nowhere to unpack (exit 255).
NO_TMP_LINE = (
    "[pyinit] error: cannot unpack: no writable temporary directory that allows exec "
    "($TMPDIR, /tmp, /var/tmp, /usr/tmp); mount one at /tmp (docker/podman run --tmpfs "
    "/tmp:exec; Kubernetes: an emptyDir volume) or set TMPDIR to one"
)
EXIT_NO_TMP = 255


def run_with_tmp_mounts(
    binary: Path, mounts: dict[str, str], *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``binary ARGS`` in a private mount namespace with a tmpfs (``mount -o`` options)
    on each of ``mounts``'s directories that exists: what a read-only root filesystem
    looks like to the bootloader, without a container."""
    script = " && ".join(
        f"mount -t tmpfs -o {options} tmpfs {directory}"
        for directory, options in mounts.items()
        if os.path.isdir(directory)
    )
    base = {k: v for k, v in os.environ.items() if k not in ("TMPDIR", "TEMP", "TMP")}
    # A checkout under /tmp (CI's may be) would vanish under the tmpfs with the binary in it.
    hold = Path(tempfile.mkdtemp(prefix=".pyinit-test-", dir=Path.home()))
    try:
        copy = hold / binary.name
        shutil.copy2(binary, copy)
        return subprocess.run(
            ["unshare", "--mount", "sh", "-c", f'{script} && exec "$0" "$@"', str(copy), *args],
            capture_output=True,
            text=True,
            env={**base, **(env or {})},
            timeout=30,
        )
    finally:
        shutil.rmtree(hold)


ALL_TMP = ("/tmp", "/var/tmp", "/usr/tmp")


@pytest.mark.parametrize("mount_options", ["ro", "noexec"])
def test_unwritable_or_noexec_tmp_fails_in_one_line(pid1: Path, mount_options: str) -> None:
    """What a read-only root filesystem without a writable, exec-able /tmp looks like. With
    PyInstaller's stock bootloader (build-binary's fallback) the line is less helpful: exit
    255 "Could not create temporary directory!" (ro), or exit 127 in the dynamic loader,
    "libz.so.1: failed to map segment from shared object" (noexec)."""
    done = run_with_tmp_mounts(pid1, dict.fromkeys(ALL_TMP, mount_options), "--", "true")
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    if has_patched_bootloader(pid1):
        assert (done.returncode, lines[0]) == (EXIT_NO_TMP, NO_TMP_LINE)
    elif mount_options == "ro":
        assert done.returncode == 255, done.stderr
        assert "Could not create temporary directory" in lines[0]
    else:
        assert done.returncode == 127, done.stderr
        assert "failed to map segment from shared object" in lines[0]


# --- exit status ----------------------------------------------------------------------------


@pytest.mark.parametrize("as_pid1", [True, False], ids=["pid1", "not-pid1"])
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
def test_exit_status(
    pid1: Path, run: Callable[..., Frozen], as_pid1: bool, command: str, code: int
) -> None:
    frozen = run(pid1, "--", "sh", "-c", command, pid1=as_pid1)
    assert frozen.wait() == code, frozen.stderr


def test_pyinit_killed_under_the_bootloader_as_pid1(pid1: Path, run: Callable[..., Frozen]) -> None:
    """If pyinit itself dies of a signal, the bootloader re-raises it on itself, which the
    kernel drops for PID 1. The patched bootloader then exits 128+N (here 137); the stock one
    exits 1."""
    frozen = run(pid1, "--", "sleep", "30")
    pyinit = frozen.pyinit
    frozen.workload  # noqa: B018 - wait until pyinit has started it
    os.kill(pyinit, signal.SIGKILL)
    expected = 128 + signal.SIGKILL if has_patched_bootloader(pid1) else 1
    assert frozen.wait() == expected


# --- process tree, orphans ------------------------------------------------------------------


def test_bootloader_is_pid1_and_pyinit_its_child(pid1: Path, run: Callable[..., Frozen]) -> None:
    frozen = run(pid1, "--", "sleep", "30")
    boot, pyinit, workload = frozen.boot, frozen.pyinit, frozen.workload
    assert status(boot)["NSpid"].split()[-1] == "1"
    assert status(pyinit)["NSpid"].split()[-1] == "2"
    assert exe(boot) == exe(pyinit) == str(pid1)  # the child execs the same file
    wait_for(lambda: exe(workload).endswith("/sleep"), what="the workload to exec")
    os.kill(boot, signal.SIGTERM)
    assert frozen.wait() == 128 + signal.SIGTERM


@pytest.mark.parametrize("count", [1, 5])
def test_orphans_go_to_pyinit_and_are_reaped(
    pid1: Path, run: Callable[..., Frozen], script: Callable[..., list[str]], count: int
) -> None:
    """The bootloader never reaps anything but its child; pyinit, as child subreaper,
    adopts the orphans of a double fork (not PID 1) and reaps them."""
    frozen = run(pid1, "--", *script(ORPHANS, str(count)))
    frozen.expect_line("done")
    adopters = [line.split()[-1] for line in frozen.stdout if line.startswith("orphan")]
    assert adopters == ["2"] * count, frozen.stdout  # PID 2 is pyinit, PID 1 the bootloader
    boot = frozen.boot

    def no_zombies() -> bool:
        return not any(state(pid) == "Z" for pid in [boot, *descendants(boot)])

    # pyinit and the workload, nothing else (an orphan may still be exiting after its report)
    wait_for(lambda: no_zombies() and len(descendants(boot)) == 2, what="the orphans to be reaped")
    os.kill(boot, signal.SIGTERM)
    assert frozen.wait() == 0


#: Starts a long-lived child with SIGCHLD ignored, then execs ARGV: a caller like that hands
#: the bootloader a child it did not fork and an ignored SIGCHLD.
IGNORING_LAUNCHER = """
import os, signal, subprocess, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
sibling = subprocess.Popen(["sleep", "30"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(sibling.pid, file=sys.stderr, flush=True)
os.execv(sys.argv[1], sys.argv[1:])
"""


def test_caller_that_ignores_sigchld(wrapped: Path, tmp_path: Path) -> None:
    """With SIGCHLD ignored the kernel reaps children itself, and a `waitpid(-1)` (the patch
    that reaps exec orphans) would block until every child is gone, here a 30 s sleep. The
    patched bootloaders wait with SIGCHLD at its default: the exit status arrives at once."""
    if not has_patched_bootloader(wrapped):
        pytest.skip("stock bootloader: it waits for its own child only")
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", IGNORING_LAUNCHER, str(wrapped), "--", "sh", "-c", "exit 3"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    elapsed = time.monotonic() - start
    with contextlib.suppress(ProcessLookupError, ValueError):
        os.kill(int(done.stderr.split()[0]), signal.SIGKILL)
    assert done.returncode == 3, done.stderr
    assert elapsed < 10, f"{elapsed:.1f} s: the bootloader waited for its sibling"


def test_orphans_from_outside_pyinit_are_reaped(wrapped: Path, run: Callable[..., Frozen]) -> None:
    """What `docker exec` starts enters the PID namespace from outside, so it is no descendant
    of pyinit: when its parent exits, its orphans go to PID 1, the bootloader. The patched
    bootloader reaps any child while it waits for pyinit; the stock one only waits for pyinit,
    and they stay zombies. The same for staticx's bootloader in the static build."""
    frozen = run(wrapped, "--", "sleep", "30")
    boot, pyinit = frozen.boot, frozen.pyinit
    entered = subprocess.run(
        ["nsenter", "-t", str(boot), "--pid", "--mount", "sh", "-c", "sleep 1000 & sleep 1000 &"],
        stdout=subprocess.DEVNULL,  # not a pipe: the sleeps would hold it open to their end
        stderr=subprocess.DEVNULL,
        timeout=30,
    )
    assert entered.returncode == 0

    def orphans() -> list[int]:
        return [pid for pid in children(boot) if pid != pyinit]

    adopted = wait_for(
        lambda: len(orphans()) == 2 and orphans(), what="the exec session's orphans to reach PID 1"
    )
    for pid in adopted:  # they end while adopted: now who reaps them?
        os.kill(pid, signal.SIGKILL)
    if has_patched_bootloader(wrapped):
        wait_for(lambda: orphans() == [], what="the bootloader to reap them")
    else:
        wait_for(lambda: all(state(pid) == "Z" for pid in adopted), what="two zombies")
    os.kill(boot, signal.SIGTERM)
    assert frozen.wait() == 128 + signal.SIGTERM


# --- signals --------------------------------------------------------------------------------

#: Not forwarded verbatim: KILL and STOP cannot be caught; CHLD is about pyinit's own
#: children; the bootloader leaves SIGTSTP alone; pyinit turns TTIN/TTOU into SIGSTOP.
NOT_VERBATIM = {
    signal.SIGKILL,
    signal.SIGSTOP,
    signal.SIGCHLD,
    signal.SIGTSTP,
    signal.SIGTTIN,
    signal.SIGTTOU,
}


def test_every_catchable_signal_reaches_the_workload(
    wrapped: Path, run: Callable[..., Frozen], script: Callable[..., list[str]]
) -> None:
    if wrapped == STATIC and not has_patched_bootloader(wrapped):
        pytest.skip(
            "staticx's stock bootloader: see test_stock_static_build_forwards_only_term_and_int"
        )
    frozen = run(wrapped, "--", *script(RECORDER))
    frozen.expect_line("ready")
    boot = frozen.boot
    for signo in sorted(set(signal.valid_signals()) - NOT_VERBATIM):
        os.kill(boot, signo)
        frozen.expect_line(f"got {int(signo)}")
    assert state(frozen.workload) != "T"
    os.kill(boot, signal.SIGKILL)


def test_sigtstp_to_the_bootloader_is_dropped(
    pid1: Path, run: Callable[..., Frozen], script: Callable[..., list[str]]
) -> None:
    """The bootloader installs no handler for SIGTSTP, so the kernel drops it for PID 1."""
    frozen = run(pid1, "--", *script(RECORDER))
    frozen.expect_line("ready")
    os.kill(frozen.boot, signal.SIGTSTP)
    os.kill(frozen.boot, signal.SIGUSR1)  # a marker that comes after it
    frozen.expect_line(f"got {int(signal.SIGUSR1)}")
    assert f"got {int(signal.SIGTSTP)}" not in frozen.stdout
    assert state(frozen.workload) != "T"


def test_rewrite_term_to_int(
    pid1: Path, run: Callable[..., Frozen], script: Callable[..., list[str]]
) -> None:
    frozen = run(pid1, "-r", "TERM:INT", "--", *script(RECORDER))
    frozen.expect_line("ready")
    os.kill(frozen.boot, signal.SIGTERM)
    frozen.expect_line(f"got {int(signal.SIGINT)}")
    assert f"got {int(signal.SIGTERM)}" not in frozen.stdout


# --- signals in the first milliseconds ------------------------------------------------------


def _freeze(pid: int) -> None:
    os.kill(pid, signal.SIGSTOP)  # from the parent namespace, SIGSTOP reaches even PID 1
    wait_for(lambda: state(pid) == "T", what=f"pid {pid} to stop")


@pytest.mark.timeout(120)
def test_signal_while_the_bootloader_unpacks(wrapped: Path, run: Callable[..., Frozen]) -> None:
    """Before its handlers are installed (while unpacking), the bootloader is a PID 1 with no
    handler. The patched bootloader blocks every signal meanwhile: SIGTERM stays pending, is
    forwarded once the handlers exist and ends the child before it runs anything: exit 143 at
    once. With the stock one the kernel discards SIGTERM: the workload runs to its end. The same
    for staticx's bootloader while it extracts (the static build)."""
    patched = has_patched_bootloader(wrapped)

    def unpacking(boot: int) -> bool:
        """Stop ``boot`` while it unpacks (True), or find it too late (False)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(boot, signal.SIGSTOP)
            except ProcessLookupError:
                return False  # it ran to its end between two looks (a loaded machine)
            stopped = wait_for(
                lambda: (state(boot) or "gone") if state(boot) in ("T", "Z", "") else "",
                what=f"pid {boot} to stop",
            )
            if stopped != "T":
                return False  # it ran to its end between two looks
            if has_signal(status(boot)["SigCgt"], signal.SIGTERM):
                return False  # its handlers are installed already
            if not patched or has_signal(status(boot)["SigBlk"], signal.SIGTERM):
                return True
            os.kill(boot, signal.SIGCONT)  # its first ms, before it blocks: a little later
            time.sleep(0.0002)
        return False

    for _ in range(10):
        frozen = run(wrapped, "--", "sh", "-c", "echo started; sleep 0.2; exit 7")
        boot = frozen.catch(frozen._boot_started, what="the bootloader to start")
        if boot is None:
            continue  # it ran to its end before the first look
        if unpacking(boot):
            break
        with contextlib.suppress(ProcessLookupError):
            os.kill(boot, signal.SIGCONT)  # too late already (slow poll): try again
        frozen.wait()
    else:
        pytest.skip("never caught the bootloader while it unpacks")
    os.kill(boot, signal.SIGTERM)
    if patched:
        assert has_signal(status(boot)["ShdPnd"], signal.SIGTERM)  # pending, not dropped
        os.kill(boot, signal.SIGCONT)
        assert frozen.wait() == 128 + signal.SIGTERM
        # pyinit forwards it as soon as the workload exists: before or just after its echo
        assert frozen.stdout in ([], ["started"])
    else:
        assert not has_signal(status(boot)["SigBlk"], signal.SIGTERM)
        assert not has_signal(status(boot)["ShdPnd"], signal.SIGTERM)  # dropped, not pending
        os.kill(boot, signal.SIGCONT)
        assert frozen.wait() == 7
        assert frozen.stdout == ["started"]


@pytest.mark.timeout(120)
def test_signal_before_pyinit_runs_waits_for_it(patched: Path, run: Callable[..., Frozen]) -> None:
    """The bootloader's child keeps every signal blocked from its fork until pyinit takes
    over, and pyinit finds the caller's mask in _PYINIT_SIGMASK. So a signal forwarded before
    pyinit's first line waits for pyinit, which forwards, rewrites or drops it as told: here
    `-r USR1:0` drops it and the workload runs to its end. (Before, the child had no handler
    yet and died of it: the container ended with 138, or 1 with the stock bootloader.)"""
    for _ in range(30):
        frozen = run(patched, "-r", "USR1:0", "--", "sh", "-c", "echo started; exit 7")
        boot = frozen.catch(frozen._boot_started, what="the bootloader to start")
        if boot is None:
            continue  # it ran to its end before the first look
        # the bootloader's child, before or after its exec
        child = frozen.catch(functools.partial(first_child, boot), what="the bootloader's child")
        if child is None:
            continue
        _freeze(child)
        # Before the interpreter is up (it installs its SIGINT handler before any of pyinit's
        # code runs): blocked now can only be the bootloader's doing, not pyinit's block_all.
        if not has_signal(status(child)["SigCgt"], signal.SIGINT):
            break
        os.kill(child, signal.SIGCONT)  # too late: try again
        frozen.wait()
    else:
        pytest.skip("never caught the bootloader's child before its interpreter started")
    assert has_signal(status(child)["SigBlk"], signal.SIGUSR1)  # blocked since the fork
    wait_for(
        lambda: has_signal(status(boot)["SigCgt"], signal.SIGUSR1),
        what="the bootloader's forwarding handler",
    )
    os.kill(boot, signal.SIGUSR1)  # forwarded to the stopped child: pending there
    wait_for(lambda: has_signal(status(child)["ShdPnd"], signal.SIGUSR1), what="forwarding")
    os.kill(child, signal.SIGCONT)
    assert frozen.wait() == 7, frozen.stderr
    assert frozen.stdout == ["started"]


#: Blocks SIGUSR2, then execs ARGV: the workload must start with exactly that mask.
BLOCKING_LAUNCHER = """
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
os.execv(sys.argv[1], sys.argv[1:])
"""


def test_workload_gets_the_callers_signal_mask(wrapped: Path, tmp_path: Path) -> None:
    """The bootloaders keep pyinit's process fully blocked and hand the caller's mask down in
    _PYINIT_SIGMASK; pyinit gives it to the workload and removes the variable. A stale value
    in the caller's environment (all blocked!) is not taken for the caller's mask."""
    show = (  # not sh: dash clears its signal mask when it starts
        "import os, re; print(re.search('SigBlk:.*', open('/proc/self/status').read())[0]);"
        "print('handed=' + os.environ.get('_PYINIT_SIGMASK', 'none'))"
    )
    launch = [sys.executable, "-c", BLOCKING_LAUNCHER, str(wrapped)]
    done = subprocess.run(
        [*launch, "--", sys.executable, "-c", show],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TMPDIR": str(tmp_path), "_PYINIT_SIGMASK": "ffffffffffffffff"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["SigBlk:", f"{1 << (signal.SIGUSR2 - 1):016x}", "handed=none"]


# --- memory ---------------------------------------------------------------------------------


def test_rss_while_supervising(pid1: Path, run: Callable[..., Frozen]) -> None:
    frozen = run(pid1, "--", "sleep", "30")
    frozen.workload  # noqa: B018 - supervising from here on
    rss = [int(status(pid)["VmRSS"].split()[0]) for pid in (frozen.boot, frozen.pyinit)]
    assert sum(rss) <= RSS_BUDGET_KB, f"bootloader + pyinit RSS: {rss} kB"
    os.kill(frozen.boot, signal.SIGTERM)
    frozen.wait()


# --- the other variants: scripts/build-binary --onedir / --static ---------------------------


def _variant(path: Path) -> Path:
    if not path.exists():
        unavailable(f"{path.relative_to(REPO)} is not built: run scripts/build-binary --all")
    reason = _unshare_reason()
    if reason:
        pytest.skip(reason)
    return path


def test_onedir_build_is_pid1_itself(
    run: Callable[..., Frozen], script: Callable[..., list[str]]
) -> None:
    """In onedir mode the bootloader execs (no fork): pyinit is PID 1, orphans come to it."""
    onedir = _variant(ONEDIR)
    frozen = run(onedir, "--", *script(ORPHANS, "1"))
    frozen.expect_line("done")
    assert [line for line in frozen.stdout if line.startswith("orphan")] == ["orphan adopted by 1"]
    boot = frozen.boot
    assert status(boot)["NSpid"].split()[-1] == "1"
    assert exe(boot) == str(ONEDIR)
    os.kill(boot, signal.SIGTERM)
    assert frozen.wait() == 0


def test_static_pid1_exits_128_plus_n(run: Callable[..., Frozen]) -> None:
    """Its child (PyInstaller's bootloader) dies of SIGKILL: staticx's bootloader, PID 1,
    re-raises it, the kernel drops that, and ours exits 128+9 (the stock one: 2)."""
    static = _variant(STATIC)
    if not has_patched_bootloader(static):
        pytest.skip("dist/pyinit-static has staticx's stock bootloader")
    frozen = run(static, "--", "sleep", "30")
    frozen.workload  # noqa: B018 - the chain is up: staticx, PyInstaller's bootloader, pyinit
    os.kill(frozen.pyinit, signal.SIGKILL)
    assert frozen.proc.wait(20) == 128 + signal.SIGKILL


def test_stock_static_build_forwards_only_term_and_int(
    run: Callable[..., Frozen], script: Callable[..., list[str]]
) -> None:
    """staticx's stock bootloader (build-binary's fallback), PID 1 in front of PyInstaller's,
    forwards only SIGINT and SIGTERM; every other signal sent to it is dropped by the kernel.
    Ours forwards them all (test_every_catchable_signal_reaches_the_workload[static])."""
    static = _variant(STATIC)
    if has_patched_bootloader(static):
        pytest.skip("dist/pyinit-static has our patched staticx bootloader")
    frozen = run(static, "--", *script(RECORDER))
    frozen.expect_line("ready")
    boot = frozen.boot
    for signo in (signal.SIGHUP, signal.SIGUSR1, signal.SIGINT, signal.SIGTERM):
        os.kill(boot, signo)
    frozen.expect_line(f"got {int(signal.SIGTERM)}")
    frozen.expect_line(f"got {int(signal.SIGINT)}")
    got = [line for line in frozen.stdout if line.startswith("got")]
    assert f"got {int(signal.SIGHUP)}" not in got
    assert f"got {int(signal.SIGUSR1)}" not in got


# --- a terminal in front of the bootloader (docker run -it) -------------------------------


def test_ctrl_c_reaches_the_workload_once(
    pid1: Path, script: Callable[..., list[str]], tmp_path: Path
) -> None:
    """The terminal sends SIGINT to its foreground group. Were that the bootloader's group,
    pyinit would get it twice (the terminal's, and the bootloader's forwarded copy)."""
    import pty

    argv = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", str(pid1), "--"]
    argv += script(RECORDER)
    pid, master = pty.fork()
    if pid == 0:  # the child: session leader with the pty as its terminal, like a container
        try:
            os.execvpe(argv[0], argv, {**os.environ, "TMPDIR": str(tmp_path)})
        finally:
            os._exit(127)
    output: list[str] = []

    def pump() -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            # the terminal echoes Ctrl-C as "^C" in front of the next line: drop it
            output.extend(line.decode(errors="replace").strip().lstrip("^C") for line in lines)

    threading.Thread(target=pump, daemon=True).start()
    try:
        wait_for(lambda: any(line.startswith("ready") for line in output), what="ready")
        boot = wait_for(lambda: children(pid)[:1], what="the bootloader")[0]
        pyinit = wait_for(lambda: children(boot)[:1], what="pyinit")[0]
        workload = wait_for(lambda: children(pyinit)[:1], what="the workload")[0]
        # pyinit made the workload's group the terminal's foreground group (it cannot
        # hand over the terminal: the bootloader leads the session), so the terminal's
        # Ctrl-C goes to the workload alone, and no forwarded copy follows it.
        stat = open(f"/proc/{workload}/stat").read().rsplit(")", 1)[1].split()
        assert stat[2] == stat[5] == str(workload)  # its own group is the foreground one
        os.write(master, b"\x03")  # Ctrl-C
        wait_for(lambda: f"got {int(signal.SIGINT)}" in output, what="Ctrl-C")
        os.kill(boot, signal.SIGUSR1)  # a marker behind any second copy
        wait_for(lambda: f"got {int(signal.SIGUSR1)}" in output, what="the marker")
        assert output.count(f"got {int(signal.SIGINT)}") == 1, output
    finally:
        kill_tree(pid)
        os.waitpid(pid, 0)
        os.close(master)


# --- the patched bootloader (packaging/bootloader/) -----------------------------------------
#
# scripts/build-binary builds PyInstaller's bootloader from its sdist with
# packaging/bootloader/pyinit-bootloader.patch. If that build failed it fell back to the stock
# bootloader (with a warning); these tests then skip, and the ones above check the stock
# behaviour instead.


@pytest.fixture(scope="session")
def patched(pid1: Path) -> Path:
    if not has_patched_bootloader(pid1):
        pytest.skip(
            f"{pid1.relative_to(REPO)} has PyInstaller's stock bootloader: the patched one did "
            "not build (see build/bootloader.log) or --stock-bootloader was given"
        )
    return pid1


def test_nowhere_to_unpack_names_what_to_mount(patched: Path) -> None:
    """A read-only root with no tmpfs (`podman run --read-only --read-only-tmpfs=false`,
    Kubernetes readOnlyRootFilesystem without an emptyDir): one line saying what to mount,
    exit 255, nothing run. A $TMPDIR that is itself read-only changes nothing."""
    done = run_with_tmp_mounts(
        patched, dict.fromkeys(ALL_TMP, "ro"), "--", "echo", "ran", env={"TMPDIR": "/tmp"}
    )
    assert done.returncode == EXIT_NO_TMP, done.stderr
    assert done.stderr == NO_TMP_LINE + "\n"
    assert done.stdout == ""
    for advice in ("--tmpfs /tmp:exec", "emptyDir", "TMPDIR"):
        assert advice in done.stderr


@pytest.mark.parametrize(
    ("mounts", "env", "used"),
    [
        ({"/tmp": "noexec", "/var/tmp": "rw"}, {}, "/var/tmp"),
        ({"/tmp": "rw", "/var/tmp": "noexec"}, {"TMPDIR": "/var/tmp"}, "/tmp"),
    ],
    ids=["tmp-noexec", "tmpdir-noexec"],
)
def test_noexec_temp_dirs_are_skipped(
    patched: Path, mounts: dict[str, str], env: dict[str, str], used: str
) -> None:
    """A noexec candidate (Docker's --tmpfs default, /dev/shm) would fail in the dynamic
    loader; the patched bootloader skips it and unpacks into the next writable one."""
    show = "ls -d /tmp/_MEI* /var/tmp/_MEI* 2>/dev/null; exit 3"
    done = run_with_tmp_mounts(patched, mounts, "--", "sh", "-c", show, env=env)
    assert done.returncode == 3, done.stderr
    unpacked = done.stdout.split()
    assert len(unpacked) == 1 and unpacked[0].startswith(f"{used}/_MEI"), done.stdout


@pytest.mark.parametrize(
    ("as_pid1", "code"),
    [(True, 128 + signal.SIGKILL), (False, -signal.SIGKILL)],
    ids=["pid1", "not-pid1"],
)
def test_pyinit_death_by_signal_passes_through(
    patched: Path, run: Callable[..., Frozen], as_pid1: bool, code: int
) -> None:
    """pyinit dies of signal N (SIGKILL: the only one it cannot block). As PID 1 the
    bootloader's re-raise is dropped by the kernel, so it exits 128+N instead of 1, what a
    container runtime reports for a PID 1 killed by N; elsewhere it still dies of N itself."""
    frozen = run(patched, "--", "sleep", "30", pid1=as_pid1)
    pyinit, workload = frozen.pyinit, frozen.workload
    os.kill(pyinit, signal.SIGKILL)
    try:
        assert frozen.proc.wait(20) == code
    finally:  # outside a PID namespace nobody kills the orphaned workload (it holds our pipes)
        try:
            os.kill(workload, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_bootloader_needs_no_libz(patched: Path) -> None:
    """Built with PyInstaller's bundled zlib (--static-zlib): only glibc is needed in the
    image, no libz.so.1 (pyinit's own Python zlib module brings its copy in the archive)."""
    done = subprocess.run(["ldd", str(patched)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "libz" not in done.stdout, done.stdout
