"""What only the frozen builds have, at run time (docs/FROZEN.md explains each behaviour).

Under ``unshare --pid --fork --mount-proc dist/pyinit -- ...`` PyInstaller's bootloader
unpacks and execs pyinit in place (staticx's first, in dist/pyinit-static): pyinit itself is
PID 1. That it then behaves as the pip-installed one does, the behaviour files check (each
runs over every artifact: tests/artifacts.py); these tests check the rest: size and memory,
the bootloaders' signal handling while they unpack, and that what they unpacked goes.
dist/pyinit is built by ``scripts/build-binary`` (scripts/test runs it before pytest); without
it, or when it is older than the sources, every test here is skipped with the reason
(PYINIT_TEST_STALE_BINARY=1 runs them on a stale binary anyway; PYINIT_FROZEN_TESTS=require,
as scripts/test sets, fails them instead).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from pyinit.namespace import support as namespace_support
from pyinit.namespace import unshare_command
from tests.artifacts import ARTIFACTS, REPO, Artifact, Launched, Launcher
from tests.support import (
    PID1_TESTS,
    children,
    has_patched_bootloader,
    has_signal,
    kill_tree,
    program,
    state,
    status,
    unavailable,
    wait_for,
)

BINARY = REPO / "dist" / "pyinit"
BUDGETS = json.loads((REPO / "packaging" / "budgets.json").read_text())
SIZE_BUDGET = BUDGETS["size_bytes"]
RSS_BUDGET_KB = BUDGETS["rss_kb"]
T = TypeVar("T")


@pytest.fixture(scope="session")
def frozen() -> Path:
    reason = ARTIFACTS["onefile"].unavailable()
    if reason:
        unavailable(reason)
    return BINARY


@pytest.fixture(scope="session")
def pid1(frozen: Path) -> Path:
    works, reason = namespace_support()
    if not works:
        unavailable(reason, PID1_TESTS)
    return frozen


@pytest.fixture(params=["onefile", "static"])
def wrapped(request: pytest.FixtureRequest, pid1: Path) -> Path:
    """A build that unpacks at every start: dist/pyinit, and dist/pyinit-static (staticx's
    bootloader, which execs PyInstaller's, which execs pyinit)."""
    return pid1 if request.param == "onefile" else _variant(STATIC)


ONEDIR = REPO / "dist" / "pyinit-onedir" / "pyinit"
STATIC = REPO / "dist" / "pyinit-static"


# --- helpers -----------------------------------------------------------------------------


def exec_shape_only(binary: Path) -> None:
    """Skip with a stock bootloader (build-binary's fallback): it forks and stays PID 1 in
    front of pyinit, forwarding signals (docs/FROZEN.md)."""
    if not has_patched_bootloader(binary):
        unavailable(f"{binary.relative_to(REPO)} has a stock bootloader: it stays in front")


def exe(pid: int) -> str:
    try:  # " (deleted)": scripts/build-binary replaced the file while it ran
        return os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
    except OSError:
        return ""


class Frozen(Launched):
    """A frozen build started (tests/artifacts.py), seen through its boot: ``pid`` is pyinit
    once it runs (the bootloader's child with a stock bootloader), ``child()`` its child."""

    def _started(self) -> int | None:
        if self.namespace is None:
            return self.proc.pid
        return next(iter(children(self.proc.pid)), None)

    def _boot_started(self) -> int | None:
        """The pid while it still runs the file we started (before staticx's exec)."""
        pid = self._started()
        return pid if pid and exe(pid) == self.artifact.argv[0] else None

    def execd(self) -> int | None:
        """The pid once the bootloader has exec'd the unpacked program (pyinit)."""
        pid = self._started()
        return pid if pid and exec_done(pid) else None

    def catch(self, find: Callable[[], int | None], what: str) -> int | None:
        """Poll ``find`` for a pid; None when the whole run ends before it is seen (a loaded
        machine can run a short workload to its end between two looks)."""

        def look() -> list[int | None]:
            pid = find()
            return [pid] if pid or self.proc.poll() is not None else []

        return wait_for(look, what=what)[0]


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Callable[..., Frozen]]:
    """``run(binary, *ARGS, pid1=True, **popen)``: start a frozen build (under unshare unless
    pid1=False), unpacking under tmp_path; kill what is left at the end."""
    launcher = Launcher(tmp_path)

    def start(binary: Path, *args: str, **popen: object) -> Frozen:
        return launcher.start(Artifact.of(binary), *args, kind=Frozen, **popen)

    yield start
    launcher.close()


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


