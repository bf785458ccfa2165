"""Running inits for the benchmarks: which inits there are, each as PID 1 of a PID
namespace, FIFOs to hear from the workloads, and readers of /proc.

Used by bench/run.py's measurements (bench/measurements/) and by scripts/measure-binary,
so only the standard library, and Python 3.9, here.
"""

from __future__ import annotations

import datetime
import os
import platform
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pyinit.namespace import Namespace

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
HELPER_SRC = BENCH_DIR / "helpers"
DEFAULT_OUT = BENCH_DIR / "out"
HELPER_BIN = DEFAULT_OUT / "bin"

REFERENCES = ("tini", "dumb-init", "catatonit")
# The frozen builds from scripts/build-binary, by the name they have in the tables: a
# file, or a folder with the executable `pyinit` in it (onedir).
FROZEN_BUILDS = {
    "pyinit-frozen": REPO / "dist" / "pyinit",
    "pyinit-onedir": REPO / "dist" / "pyinit-onedir",
    "pyinit-static": REPO / "dist" / "pyinit-static",
}

# Kinds of init: what a measurement says it applies to (Measurement.builds).
EVERY_BUILD = frozenset({"reference", "pyinit", "frozen", "extra"})
NOT_FROZEN = EVERY_BUILD - {"frozen"}


class BenchError(Exception):
    """A problem that ends the run with a one-line message."""


@dataclass
class Plan:
    """How much of each measurement to do: each measurement declares its own values
    (Measurement.plan), quick (CI) and full."""

    quick: bool
    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def as_dict(self) -> dict[str, Any]:
        return {"quick": self.quick, **self.values}


@dataclass
class Init:
    name: str
    argv: list[str]  # prefix, ends with "--"
    kind: str  # "reference", "pyinit", "frozen" or "extra"
    version: str = ""
    error: str = ""

    @property
    def exe(self) -> str:
        return self.argv[0]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "argv": self.argv,
            "kind": self.kind,
            "version": self.version,
            "error": self.error,
        }


@dataclass
class Context:
    plan: Plan
    inits: list[Init]
    tmp: Path
    helpers: dict[str, str]
    log: Callable[[str], None]
    userns: list[str] = field(default_factory=list)
    # results of runs that serve more than one measurement (see shared())
    cache: dict[Any, Any] = field(default_factory=dict)

    def inits_for(self, builds: Iterable[str]) -> list[Init]:
        kinds = set(builds)
        return [i for i in self.inits if not i.error and i.kind in kinds]

    def shared(self, key: Any, make: Callable[[], Any]) -> Any:
        """make()'s result, made once per run for this key: two measurements that read
        the same run (memory and idle) ask for it under the same key."""
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]


def rotated(items: Sequence[Any], k: int) -> list[Any]:
    """Round-robin order for repetition k: each item leads in turn."""
    if not items:
        return []
    k %= len(items)
    return list(items[k:]) + list(items[:k])


# --------------------------------------------------------------------------- /proc readers


def proc_table() -> dict[int, int]:
    """pid -> ppid for every process visible in /proc."""
    table: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        rest = data[data.rfind(b")") + 2 :].split()
        table[int(entry)] = int(rest[1])
    return table