@pytest.fixture(params=["onefile", "static"])
def single(request: pytest.FixtureRequest, frozen: Path) -> Path:
    """Like ``wrapped``, but without the need for unshare."""
    if request.param == "onefile":
        return frozen
    if not STATIC.exists():
        unavailable(f"{STATIC.relative_to(REPO)} is not built: run scripts/build-binary --all")
    return STATIC


def unpacked(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir())


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--", "sh", "-c", "exit 3"], 3),
        (["--", "sh", "-c", "kill -TERM $$"], 128 + signal.SIGTERM),
        (["--grace", "1", "--", "sh", "-c", "trap '' TERM; sleep 30 & exit 4"], 4),
        (["--", "/nonexistent/program"], 127),
        (["--", "/dev/null"], 126),
        (["--no-such-option"], 2),
        (["--version"], 0),
        (["doctor", "--help"], 0),
    ],
    ids=["exit", "signal", "grace", "127", "126", "usage", "version", "doctor"],
)
def test_unpacked_folders_are_removed_on_every_exit(
    single: Path, tmp_path: Path, args: list[str], code: int
) -> None:
    """The bootloaders exec pyinit in place, so nobody is left to remove what they unpacked:
    pyinit removes its own folders (PyInstaller's _MEIxxxxxx, staticx's staticx-XXXXXX) just
    before it exits, whichever way it exits."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    done = subprocess.run([str(single), *args], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert unpacked(tmp) == []


def test_the_workload_sees_the_unpacked_folder_but_not_its_lock(
    single: Path, tmp_path: Path
) -> None:
    """While pyinit runs its folders exist, each with its lock file; pyinit holds the locks
    (inherited from the bootloaders' C code), the workload does not."""
    exec_shape_only(single)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    show = (
        'for d in "$TMPDIR"/*; do echo "folder ${d##*/}"; ls -A "$d" | grep -x .pyinit-lock; done;'
        "echo pyinit $(ls -l /proc/$PPID/fd | grep -c pyinit-lock);"
        "echo workload $(ls -l /proc/self/fd | grep -c pyinit-lock)"
    )
    done = subprocess.run(
        [str(single), "--", "sh", "-c", show],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    folders = [line.split()[1] for line in lines if line.startswith("folder ")]
    assert sorted(f[:4] for f in folders) == (["_MEI", "stat"] if single == STATIC else ["_MEI"])
    assert lines.count(".pyinit-lock") == len(folders), done.stdout
    assert lines[-2:] == [f"pyinit {len(folders)}", "workload 0"], done.stdout
    assert unpacked(tmp) == []


def plant(tmp: Path, name: str, lock: bool = True) -> Path:
    folder = tmp / name
    folder.mkdir()
    (folder / "libpython3.11.so.1.0").write_bytes(b"x")
    if lock:
        (folder / ".pyinit-lock").touch()
    return folder


def test_leftovers_of_killed_runs_are_swept(single: Path, tmp_path: Path) -> None:
    """A pyinit killed by SIGKILL (OOM, a stop timeout) leaves its folders; the next start
    removes those whose lock nobody holds. It never touches: a live pyinit's folder, a
    folder of another uid, a symlink named like a folder (nor what it points to), a folder
    without a lock file (a bootloader creating it right now, or not a pyinit folder), or
    anything not named like the bootloaders' folders."""
    exec_shape_only(single)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    killed = subprocess.Popen([str(single), "--", "sleep", "60"], env=env)
    leftovers = wait_for(lambda: unpacked(tmp) if children(killed.pid) else [], what="a start")
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    with contextlib.suppress(ProcessLookupError):
        for pid in children(killed.pid):
            os.kill(pid, signal.SIGKILL)
    live = subprocess.Popen([str(single), "--", "sleep", "60"], env=env)
    try:
        live_folders = wait_for(
            lambda: set(unpacked(tmp)) - set(leftovers) if children(live.pid) else set(),
            what="a live pyinit",
        )
        assert not set(leftovers) & set(unpacked(tmp))  # the live one's start swept them
        stranger = plant(tmp, "_MEI00000001other")
        os.chown(stranger, 65534, 65534)
        target = plant(tmp_path, "_MEItarget")
        (tmp / "_MEI00000002symlink").symlink_to(target)
        nolock = plant(tmp, "staticx-nolock", lock=False)
        other = plant(tmp, "other-folder")
        kept = {stranger.name, "_MEI00000002symlink", nolock.name, other.name, *live_folders}
        done = subprocess.run([str(single), "--", "true"], env=env, timeout=60)
        assert done.returncode == 0
        assert set(unpacked(tmp)) == kept
        assert (target / ".pyinit-lock").exists() and (stranger / ".pyinit-lock").exists()
    finally:
        live.terminate()
        live.wait(30)
    assert set(unpacked(tmp)) == kept - live_folders


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


# --- process tree, orphans ------------------------------------------------------------------


# --- signals --------------------------------------------------------------------------------


# --- signals in the first milliseconds ------------------------------------------------------


def _freeze(pid: int) -> None:
    os.kill(pid, signal.SIGSTOP)  # from the parent namespace, SIGSTOP reaches even PID 1
    wait_for(lambda: state(pid) == "T", what=f"pid {pid} to stop")


def exec_done(pid: int) -> bool:
    """Has the bootloader exec'd the unpacked program (whose environment holds the folder)?"""
    try:
        return b"_PYI_APPLICATION_HOME_DIR=" in Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False


@pytest.mark.timeout(120)
def test_signal_while_the_bootloader_unpacks(wrapped: Path, run: Callable[..., Frozen]) -> None:
    """While it unpacks, the bootloader is a PID 1 with no handler. The patched bootloaders
    block every signal from their start, through their exec, until pyinit takes them:
    SIGTERM stays pending, pyinit forwards it as soon as the workload exists: exit 143 at
    once. With the stock one the kernel discards SIGTERM: the workload runs to its end. The
    same for staticx's bootloader while it extracts (the static build)."""
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
            if has_signal(status(boot)["SigCgt"], signal.SIGTERM) or exec_done(boot):
                return False  # its handlers are installed already, or pyinit runs
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
        unavailable("never caught the bootloader while it unpacks, in 10 tries")
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
    """The bootloader execs pyinit with every signal still blocked, and pyinit finds the
    caller's mask in _PYINIT_SIGMASK. So a signal that comes before pyinit's first line (the
    interpreter's start-up, ~30 ms) waits for pyinit, which forwards, rewrites or drops it as
    told: here `-r USR1:0` drops it and the workload runs to its end."""
    for _ in range(30):
        frozen = run(patched, "-r", "USR1:0", "--", "sh", "-c", "echo started; exit 7")
        pid = frozen.catch(frozen.execd, what="the bootloader's exec")
        if pid is None:
            continue  # it ran to its end before the first look
        _freeze(pid)
        # Before the interpreter is up (it installs its SIGINT handler before any of pyinit's
        # code runs): blocked now can only be the bootloader's doing, not pyinit's block_all.
        if not has_signal(status(pid)["SigCgt"], signal.SIGINT):
            break
        os.kill(pid, signal.SIGCONT)  # too late: try again
        frozen.wait()
    else:
        unavailable("never caught pyinit before its interpreter started, in 30 tries")
    assert has_signal(status(pid)["SigBlk"], signal.SIGUSR1)  # blocked through the exec
    os.kill(pid, signal.SIGUSR1)
    wait_for(lambda: has_signal(status(pid)["ShdPnd"], signal.SIGUSR1), what="pending")
    os.kill(pid, signal.SIGCONT)
    assert frozen.wait() == 7, frozen.stderr
    assert frozen.stdout == ["started"]


# --- memory ---------------------------------------------------------------------------------


def test_rss_while_supervising(pid1: Path, run: Callable[..., Frozen]) -> None:
    frozen = run(pid1, "--", "sleep", "30")
    frozen.child()  # supervising from here on
    rss = int(status(frozen.pid)["VmRSS"].split()[0])
    assert rss <= RSS_BUDGET_KB, f"pyinit RSS: {rss} kB"
    os.kill(frozen.pid, signal.SIGTERM)
    frozen.wait()


# --- the other variants: scripts/build-binary --onedir / --static ---------------------------


def _variant(path: Path) -> Path:
    if not path.exists():
        unavailable(f"{path.relative_to(REPO)} is not built: run scripts/build-binary --all")
    works, reason = namespace_support()
    if not works:
        unavailable(reason, PID1_TESTS)
    return path


def test_onedir_build_is_pid1_itself(run: Callable[..., Frozen]) -> None:
    """In onedir mode the bootloader execs (no fork): pyinit is PID 1, orphans come to it."""
    onedir = _variant(ONEDIR)
    frozen = run(onedir, "--", *program("orphans.py", "1", "--report"))
    frozen.expect_line("spawned 1")
    assert [line for line in frozen.stdout if line.startswith("orphan")] == ["orphan adopted by 1"]
    pyinit = frozen.pid
    assert status(pyinit)["NSpid"].split()[-1] == "1"
    assert exe(pyinit) == str(ONEDIR)
    os.kill(pyinit, signal.SIGTERM)
    assert frozen.wait() == 0


@pytest.fixture(scope="session")
def stock_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What build-binary --static makes when our staticx bootloader does not build: the same
    onefile input (build/static/dist/pyinit, which build-binary leaves) wrapped by staticx
    with its stock bootloader (half a second)."""
    onefile = REPO / "build" / "static" / "dist" / "pyinit"
    reason = Artifact.of(onefile).unavailable()
    staticx = Path(sys.executable).parent / "staticx"
    if reason or not staticx.exists():
        unavailable(reason or f"{staticx} is missing: run scripts/build-binary --static")
    stock = tmp_path_factory.mktemp("stock-static") / "pyinit-static"
    made = subprocess.run(
        [str(staticx), "--strip", "--no-compress", str(onefile), str(stock)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    assert not has_patched_bootloader(stock)
    return stock


def test_stock_static_build_forwards_only_term_and_int(
    run: Callable[..., Frozen], stock_static: Path
) -> None:
    """staticx's stock bootloader (build-binary's fallback), PID 1 in front of PyInstaller's,
    forwards only SIGINT and SIGTERM; every other signal sent to it is dropped by the kernel.
    Ours forwards them all (test_forwarding.py, [static])."""
    frozen = run(stock_static, "--", *program("recorder.py"))
    frozen.expect_line("ready")
    boot = frozen.front  # PID 1: the stock bootloader, not pyinit behind it
    for signo in (signal.SIGHUP, signal.SIGUSR1, signal.SIGINT, signal.SIGTERM):
        os.kill(boot, signo)
    frozen.expect_exact("SIGTERM")
    frozen.expect_exact("SIGINT")
    assert "SIGHUP" not in frozen.stdout
    assert "SIGUSR1" not in frozen.stdout


# --- a terminal in front of the bootloader (docker run -it) -------------------------------


def test_ctrl_c_reaches_the_workload_once(pid1: Path, tmp_path: Path) -> None:
    """The terminal sends SIGINT to its foreground group. Were that pyinit's group too,
    the workload would get it twice (the terminal's, and pyinit's forwarded copy)."""
    exec_shape_only(pid1)
    import pty

    argv = [*unshare_command(), str(pid1), "--", *program("recorder.py")]
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
        pyinit = wait_for(lambda: children(pid)[:1], what="pyinit")[0]
        workload = wait_for(lambda: children(pyinit)[:1], what="the workload")[0]
        # pyinit made the workload's group the terminal's foreground group (it cannot
        # hand over the terminal: unshare leads the session here), so the terminal's
        # Ctrl-C goes to the workload alone, and no forwarded copy follows it.
        stat = open(f"/proc/{workload}/stat").read().rsplit(")", 1)[1].split()
        assert stat[2] == stat[5] == str(workload)  # its own group is the foreground one
        os.write(master, b"\x03")  # Ctrl-C
        wait_for(lambda: "SIGINT" in output, what="Ctrl-C")
        os.kill(pyinit, signal.SIGUSR1)  # a marker behind any second copy
        wait_for(lambda: "SIGUSR1" in output, what="the marker")
        assert output.count("SIGINT") == 1, output
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
        unavailable(
            f"{pid1.relative_to(REPO)} has PyInstaller's stock bootloader: the patched one did "
            "not build (see build/bootloader.log) or --stock-bootloader was given"
        )
    return pid1


@pytest.fixture(params=["onefile", "static"])
def patched_single(request: pytest.FixtureRequest, pid1: Path) -> Path:
    """dist/pyinit and dist/pyinit-static, each with our patched bootloader(s)."""
    binary = pid1 if request.param == "onefile" else _variant(STATIC)
    if not has_patched_bootloader(binary):
        unavailable(f"{binary.relative_to(REPO)} has a stock bootloader")
    return binary


def test_nowhere_to_unpack_names_what_to_mount(patched_single: Path) -> None:
    """A read-only root with no tmpfs (`podman run --read-only --read-only-tmpfs=false`,
    Kubernetes readOnlyRootFilesystem without an emptyDir): one line saying what to mount,
    exit 255, nothing run. A $TMPDIR that is itself read-only changes nothing. The same
    line and status from staticx's bootloader (stock: its own message, exit 2)."""
    done = run_with_tmp_mounts(
        patched_single, dict.fromkeys(ALL_TMP, "ro"), "--", "echo", "ran", env={"TMPDIR": "/tmp"}
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
    patched_single: Path, mounts: dict[str, str], env: dict[str, str], used: str
) -> None:
    """A noexec candidate (Docker's --tmpfs default, /dev/shm) would fail in the dynamic
    loader; the patched bootloaders skip it and unpack into the next writable one."""
    show = "ls -d /tmp/_MEI* /var/tmp/_MEI* /tmp/staticx-* /var/tmp/staticx-* 2>/dev/null; exit 3"
    done = run_with_tmp_mounts(patched_single, mounts, "--", "sh", "-c", show, env=env)
    assert done.returncode == 3, done.stderr
    folders = done.stdout.split()
    assert len(folders) == (2 if patched_single == STATIC else 1), done.stdout
    assert all(folder.startswith(f"{used}/") for folder in folders), done.stdout


@pytest.mark.timeout(300)
def test_late_signal_after_the_workload_ends(
    patched_single: Path, run: Callable[..., Frozen]
) -> None:
    """SIGTERM, then SIGHUP 2 ms later, to PID 1: the workload exits 0 on the TERM (and would
    survive the HUP), and the HUP comes while pyinit is exiting. pyinit keeps every signal
    blocked to its end, so the status is the workload's, every time. (staticx's bootloader
    in front of pyinit had reset its handlers then: killed by the HUP, exit 129 in 5 of 5
    runs, its folder left.)"""
    workload = program("recorder.py", "--exit-on", "SIGTERM")  # it records the HUP
    codes = []
    for _ in range(50):
        frozen = run(patched_single, "--", *workload)
        frozen.expect_line("ready")
        pyinit = frozen.pid
        os.kill(pyinit, signal.SIGTERM)
        time.sleep(0.002)  # the case under test: a second signal 2 ms after the first
        with contextlib.suppress(ProcessLookupError):
            os.kill(pyinit, signal.SIGHUP)
        codes.append(frozen.wait())
    assert codes == [0] * 50


def sigmask_vectors() -> list[tuple[str, set[int] | None]]:
    from tests.test_unit import read_sigmask_vectors

    return read_sigmask_vectors()


@pytest.mark.parametrize("build", ["pip", "onefile", "static"])
def test_handed_mask_follows_the_shared_vectors(build: str, tmp_path: Path) -> None:
    """tests/sigmask-vectors.txt, through the bootloaders' C parser and pyinit's. Started with
    every signal blocked (what a patched bootloader in front looks like) and a value in
    _PYINIT_SIGMASK: a well-formed one becomes the workload's mask; a malformed one is
    ignored (the workload keeps the mask pyinit started with: all), and pyinit says so at -v.
    In the frozen builds the C rejects it first (replacing it with the real mask), so
    pyinit never sees it: no log line."""
    if build == "pip":
        binary = [sys.executable, "-m", "pyinit"]
    else:
        path = BINARY if build == "onefile" else STATIC
        stale = ARTIFACTS["onefile"].unavailable()
        if stale or not path.exists() or not has_patched_bootloader(path):
            unavailable(f"{path.relative_to(REPO)} is not built, stale, or has a stock bootloader")
        binary = [str(path)]
    everything = {s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP)}
    for value, expected in sigmask_vectors():
        done = subprocess.run(
            [*program("sigstate.py", "--block", "ALL", "--"), *binary, "-v", "--"]
            + program("show_mask.py"),
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
            env={**os.environ, "TMPDIR": str(tmp_path), "_PYINIT_SIGMASK": value},
        )
        assert done.returncode == 0, (value, done.stderr)
        bits = int(done.stdout.split()[1], 16)
        got = {s for s in range(1, 65) if bits >> (s - 1) & 1}
        logged = "ignoring a malformed _PYINIT_SIGMASK" in done.stderr
        wanted = everything if expected is None else expected - {signal.SIGKILL, signal.SIGSTOP}
        assert got == wanted, (value, done.stderr)
        assert logged == (expected is None and build == "pip"), (value, done.stderr)