def exe_of(pid: int) -> str:
    try:
        return os.path.realpath(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return ""


def children_of(pid: int, table: dict[int, int] | None = None) -> list[int]:
    table = proc_table() if table is None else table
    return sorted(p for p, pp in table.items() if pp == pid)


def process_chain(root: int) -> list[int]:
    """root, its first child, that one's first child, ... (a bootloader's chain)."""
    table = proc_table()
    chain = [root]
    while kids := children_of(chain[-1], table):
        chain.append(kids[0])
    return chain


def init_tree(root: int, workload_exes: Iterable[str]) -> tuple[list[int], list[int]]:
    """The init's own processes (root and descendants, stopping at the workload) and the
    workload processes.  The workload is recognised by its executable."""
    work = {os.path.realpath(w) for w in workload_exes}
    table = proc_table()
    mine: list[int] = []
    workload: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid != root and exe_of(pid) in work:
            workload.append(pid)
            continue
        mine.append(pid)
        todo.extend(children_of(pid, table))
    return sorted(mine), sorted(workload)


def status_fields(pid: int, tid: int | None = None) -> dict[str, str]:
    path = f"/proc/{pid}/status" if tid is None else f"/proc/{pid}/task/{tid}/status"
    out: dict[str, str] = {}
    try:
        with open(path) as f:
            for line in f:
                key, _, value = line.partition(":")
                out[key] = value.strip()
    except OSError:
        pass
    return out


def tasks_of(pid: int) -> list[int]:
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


def ctxt_switches(pids: Iterable[int]) -> int:
    total = 0
    for pid in pids:
        for tid in tasks_of(pid):
            st = status_fields(pid, tid)
            total += int(st.get("voluntary_ctxt_switches", "0"))
            total += int(st.get("nonvoluntary_ctxt_switches", "0"))
    return total


def pending_signals(pids: Iterable[int]) -> bool:
    for pid in pids:
        st = status_fields(pid)
        if int(st.get("ShdPnd", "0"), 16) or int(st.get("SigPnd", "0"), 16):
            return True
        for tid in tasks_of(pid):
            if int(status_fields(pid, tid).get("SigPnd", "0"), 16):
                return True
    return False


def rss_kb(pid: int) -> int:
    return int(status_fields(pid).get("VmRSS", "0 kB").split()[0])


def memory_kb(pids: Iterable[int]) -> dict[str, int]:
    """Sum of RSS, PSS and USS (kB) over pids, from status and smaps_rollup."""
    rss = pss = uss = 0
    for pid in pids:
        rss += rss_kb(pid)
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key == "Pss":
                        pss += int(value.split()[0])
                    elif key in ("Private_Clean", "Private_Dirty"):
                        uss += int(value.split()[0])
        except OSError:
            pass
    return {"rss_kb": rss, "pss_kb": pss, "uss_kb": uss}


def alive(pid: int) -> bool:
    st = status_fields(pid)
    return bool(st) and not st.get("State", "").startswith(("Z", "X"))


# --------------------------------------------------------------------------- setup


def log_stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def apt_install(packages: list[str], log: Callable[[str], None]) -> None:
    prefix: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise BenchError(f"missing {' '.join(packages)} and not root (no sudo) to apt-get it")
        prefix = ["sudo", "-n"]
    if shutil.which("apt-get") is None:
        raise BenchError(f"missing {' '.join(packages)} and no apt-get: install them by hand")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = [*prefix, "apt-get", "install", "-y", "--no-install-recommends", *packages]
    log(f"installing from Debian: {' '.join(packages)}")
    if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run([*prefix, "apt-get", "update"], env=env, stdout=subprocess.DEVNULL)
        if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            raise BenchError(f"apt-get install {' '.join(packages)} failed")


def ensure_tools(wanted: Sequence[str], install: bool, log: Callable[[str], None]) -> None:
    packages = [n for n in wanted if n in REFERENCES and shutil.which(n) is None]
    if shutil.which("gcc") is None:
        packages += ["gcc", "libc6-dev"]
    if shutil.which("unshare") is None:
        packages.append("util-linux")
    if packages:
        if not install:
            raise BenchError(f"missing {' '.join(packages)} (and --no-install was given)")
        apt_install(packages, log)


def compile_helpers(log: Callable[[str], None]) -> dict[str, str]:
    HELPER_BIN.mkdir(parents=True, exist_ok=True)
    out: dict[str, str] = {}
    for src in sorted(HELPER_SRC.glob("*.c")):
        binary = HELPER_BIN / src.stem
        if not binary.exists() or binary.stat().st_mtime < src.stat().st_mtime:
            # compile to a private name, then rename: concurrent runs never see half a file
            tmp = binary.with_name(f".{src.stem}.{os.getpid()}")
            cmd = ["gcc", "-O2", "-Wall", "-Wextra", "-o", str(tmp), str(src)]
            res = subprocess.run(cmd, capture_output=True, text=True)
            if res.returncode != 0:
                raise BenchError(f"gcc failed on {src.name}: {res.stderr.strip()}")
            os.replace(tmp, binary)
            log(f"compiled {src.name}")
        out[src.stem] = str(binary)
    return out


def compile_pyinit(log: Callable[[str], None]) -> None:
    """Byte-compile the pyinit package, as pip does at install time.

    With PYTHONDONTWRITEBYTECODE=1 in the environment (common in CI images) an
    edited source tree is recompiled on every start, which costs milliseconds.
    """
    res = subprocess.run(
        [sys.executable, "-c", "import pyinit, os; print(os.path.dirname(pyinit.__file__))"],
        capture_output=True,
        text=True,
    )
    pkg = res.stdout.strip()
    if res.returncode != 0 or not pkg:
        return
    res = subprocess.run([sys.executable, "-m", "compileall", "-q", pkg], capture_output=True)
    if res.returncode != 0:
        log(f"warning: could not byte-compile {pkg}; start-up numbers include compiling")


def version_of(argv: list[str]) -> str:
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    text = (res.stdout.strip() or res.stderr.strip()).splitlines()
    return text[0].strip() if text else ""


def find_frozen() -> list[tuple[str, Path]]:
    """Frozen builds from scripts/build-binary: dist/pyinit (onefile), and the
    --onedir and --static variants when they have been built too."""
    found = []
    for name, path in FROZEN_BUILDS.items():
        exe = executable_of(path)
        if exe.is_file() and os.access(exe, os.X_OK):
            found.append((name, exe))
    return found


def executable_of(build: Path) -> Path:
    """A frozen build's executable: the file, or a onedir folder's `pyinit`."""
    return build / "pyinit" if build.is_dir() else build


def discover_inits(selected: Sequence[str] | None, extra: Sequence[str]) -> list[Init]:
    inits: list[Init] = []
    for name in REFERENCES:
        path = shutil.which(name) or name
        inits.append(Init(name, [path, "--"], "reference"))
    script = Path(sys.executable).parent / "pyinit"
    inits.append(Init("pyinit", [str(script), "--"], "pyinit"))
    for name, path in find_frozen():
        inits.append(Init(name, [str(path), "--"], "frozen"))
    for spec in extra:
        name, eq, cmd = spec.partition("=")
        argv = shlex.split(cmd)
        if not eq or not name or not argv:
            raise BenchError(f"--extra {spec!r} is not NAME='COMMAND --'")
        if name in {i.name for i in inits}:
            raise BenchError(f"--extra {name!r}: that name is taken")
        inits.append(Init(name, argv, "extra"))
        if selected:
            selected = [*selected, name]
    if selected:
        unknown = set(selected) - {i.name for i in inits} - set(FROZEN_BUILDS)
        if unknown:
            raise BenchError(f"unknown init(s): {', '.join(sorted(unknown))}")
        inits = [i for i in inits if i.name in selected]
    for init in inits:
        if init.kind == "pyinit":
            init.version = "pyinit " + version_of(
                [sys.executable, "-c", "import pyinit; print(pyinit.__version__)"]
            )
        elif init.kind == "frozen":
            init.version = version_of([init.exe, "--version"]) or "frozen"
        else:
            init.version = version_of([init.exe, "--version"])
    return inits


def sanity_check(init: Init) -> None:
    """INIT -- /bin/true must exit 0, else the init is left out with an error."""
    if not os.access(init.exe, os.X_OK):
        init.error = f"{init.exe} not found"
        return
    try:
        res = subprocess.run([*init.argv, "/bin/true"], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        init.error = "INIT -- /bin/true timed out"
        return
    if res.returncode != 0:
        tail = res.stderr.strip().splitlines()[-1:] or [""]
        init.error = f"INIT -- /bin/true exited {res.returncode}: {tail[0][:200]}"


def machine_meta(plan: Plan) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "host": platform.node(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "quick": plan.quick,
        "plan": plan.as_dict(),
        "loadavg_start": loadavg(),
    }


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# --------------------------------------------------------------------------- running


# stdin, stdout and stderr of a spawned command to /dev/null (spawn_wait)
DEVNULL_ACTIONS = [
    (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
    (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
    (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0),
]


def spawn_wait(
    argv: list[str], env: dict[str, str], actions: list[Any] = DEVNULL_ACTIONS
) -> tuple[int, int]:
    """Run argv to its end: (nanoseconds from spawn to reaped, exit code)."""
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    return t1 - t0, os.waitstatus_to_exitcode(status)


class Pid1Run:
    """INIT -- WORKLOAD as PID 1 of a new PID namespace (pyinit.namespace, the launcher the
    tests and the pid1 fixture use too)."""

    live: set[Pid1Run] = set()

    def __init__(self, ctx: Context, init: Init, workload: list[str]) -> None:
        self.init = init
        self.errlog = tempfile.TemporaryFile(dir=ctx.tmp)
        self.namespace = Namespace([*init.argv, *workload], stderr=self.errlog)
        self.proc = self.namespace.proc
        Pid1Run.live.add(self)

    def pid(self, timeout: float = 10.0) -> int:
        """Host PID of the init (PID 1 inside), once it runs."""
        try:
            return self.namespace.wait_pid1(timeout)
        except RuntimeError:
            why = self.stderr_tail()
            raise BenchError(f"{self.init.name}: init did not start ({why})") from None

    def stderr_tail(self) -> str:
        self.errlog.seek(0)
        lines = self.errlog.read().decode(errors="replace").strip().splitlines()
        return lines[-1][:200] if lines else f"exit {self.proc.poll()}"

    def stop(self) -> None:
        """SIGTERM the init and give it 3 s to end, as docker stop would; then SIGKILL."""
        try:
            pid = self.namespace.pid1()
            if self.proc.poll() is None and pid is not None and alive(pid):
                os.kill(pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    pass
            self.namespace.kill()
        finally:
            self.errlog.close()
            Pid1Run.live.discard(self)

    @classmethod
    def stop_all(cls) -> None:
        for run in list(cls.live):
            try:
                run.stop()
            except Exception:  # noqa: BLE001 - best effort cleanup
                pass


class Fifo:
    """Read end of a named pipe, opened non-blocking; reads with a deadline."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.buf = b""
        self.poller = select.poll()
        self.poller.register(self.fd, select.POLLIN)

    def _fill(self, enough: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not enough():
            left = deadline - time.monotonic()
            if left <= 0 or not self.poller.poll(left * 1000):
                return False
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:  # writer gone; avoid spinning on POLLHUP
                time.sleep(0.001)
                continue
            self.buf += chunk
        return True

    def read_exact(self, n: int, timeout: float) -> bytes | None:
        if not self._fill(lambda: len(self.buf) >= n, timeout):
            return None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_line(self, timeout: float) -> str | None:
        if not self._fill(lambda: b"\n" in self.buf, timeout):
            return None
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode()

    def close(self) -> None:
        os.close(self.fd)


@dataclass
class SleepWatch:
    """One init supervising sleep as PID 1 over an idle window (supervise_sleep)."""

    processes: list[int]  # the init's own
    workload: list[int]  # sleep
    snapshots: list[dict[str, int]]  # memory_kb() at the start, middle and end
    switches: int  # context switches of processes over the window
    window_s: float


def supervise_sleep(
    ctx: Context, inits: list[Init], settle_s: float, window_s: float
) -> dict[str, SleepWatch | str]:
    """All inits side by side, each supervising sleep as PID 1: memory snapshots and
    context switches over one idle window.  init name -> its watch, or an error."""
    key = ("supervise_sleep", tuple(i.name for i in inits), settle_s, window_s)
    return ctx.shared(key, lambda: _supervise_sleep(ctx, inits, settle_s, window_s))


def _supervise_sleep(
    ctx: Context, inits: list[Init], settle_s: float, window_s: float
) -> dict[str, SleepWatch | str]:
    sleep_exe = shutil.which("sleep") or "/bin/sleep"
    runs: dict[str, Pid1Run] = {}
    procs: dict[str, tuple[list[int], list[int]]] = {}
    errors: dict[str, str] = {}
    mem: dict[str, list[dict[str, int]]] = {}
    try:
        for init in inits:
            runs[init.name] = Pid1Run(ctx, init, [sleep_exe, "3600"])
        for name, run in runs.items():
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                try:
                    mine, work = init_tree(run.pid(), [sleep_exe])
                except BenchError as exc:
                    errors[name] = str(exc)
                    break
                if work:
                    procs[name] = (mine, work)
                    break
                time.sleep(0.01)
            else:
                errors[name] = f"sleep did not start ({run.stderr_tail()})"
        time.sleep(settle_s)
        for name, (pids, _) in procs.items():
            mem[name] = [memory_kb(pids)]
        before = {name: ctxt_switches(pids) for name, (pids, _) in procs.items()}
        t0 = time.monotonic()
        time.sleep(window_s / 2)
        for name, (pids, _) in procs.items():
            mem[name].append(memory_kb(pids))
        time.sleep(max(0.0, window_s - (time.monotonic() - t0)))
        after = {name: ctxt_switches(pids) for name, (pids, _) in procs.items()}
        window = time.monotonic() - t0
        for name, (pids, _) in procs.items():
            mem[name].append(memory_kb(pids))
            if not all(alive(p) for p in pids):
                errors[name] = "init process vanished during the idle window"
    finally:
        for run in runs.values():
            run.stop()
    out: dict[str, SleepWatch | str] = {}
    for init in inits:
        name = init.name
        if name in errors:
            out[name] = errors[name]
            continue
        mine, work = procs[name]
        out[name] = SleepWatch(mine, work, mem[name], after[name] - before[name], window)
    return out