def test_bootloader_needs_no_libz(patched: Path) -> None:
    """Built with PyInstaller's bundled zlib (--static-zlib): only glibc is needed in the
    image, no libz.so.1 (pyinit's own Python zlib module brings its copy in the archive)."""
    done = subprocess.run(["ldd", str(patched)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "libz" not in done.stdout, done.stdout


# --- pyinit/frozen.py on its own (no binary needed) ------------------------------------------


def test_remove_tree_never_follows_a_symlink(tmp_path: Path) -> None:
    from pyinit.frozen import remove_tree

    target = tmp_path / "target"
    target.mkdir()
    (target / "keep").touch()
    folder = tmp_path / "_MEIfolder"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "b" / "file").touch()
    (folder / "dir-link").symlink_to(target)
    (folder / "file-link").symlink_to(target / "keep")
    (tmp_path / "_MEIlink").symlink_to(target)
    parent = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        remove_tree("_MEIfolder", parent)
        remove_tree("_MEIlink", parent)  # a symlink itself: not opened, not removed
    finally:
        os.close(parent)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_MEIlink", "target"]
    assert [p.name for p in target.iterdir()] == ["keep"]


def test_sweep_candidates() -> None:
    from pyinit.frozen import is_candidate

    assert is_candidate("_MEI0000abcdXYZ123", 0, 0, is_dir=True)
    assert is_candidate("staticx-AbC123", 1000, 1000, is_dir=True)
    assert not is_candidate("_MEI0000abcdXYZ123", 1000, 0, is_dir=True)  # another uid
    assert not is_candidate("_MEI0000abcdXYZ123", 0, 0, is_dir=False)  # a symlink or file
    assert not is_candidate("pytest-of-root", 0, 0, is_dir=True)
