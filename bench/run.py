#!/usr/bin/env python3
"""Benchmark pyinit side by side with tini, dumb-init and catatonit.

    python bench/run.py              # full run (about 2-4 minutes on 2 cores)
    python bench/run.py --quick      # a few repetitions of each (CI, < 60 s)
    python bench/run.py --markdown   # also print Markdown tables for the README

Every measurement runs for every init in the same run, interleaved (round-robin
over the inits on every repetition), so background load hits all of them alike.
The tiny C workloads in bench/helpers/ are compiled with gcc into bench/out/bin/.
Results go to OUT/results.json and OUT/results.png (OUT defaults to bench/out/).

Measurements (see bench/README.md for the method):
  latency  signal forwarding latency, kill(init, SIGUSR1) -> child handler runs
  reaping  3000 double-forked orphans under the init as PID 1 of a PID namespace
  startup  INIT -- /bin/true vs /bin/true; pyinit console script vs python -I -S -c pass
  memory   resident memory of the init's own processes while it supervises sleep
  idle     context switches of the idle init over a 10 s window
  storm    100 000 mixed signals: init survives, memory flat, last of each kind arrives
The frozen binary dist/pyinit (scripts/build-binary) joins latency, startup,
memory and idle when it exists.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
HELPER_SRC = BENCH_DIR / "helpers"
DEFAULT_OUT = BENCH_DIR / "out"
HELPER_BIN = DEFAULT_OUT / "bin"

REFERENCES = ("tini", "dumb-init", "catatonit")
PID1_PREFIX = "as PID 1: "
MEASUREMENTS = ("latency", "reaping", "startup", "memory", "idle", "storm")
# The frozen binary takes part in these only (issue 4, item 7; idle is free).
FROZEN_MEASUREMENTS = ("latency", "startup", "memory", "idle")

STORM_SIGNALS: tuple[int, ...] = (
    int(signal.SIGHUP),
    int(signal.SIGUSR1),
    int(signal.SIGUSR2),
    int(signal.SIGALRM),
    int(signal.SIGWINCH),
    int(signal.SIGRTMIN),
    int(signal.SIGRTMIN) + 1,
    int(signal.SIGRTMIN) + 2,
    int(signal.SIGRTMAX),
)

TARGETS_TEXT = {
    "latency": "forwarding latency median <= 1.5 x tini",
    "reaping_total": "reaping total (stream) <= 1.3 x tini",
    "reaping_burst": "reaping burst (release -> none left) <= 1.3 x tini",
    "idle": "zero idle wake-ups",
    "startup": "console script start-up <= 2 x python -I -S -c pass",
    "memory": "RSS of the pip-installed init <= 10 MB",
}


class BenchError(Exception):
    """A problem that ends the run with a one-line message."""


@dataclass
class Plan:
    quick: bool
    latency_signals: int
    reap_reps: int
    reap_count: int
    startup_reps: int
    idle_settle_s: float
    idle_window_s: float
    storm_signals: int
    storm_reps: int

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if quick:
            return cls(True, 60, 1, 1000, 8, 0.5, 2.0, 5000, 1)
        return cls(False, 500, 5, 3000, 100, 1.0, 10.0, 100_000, 3)


@dataclass
class Init:
    name: str
    argv: list[str]  # prefix, ends with "--"
    kind: str  # "reference", "pyinit" or "frozen"
    version: str = ""
    error: str = ""

    @property
    def exe(self) -> str:
        return self.argv[0]


@dataclass
class Context:
    plan: Plan
    inits: list[Init]
    tmp: Path
    helpers: dict[str, str]
    log: Callable[[str], None]
    userns: list[str] = field(default_factory=list)

    def for_measurement(self, name: str) -> list[Init]:
        return [
            i
            for i in self.inits
            if not i.error and (i.kind != "frozen" or name in FROZEN_MEASUREMENTS)
        ]


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[rank - 1]


def summarize(values: Sequence[float], keep_samples: bool = True) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    out: dict[str, Any] = {
        "n": len(values),
        "median": statistics.median(values),
        "p99": percentile(values, 99),
        "min": min(values),
        "max": max(values),
        "mean": statistics.fmean(values),
    }
    if keep_samples:
        out["samples"] = [round(v, 6) for v in values]
    return out


def ratio(value: float | None, ref: float | None) -> float | None:
    if value is None or ref is None or ref <= 0:
        return None
    return value / ref


def rotated(items: Sequence[Any], k: int) -> list[Any]:
    """Round-robin order for repetition k: each item leads in turn."""
    if not items:
        return []
    k %= len(items)
    return list(items[k:]) + list(items[:k])


# --------------------------------------------------------------------------- /proc helpers


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


def memory_kb(pids: Iterable[int]) -> dict[str, int]:
    """Sum of RSS, PSS and USS (kB) over pids, from status and smaps_rollup."""
    rss = pss = uss = 0
    for pid in pids:
        st = status_fields(pid)
        rss += int(st.get("VmRSS", "0 kB").split()[0])
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
    candidates = [
        ("pyinit-frozen", REPO / "dist" / "pyinit"),
        ("pyinit-onedir", REPO / "dist" / "pyinit-onedir" / "pyinit"),
        ("pyinit-static", REPO / "dist" / "pyinit-static"),
    ]
    found = []
    for name, path in candidates:
        if path.is_dir():
            path = path / "pyinit"
        if path.is_file() and os.access(path, os.X_OK):
            found.append((name, path))
    return found


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
        frozen_names = {"pyinit-frozen", "pyinit-onedir", "pyinit-static"}
        unknown = set(selected) - {i.name for i in inits} - frozen_names
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


# ------------------------------------------------------------------ running an init as PID 1


class Pid1Run:
    """INIT -- WORKLOAD as PID 1 of a new PID namespace (unshare --pid --fork --mount-proc)."""

    live: set[Pid1Run] = set()

    def __init__(self, ctx: Context, init: Init, workload: list[str]) -> None:
        self.init = init
        self.errlog = tempfile.TemporaryFile(dir=ctx.tmp)
        cmd = ["unshare", *ctx.userns, "--pid", "--fork", "--mount-proc", *init.argv, *workload]
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.errlog,
            start_new_session=True,
        )
        self._pid: int | None = None
        Pid1Run.live.add(self)

    def pid(self, timeout: float = 10.0) -> int:
        """Host PID of the init (PID 1 inside); valid once the workload is up."""
        if self._pid is not None:
            return self._pid
        deadline = time.monotonic() + timeout
        unshare_exe = exe_of(self.proc.pid)
        while time.monotonic() < deadline:
            kids = children_of(self.proc.pid)
            if kids and exe_of(kids[0]) not in ("", unshare_exe):
                self._pid = kids[0]
                return kids[0]
            if self.proc.poll() is not None:
                break
            time.sleep(0.005)
        raise BenchError(f"{self.init.name}: init did not start ({self.stderr_tail()})")

    def stderr_tail(self) -> str:
        self.errlog.seek(0)
        lines = self.errlog.read().decode(errors="replace").strip().splitlines()
        return lines[-1][:200] if lines else f"exit {self.proc.poll()}"

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                if self._pid is not None and alive(self._pid):
                    os.kill(self._pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    if self._pid is not None:
                        try:
                            os.kill(self._pid, signal.SIGKILL)  # takes the namespace down
                        except ProcessLookupError:
                            pass
                    try:
                        os.killpg(self.proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    self.proc.wait(timeout=10)
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

    def read_exact(self, n: int, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not self.poller.poll(left * 1000):
                return None
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:  # writer gone; avoid spinning on POLLHUP
                time.sleep(0.001)
                continue
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_line(self, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self.poller.poll(left * 1000):
                return None
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                time.sleep(0.001)
                continue
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode()

    def close(self) -> None:
        os.close(self.fd)


# --------------------------------------------------------------------------- 1. latency


def measure_latency(ctx: Context) -> dict[str, Any]:
    """Round-robin: one SIGUSR1 to each init (all running side by side) per repetition."""
    inits = ctx.for_measurement("latency")
    latchild = ctx.helpers["latchild"]
    targets: list[tuple[str, int, Fifo]] = []  # name, pid to signal, fifo
    runs: list[Pid1Run] = []
    direct: subprocess.Popen[bytes] | None = None
    errors: dict[str, str] = {}
    try:
        for init in inits:
            fifo = Fifo(ctx.tmp / f"lat-{init.name}")
            run = Pid1Run(ctx, init, [latchild, str(fifo.path)])
            runs.append(run)
            if fifo.read_exact(8, 15) is None:
                errors[init.name] = f"workload not ready ({run.stderr_tail()})"
                continue
            targets.append((init.name, run.pid(), fifo))
        # Baseline: the same child signalled directly, no init in between.
        fifo = Fifo(ctx.tmp / "lat-direct")
        direct = subprocess.Popen([latchild, str(fifo.path)], stdin=subprocess.DEVNULL)
        if fifo.read_exact(8, 15) is not None:
            targets.append(("(direct)", direct.pid, fifo))
        time.sleep(0.2)
        samples: dict[str, list[float]] = {name: [] for name, _, _ in targets}
        lost: dict[str, int] = {name: 0 for name, _, _ in targets}
        for rep in range(ctx.plan.latency_signals):
            for name, pid, fifo in rotated(targets, rep):
                if name in errors:
                    continue
                sent = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
                try:
                    os.kill(pid, signal.SIGUSR1)
                except ProcessLookupError:
                    errors[name] = "the init exited"
                    continue
                data = fifo.read_exact(8, 1.0)
                if data is None:
                    lost[name] += 1
                    if lost[name] >= 3 and not samples[name]:
                        errors[name] = f"SIGUSR1 not forwarded: {lost[name]} of {lost[name]} lost"
                    continue
                got = int.from_bytes(data, sys.byteorder, signed=True)
                samples[name].append((got - sent) / 1000.0)
            time.sleep(0.0005)
    finally:
        for run in runs:
            run.stop()
        if direct is not None:
            direct.kill()
            direct.wait()
    result: dict[str, Any] = {}
    for name, values in samples.items():
        entry = summarize(values)
        if not values:
            entry["error"] = "no signal arrived"
        entry["unit"] = "us"
        entry["lost"] = lost[name]
        result[name] = entry
    for name, err in errors.items():
        result[name] = {"error": err}
    return result


# --------------------------------------------------------------------------- 2. reaping


def measure_reaping(ctx: Context) -> dict[str, Any]:
    inits = ctx.for_measurement("reaping")
    orphans = ctx.helpers["orphans"]
    raw: dict[str, dict[str, list[dict[str, float]]]] = {
        i.name: {"stream": [], "burst": []} for i in inits
    }
    errors: dict[str, str] = {}
    for rep in range(ctx.plan.reap_reps):
        for mode in ("stream", "burst"):
            for init in rotated(inits, rep):
                if init.name in errors:
                    continue
                cmd = [
                    "unshare",
                    *ctx.userns,
                    "--pid",
                    "--fork",
                    "--mount-proc",
                    *init.argv,
                    orphans,
                    mode,
                    str(ctx.plan.reap_count),
                ]
                try:
                    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
                except subprocess.TimeoutExpired:
                    errors[init.name] = f"{mode} run timed out"
                    continue
                line = next((x for x in res.stdout.splitlines() if x.startswith("{")), "")
                if res.returncode != 0 or not line:
                    tail = (res.stderr.strip().splitlines() or [""])[-1][:200]
                    errors[init.name] = f"{mode} run exited {res.returncode}: {tail}"
                    continue
                raw[init.name][mode].append(json.loads(line))
    result: dict[str, Any] = {}
    for init in inits:
        if init.name in errors:
            result[init.name] = {"error": errors[init.name]}
            continue
        stream, burst = raw[init.name]["stream"], raw[init.name]["burst"]
        result[init.name] = {
            "orphans": ctx.plan.reap_count,
            "stream_total_s": summarize([r["reaped_s"] for r in stream]),
            "stream_lag_ms": summarize([r["lag_ms"] for r in stream]),
            "burst_reaped_ms": summarize([r["reaped_s"] * 1000 for r in burst]),
            "burst_exit_ms": summarize([r["exit_s"] * 1000 for r in burst]),
            "burst_lag_ms": summarize([r["lag_ms"] for r in burst]),
            "runs": {"stream": stream, "burst": burst},
        }
    return result


# --------------------------------------------------------------------------- 3. start-up


def spawn_wait(argv: list[str], env: dict[str, str], actions: list[Any]) -> tuple[int, int]:
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    return t1 - t0, os.waitstatus_to_exitcode(status)


def measure_startup(ctx: Context) -> dict[str, Any]:
    commands: dict[str, list[str]] = {"/bin/true": ["/bin/true"]}
    for init in ctx.for_measurement("startup"):
        commands[init.name] = [*init.argv, "/bin/true"]
    # The same as PID 1 of a new PID namespace, as in a container (no subreaper set-up).
    pid1 = [shutil.which("unshare") or "unshare", *ctx.userns, "--pid", "--fork"]
    commands[PID1_PREFIX + "/bin/true"] = [*pid1, "/bin/true"]
    for init in ctx.for_measurement("startup"):
        commands[PID1_PREFIX + init.name] = [*pid1, *init.argv, "/bin/true"]
    py = sys.executable
    commands["python -I -S -c pass"] = [py, "-I", "-S", "-c", "pass"]
    commands["python -c pass"] = [py, "-c", "pass"]
    env = dict(os.environ)
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0),
    ]
    names = list(commands)
    samples: dict[str, list[float]] = {n: [] for n in names}
    failures: dict[str, int] = {n: 0 for n in names}
    for name in names:  # warm the page cache
        spawn_wait(commands[name], env, actions)
    for rep in range(ctx.plan.startup_reps):
        for name in rotated(names, rep):
            ns, code = spawn_wait(commands[name], env, actions)
            if code != 0:
                failures[name] += 1
            samples[name].append(ns / 1e6)
    result: dict[str, Any] = {}
    for name in names:
        entry = summarize(samples[name])
        entry["unit"] = "ms"
        entry["argv"] = commands[name]
        entry["failures"] = failures[name]
        if failures[name]:
            entry["error"] = f"{failures[name]} runs exited non-zero"
        result[name] = entry
    return result


# --------------------------------------------------------------------------- 4+5. memory and idle


def measure_memory_idle(ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
    """All inits side by side, each supervising sleep as PID 1; memory snapshots and
    context switches over one idle window."""
    inits = [i for i in ctx.inits if not i.error and i.name in _names(ctx, "memory", "idle")]
    sleep_exe = shutil.which("sleep") or "/bin/sleep"
    runs: dict[str, Pid1Run] = {}
    procs: dict[str, list[int]] = {}
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
                    procs[name] = mine
                    break
                time.sleep(0.01)
            else:
                errors[name] = f"sleep did not start ({run.stderr_tail()})"
        time.sleep(ctx.plan.idle_settle_s)
        for name, pids in procs.items():
            mem[name] = [memory_kb(pids)]
        before = {name: ctxt_switches(pids) for name, pids in procs.items()}
        t0 = time.monotonic()
        time.sleep(ctx.plan.idle_window_s / 2)
        for name, pids in procs.items():
            mem[name].append(memory_kb(pids))
        time.sleep(max(0.0, ctx.plan.idle_window_s - (time.monotonic() - t0)))
        after = {name: ctxt_switches(pids) for name, pids in procs.items()}
        window = time.monotonic() - t0
        for name, pids in procs.items():
            mem[name].append(memory_kb(pids))
            if not all(alive(p) for p in pids):
                errors[name] = "init process vanished during the idle window"
    finally:
        for run in runs.values():
            run.stop()
    memory: dict[str, Any] = {}
    idle: dict[str, Any] = {}
    for init in inits:
        name = init.name
        if name in errors:
            memory[name] = {"error": errors[name]}
            idle[name] = {"error": errors[name]}
            continue
        snaps = mem[name]
        memory[name] = {
            "processes": len(procs[name]),
            "rss_kb": max(s["rss_kb"] for s in snaps),
            "pss_kb": max(s["pss_kb"] for s in snaps),
            "uss_kb": max(s["uss_kb"] for s in snaps),
            "snapshots": snaps,
        }
        switches = after[name] - before[name]
        idle[name] = {
            "window_s": round(window, 3),
            "context_switches": switches,
            "per_s": switches / window,
            "processes": len(procs[name]),
        }
    return memory, idle


def _names(ctx: Context, *measurements: str) -> set[str]:
    out: set[str] = set()
    for m in measurements:
        out.update(i.name for i in ctx.for_measurement(m))
    return out


# --------------------------------------------------------------------------- 6. signal storm


def storm_once(ctx: Context, init: Init, rep: int) -> dict[str, Any]:
    sigs = [str(s) for s in STORM_SIGNALS]
    out = Fifo(ctx.tmp / f"storm-{init.name}-{rep}.out")
    ctl_path = ctx.tmp / f"storm-{init.name}-{rep}.ctl"
    os.mkfifo(ctl_path)
    run = Pid1Run(ctx, init, [ctx.helpers["sigrecord"], str(ctl_path), str(out.path), *sigs])
    ctl = -1
    try:
        if out.read_line(15) != "ready":
            return {"error": f"workload not ready ({run.stderr_tail()})"}
        ctl = os.open(ctl_path, os.O_WRONLY)

        def ask(cmd: str) -> dict[int, int]:
            os.write(ctl, cmd.encode() + b"\n")
            line = out.read_line(10)
            if line is None:
                raise BenchError(f"{init.name}: storm workload stopped answering")
            return {int(k): int(v) for k, v in (p.split(":") for p in line.split()[1:])}

        pid = run.pid()
        mine, _ = init_tree(pid, [ctx.helpers["sigrecord"]])
        time.sleep(0.3)
        mem_before = memory_kb(mine)
        res = subprocess.run(
            [ctx.helpers["storm"], str(pid), str(ctx.plan.storm_signals), *sigs],
            capture_output=True,
            text=True,
            timeout=300,
        )
        fields = dict(p.split("=") for p in res.stdout.split())
        t_sent = time.monotonic()
        # drained: the init has nothing pending and the child's counts are stable
        counts = ask("c")
        stable_since = time.monotonic()
        deadline = t_sent + 60
        while time.monotonic() < deadline and alive(pid):
            time.sleep(0.01)
            now_counts = ask("c")
            if now_counts != counts or pending_signals(mine):
                counts, stable_since = now_counts, time.monotonic()
            elif time.monotonic() - stable_since >= 0.2:
                break
        drain_s = stable_since - t_sent
        survived = alive(pid) and all(alive(p) for p in mine)
        mem_after = memory_kb(mine) if survived else {"rss_kb": 0, "pss_kb": 0, "uss_kb": 0}
        # markers: one fresh signal of each kind after the storm, each must arrive
        missing: list[int] = list(STORM_SIGNALS)
        if survived:
            ask("r")
            for s in STORM_SIGNALS:
                os.kill(pid, s)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                seen = ask("s")
                missing = [s for s in STORM_SIGNALS if not seen.get(s)]
                if not missing:
                    break
                time.sleep(0.02)
        sent = int(fields.get("sent", 0))
        rt = [s for s in STORM_SIGNALS if s >= int(signal.SIGRTMIN)]
        per_kind_sent = {s: 0 for s in STORM_SIGNALS}
        n = ctx.plan.storm_signals
        for i, s in enumerate(STORM_SIGNALS):
            per_kind_sent[s] = n // len(STORM_SIGNALS) + (1 if i < n % len(STORM_SIGNALS) else 0)
        rt_sent = sum(per_kind_sent[s] for s in rt)
        rt_got = sum(counts.get(s, 0) for s in rt)
        return {
            "signals": n,
            "sent": sent,
            "eagain": int(fields.get("eagain", 0)),
            "send_s": float(fields.get("elapsed_s", "nan")),
            "storm_exit": res.returncode,
            "drain_s": round(drain_s, 4),
            "received": {
                signal.Signals(s).name if s < 32 else f"RT{s}": counts.get(s, 0)
                for s in STORM_SIGNALS
            },
            "rt_delivered_pct": 100.0 * rt_got / rt_sent if rt_sent else None,
            "rss_before_kb": mem_before["rss_kb"],
            "rss_after_kb": mem_after["rss_kb"],
            "rss_growth_kb": mem_after["rss_kb"] - mem_before["rss_kb"],
            "survived": survived,
            "markers_missing": [signal.Signals(s).name if s < 32 else f"RT{s}" for s in missing],
            "markers_ok": survived and not missing,
        }
    finally:
        if ctl >= 0:
            os.close(ctl)
        out.close()
        run.stop()


def measure_storm(ctx: Context) -> dict[str, Any]:
    inits = ctx.for_measurement("storm")
    runs: dict[str, list[dict[str, Any]]] = {i.name: [] for i in inits}
    for rep in range(ctx.plan.storm_reps):
        for init in rotated(inits, rep):
            try:
                runs[init.name].append(storm_once(ctx, init, rep))
            except (BenchError, OSError, subprocess.TimeoutExpired) as exc:
                runs[init.name].append({"error": str(exc)})
    result: dict[str, Any] = {}
    for name, reps in runs.items():
        errs = [r["error"] for r in reps if "error" in r]
        good = [r for r in reps if "error" not in r]
        if errs and not good:
            result[name] = {"error": errs[0], "runs": reps}
            continue
        result[name] = {
            "signals": ctx.plan.storm_signals,
            "repetitions": len(reps),
            "survived": all(r["survived"] for r in good) and not errs,
            "markers_ok": all(r["markers_ok"] for r in good) and not errs,
            "rss_growth_kb_max": max(r["rss_growth_kb"] for r in good),
            "rss_before_kb": good[0]["rss_before_kb"],
            "send_s_median": statistics.median(r["send_s"] for r in good),
            "drain_s_median": statistics.median(r["drain_s"] for r in good),
            "eagain_max": max(r["eagain"] for r in good),
            "rt_delivered_pct_min": min(
                (r["rt_delivered_pct"] for r in good if r["rt_delivered_pct"] is not None),
                default=None,
            ),
            "runs": reps,
        }
        if errs:
            result[name]["error"] = errs[0]
    return result


# --------------------------------------------------------------------------- targets


def evaluate_targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    m = res["measurements"]
    out: list[dict[str, Any]] = []

    def get(*path: str) -> float | None:
        node: Any = m
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node if isinstance(node, (int, float)) else None

    def add(key: str, value: float | None, limit: float | None, shown: str) -> None:
        met = None if value is None or limit is None else value <= limit
        out.append(
            {
                "target": key,
                "text": TARGETS_TEXT[key],
                "value": value,
                "limit": limit,
                "shown": shown,
                "met": met,
            }
        )

    def fmt_ratio(v: float | None, ref: float | None, unit: str) -> str:
        r = ratio(v, ref)
        if v is None or r is None:
            return "n/a"
        return f"{v:.4g} {unit} = {r:.2f} x tini"

    if "latency" in m:
        v, t = get("latency", "pyinit", "median"), get("latency", "tini", "median")
        add("latency", v, None if t is None else 1.5 * t, fmt_ratio(v, t, "us"))
    if "reaping" in m:
        v = get("reaping", "pyinit", "stream_total_s", "median")
        t = get("reaping", "tini", "stream_total_s", "median")
        add("reaping_total", v, None if t is None else 1.3 * t, fmt_ratio(v, t, "s"))
        v = get("reaping", "pyinit", "burst_reaped_ms", "median")
        t = get("reaping", "tini", "burst_reaped_ms", "median")
        add("reaping_burst", v, None if t is None else 1.3 * t, fmt_ratio(v, t, "ms"))
    if "idle" in m:
        v = get("idle", "pyinit", "context_switches")
        add("idle", v, 0, "n/a" if v is None else f"{v:.0f} switches")
    if "startup" in m:
        v = get("startup", "pyinit", "median")
        b = get("startup", "python -I -S -c pass", "median")
        shown = "n/a" if v is None or b is None else f"{v:.1f} ms = {v / b:.2f} x {b:.1f} ms"
        v1 = get("startup", PID1_PREFIX + "pyinit", "median")
        b1 = get("startup", PID1_PREFIX + "/bin/true", "median")
        if v1 is not None and b1 is not None and b:
            shown += f"; as PID 1 {v1 - b1:.1f} ms over unshare = {(v1 - b1) / b:.2f} x"
        add("startup", v, None if b is None else 2 * b, shown)
    if "memory" in m:
        v = get("memory", "pyinit", "rss_kb")
        add("memory", v, 10 * 1024, "n/a" if v is None else f"{v / 1024:.1f} MB RSS")
    return out


# --------------------------------------------------------------------------- report


def fmt(v: Any, spec: str = ".1f") -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, (int, float)):
        return format(v, spec)
    return str(v)


def xratio(v: float | None, ref: float | None) -> str:
    r = ratio(v, ref)
    return "-" if r is None else f"{r:.2f}x"


def build_tables(res: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    m = res["measurements"]
    tables: list[tuple[str, list[str], list[list[str]]]] = []

    def err_row(name: str, entry: dict[str, Any], width: int) -> list[str]:
        # two cells only: the renderers let the message run across the row
        return [name, "error: " + str(entry["error"])[:80]]

    def rows_of(section: dict[str, Any], cells: Callable[[dict[str, Any]], list[str]]) -> list:
        """One row per init: its cells, or its error across the row."""
        return [
            err_row(name, e, 0) if "error" in e else [name, *cells(e)]
            for name, e in section.items()
        ]

    if "latency" in m:
        lat = m["latency"]
        ref = lat.get("tini", {}).get("median")
        head = ["init", "median us", "p99 us", "min us", "max us", "lost", "median vs tini"]
        rows = rows_of(
            lat,
            lambda e: [
                *(fmt(e[key]) for key in ("median", "p99", "min", "max")),
                str(e["lost"]),
                xratio(e["median"], ref),
            ],
        )
        n = max((e.get("n", 0) for e in lat.values()), default=0)
        tables.append(
            (f"1. Signal forwarding latency, kill -> child handler ({n} signals)", head, rows)
        )

    if "reaping" in m:
        rp = m["reaping"]
        t = rp.get("tini", {})
        ref_total = t.get("stream_total_s", {}).get("median")
        ref_burst = t.get("burst_reaped_ms", {}).get("median")
        head = [
            "init",
            "stream total s",
            "stream lag ms (max)",
            "burst reaped ms (max)",
            "burst lag ms",
            "total vs tini",
            "burst vs tini",
        ]
        rows = []
        count = 0
        for name, e in rp.items():
            if "error" in e:
                rows.append(err_row(name, e, len(head)))
                continue
            count = e["orphans"]
            st, sl = e["stream_total_s"], e["stream_lag_ms"]
            br, bl = e["burst_reaped_ms"], e["burst_lag_ms"]
            rows.append(
                [
                    name,
                    fmt(st["median"], ".3f"),
                    f"{fmt(sl['median'], '.2f')} ({fmt(sl['max'], '.2f')})",
                    f"{fmt(br['median'])} ({fmt(br['max'])})",
                    fmt(bl["median"], ".2f"),
                    xratio(st["median"], ref_total),
                    xratio(br["median"], ref_burst),
                ]
            )
        tables.append((f"2. Reaping {count} orphans as PID 1 (medians)", head, rows))

    if "startup" in m:
        su = m["startup"]
        head = ["command", "median ms", "p99 ms", "min ms", "over /bin/true ms", "overhead vs tini"]
        rows = []
        for name, e in su.items():
            prefix = PID1_PREFIX if name.startswith(PID1_PREFIX) else ""
            bare = name[len(prefix) :]
            base = su.get(prefix + "/bin/true", {}).get("median")
            ref = su.get(prefix + "tini", {}).get("median")
            ref_over = None if ref is None or base is None else ref - base
            over = None if base is None or "median" not in e else e["median"] - base
            if bare.startswith(("/", "python")):
                label = name
            else:
                label = f"{prefix}{bare} -- /bin/true"
            if bare.startswith("python"):
                over = None
            rows.append(
                [
                    label,
                    fmt(e.get("median"), ".2f"),
                    fmt(e.get("p99"), ".2f"),
                    fmt(e.get("min"), ".2f"),
                    fmt(over, ".2f"),
                    xratio(over, ref_over) if bare != "/bin/true" and over is not None else "-",
                ]
            )
        n = max((e.get("n", 0) for e in su.values()), default=0)
        tables.append((f"3. Start-up, wall time of one run ({n} runs each)", head, rows))

    if "memory" in m:
        mem = m["memory"]
        ref = mem.get("tini", {}).get("rss_kb")
        head = ["init", "processes", "RSS KB", "PSS KB", "USS KB", "RSS vs tini"]
        rows = rows_of(
            mem,
            lambda e: [
                *(str(e[key]) for key in ("processes", "rss_kb", "pss_kb", "uss_kb")),
                xratio(e["rss_kb"], ref),
            ],
        )
        tables.append(("4. Memory of the init while it supervises sleep", head, rows))

    if "idle" in m:
        idle = m["idle"]
        head = ["init", "context switches", "per second"]
        rows = []
        window = 0.0
        for name, e in idle.items():
            if "error" in e:
                rows.append(err_row(name, e, len(head)))
                continue
            window = e["window_s"]
            rows.append([name, str(e["context_switches"]), fmt(e["per_s"], ".2f")])
        tables.append((f"5. Idle wake-ups over {window:.1f} s", head, rows))

    if "storm" in m:
        sm = m["storm"]
        head = [
            "init",
            "survived",
            "last of each kind",
            "RSS growth KB",
            "send s",
            "drain s",
            "RT delivered %",
        ]
        rows = []
        n = 0
        for name, e in sm.items():
            if "error" in e and "survived" not in e:
                rows.append(err_row(name, e, len(head)))
                continue
            n = e["signals"]
            rows.append(
                [
                    name,
                    fmt(e["survived"]),
                    fmt(e["markers_ok"]),
                    str(e["rss_growth_kb_max"]),
                    fmt(e["send_s_median"], ".3f"),
                    fmt(e["drain_s_median"], ".3f"),
                    fmt(e["rt_delivered_pct_min"], ".1f"),
                ]
            )
        tables.append((f"6. Signal storm, {n} mixed signals (worst of repetitions)", head, rows))
    return tables


def render_text(title: str, head: list[str], rows: list[list[str]]) -> str:
    full = [r for r in rows if len(r) == len(head)]
    widths = [max(len(str(r[i])) for r in [head, *full]) for i in range(len(head))]
    lines = [title]
    lines.append(
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths))
        )
    )
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        if len(r) != len(head):
            lines.append(r[0].ljust(widths[0]) + "  " + "  ".join(r[1:]))
            continue
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))
            )
        )
    return "\n".join(lines)


def render_markdown(title: str, head: list[str], rows: list[list[str]]) -> str:
    lines = [f"**{title}**", "", "| " + " | ".join(head) + " |"]
    lines.append("|" + "|".join([":---"] + ["---:"] * (len(head) - 1)) + "|")
    for r in rows:
        cells = r + [""] * (len(head) - len(r))
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def targets_lines(targets: list[dict[str, Any]], markdown: bool) -> list[str]:
    out = ["**pyinit targets**", ""] if markdown else ["pyinit targets"]
    for t in targets:
        state = {True: "met", False: "MISSED", None: "n/a"}[t["met"]]
        if markdown:
            out.append(f"- {t['text']}: **{state}** ({t['shown']})")
        else:
            out.append(f"  [{state:>6}] {t['text']}: {t['shown']}")
    return out


def describe_machine(res: dict[str, Any]) -> str:
    meta = res["meta"]
    return (
        f"{meta['date']}, {meta['cpu']} ({meta['cpus']} CPUs), Linux {meta['kernel']}, "
        f"Python {meta['python']}, {'quick' if meta['quick'] else 'full'} run, "
        f"load average {meta['loadavg_start']} at start"
    )


def report(res: dict[str, Any], markdown: bool) -> str:
    parts = [f"pyinit benchmark: {describe_machine(res)}"]
    parts.append(
        "inits: " + ", ".join(f"{i['name']} ({i['version'] or '?'})" for i in res["inits"])
    )
    for i in res["inits"]:
        if i["error"]:
            parts.append(f"  left out {i['name']}: {i['error']}")
    for title, head, rows in build_tables(res):
        parts.append("")
        parts.append(render_text(title, head, rows))
    parts.append("")
    parts.extend(targets_lines(res["targets"], markdown=False))
    if markdown:
        parts.append("")
        parts.append("----- Markdown -----")
        parts.append("")
        parts.append(f"Measured {describe_machine(res)}.")
        for title, head, rows in build_tables(res):
            parts.append("")
            parts.append(render_markdown(title, head, rows))
        parts.append("")
        parts.extend(targets_lines(res["targets"], markdown=True))
    return "\n".join(parts)


# --------------------------------------------------------------------------- chart


def draw_chart(res: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = res["measurements"]
    names = [i["name"] for i in res["inits"] if not i["error"]]
    palette = [
        "#4c72b0", "#55a868", "#c44e52", "#8172b2", "#ccb974", "#64b5cd", "#dd8452", "#937860"
    ]  # fmt: skip
    color = {n: palette[k % len(palette)] for k, n in enumerate(names)}
    # (title, main values, second values, label of the second bar, log scale)
    panels: list[tuple[str, dict[str, float], dict[str, float], str, bool]] = []

    def pick(section: str, key: Callable[[dict[str, Any]], float | None]) -> dict[str, float]:
        out: dict[str, float] = {}
        for n in names:
            e = m.get(section, {}).get(n)
            if isinstance(e, dict) and "error" not in e:
                try:
                    v = key(e)
                except (KeyError, TypeError):
                    continue
                if v is not None:
                    out[n] = v
        return out

    def startup_as_pid1() -> dict[str, float]:
        su = m["startup"]
        base1 = su.get(PID1_PREFIX + "/bin/true", {}).get("median", 0.0)
        return {
            n: max(su[PID1_PREFIX + n]["median"] - base1, 0.01)
            for n in names
            if "median" in su.get(PID1_PREFIX + n, {})
        }

    base = m.get("startup", {}).get("/bin/true", {}).get("median", 0.0)
    # (section, title, main value of an entry, second values, label of the second bar, log)
    specs: list[tuple[str, str, Callable[[dict[str, Any]], float], Callable[[], dict], str, bool]]
    specs = [
        ("latency", "signal forwarding latency, us (log)", lambda e: e["median"],
         lambda: pick("latency", lambda e: e["p99"]), "p99", True),
        ("reaping", "reaping a burst of orphans, ms\n(release -> none left)",
         lambda e: e["burst_reaped_ms"]["median"],
         lambda: pick("reaping", lambda e: e["burst_reaped_ms"]["max"]), "max", False),
        ("startup", "start-up overhead, ms (log)\n(INIT -- /bin/true minus /bin/true)",
         lambda e: max(e["median"] - base, 0.01), startup_as_pid1, "as PID 1", True),
        ("memory", "memory of the init, MB", lambda e: e["rss_kb"] / 1024,
         lambda: pick("memory", lambda e: e["pss_kb"] / 1024), "PSS", False),
        ("idle", "idle wake-ups per second", lambda e: e["per_s"], dict, "", False),
        ("storm", "signal storm: seconds to send, to drain", lambda e: e["send_s_median"],
         lambda: pick("storm", lambda e: e["drain_s_median"]), "drain", False),
    ]  # fmt: skip
    for section, title, main, second, second_label, log in specs:
        if section in m:
            panels.append((title, pick(section, main), second(), second_label, log))
    cols = 3
    rows = max(1, math.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.4 * rows), squeeze=False)
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    for ax, (title, values, extra, extra_label, log) in zip(axes.flat, panels):
        labels = list(values)
        xs = list(range(len(labels)))
        width = 0.4 if extra else 0.7
        main_x = [x - width / 2 for x in xs] if extra else xs
        ax.bar(main_x, [values[n] for n in labels], width, color=[color[n] for n in labels])
        for x, n in zip(main_x, labels):
            ax.annotate(f"{values[n]:.3g}", (x, values[n]), ha="center", va="bottom", fontsize=7)
        if extra:
            ex = [x + width / 2 for x in xs]
            ev = [extra.get(n, 0.0) for n in labels]
            ax.bar(
                ex,
                ev,
                width,
                color=[color[n] for n in labels],
                alpha=0.4,
                hatch="//",
                label=extra_label,
            )
            ax.legend(fontsize=7)
        if log:
            ax.set_yscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels(labels, rotation=30, fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(f"pyinit vs tini, dumb-init, catatonit - {describe_machine(res)}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------- main


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
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "host": platform.node(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "quick": plan.quick,
        "plan": plan.__dict__,
        "loadavg_start": load,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Benchmark pyinit against tini, dumb-init and catatonit.",
    )
    p.add_argument("--quick", action="store_true", help="a few repetitions of each (CI)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    p.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    p.add_argument("--no-install", action="store_true", help="never apt-get missing inits")
    p.add_argument("--no-chart", action="store_true", help="skip the PNG chart")
    p.add_argument(
        "--inits",
        help="comma-separated subset: tini,dumb-init,catatonit,pyinit,pyinit-frozen,"
        "pyinit-onedir,pyinit-static (default: all found)",
    )
    p.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="NAME=CMD",
        help="also measure another init, e.g. --extra 'mini=python3 /tmp/mini.py --'",
    )
    p.add_argument(
        "--from-json",
        type=Path,
        metavar="FILE",
        help="do not measure: print the tables (and draw the chart into --out) from FILE",
    )
    p.add_argument("--only", help=f"comma-separated subset of: {','.join(MEASUREMENTS)}")
    return p.parse_args(argv)


def rerender(args: argparse.Namespace) -> int:
    try:
        res = json.loads(args.from_json.read_text())
        res["targets"] = evaluate_targets(res)
    except (OSError, ValueError, KeyError) as exc:
        raise BenchError(f"cannot read {args.from_json}: {exc}") from None
    if not args.no_chart:
        args.out.mkdir(parents=True, exist_ok=True)
        draw_chart(res, args.out / "results.png")
    print(report(res, args.markdown))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.from_json is not None:
        return rerender(args)
    log = log_stderr
    plan = Plan.make(args.quick)
    only = MEASUREMENTS
    if args.only:
        only = tuple(x.strip() for x in args.only.split(",") if x.strip())
        bad = [x for x in only if x not in MEASUREMENTS]
        if bad:
            raise BenchError(f"unknown measurement(s): {', '.join(bad)}")
    selected = [x.strip() for x in args.inits.split(",")] if args.inits else None
    if sys.platform != "linux":
        raise BenchError("Linux only")
    ensure_tools(selected or REFERENCES, not args.no_install, log)
    helpers = compile_helpers(log)
    inits = discover_inits(selected, args.extra)
    compile_pyinit(log)
    for init in inits:
        sanity_check(init)
        if init.error:
            log(f"leaving out {init.name}: {init.error}")
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    userns = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    t_start = time.monotonic()
    res: dict[str, Any] = {"meta": machine_meta(plan)}
    with tempfile.TemporaryDirectory(prefix="pyinit-bench-") as tmp:
        ctx = Context(plan, inits, Path(tmp), helpers, log, userns)
        measurements: dict[str, Any] = {}
        steps: list[tuple[str, Callable[[], None]]] = []

        def add_memory_idle() -> None:
            memory, idle = measure_memory_idle(ctx)
            if "memory" in only:
                measurements["memory"] = memory
            if "idle" in only:
                measurements["idle"] = idle

        simple: dict[str, Callable[[Context], dict[str, Any]]] = {
            "startup": measure_startup,
            "latency": measure_latency,
            "reaping": measure_reaping,
            "storm": measure_storm,
        }

        def make_step(key: str) -> Callable[[], None]:
            def step() -> None:
                measurements[key] = simple[key](ctx)

            return step

        for key in ("startup", "latency", "memory+idle", "reaping", "storm"):
            if key == "memory+idle":
                if "memory" in only or "idle" in only:
                    steps.append((key, add_memory_idle))
            elif key in only:
                steps.append((key, make_step(key)))
        try:
            for name, step in steps:
                t0 = time.monotonic()
                log(f"measuring {name} ...")
                step()
                log(f"  {name} done in {time.monotonic() - t0:.1f} s")
        finally:
            Pid1Run.stop_all()
    with open("/proc/loadavg") as f:
        res["meta"]["loadavg_end"] = " ".join(f.read().split()[:3])
    res["meta"]["duration_s"] = round(time.monotonic() - t_start, 1)
    res["inits"] = [
        {"name": i.name, "argv": i.argv, "kind": i.kind, "version": i.version, "error": i.error}
        for i in inits
    ]
    res["measurements"] = measurements
    res["targets"] = evaluate_targets(res)
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(res, indent=1) + "\n")
    if not args.no_chart:
        draw_chart(res, out_dir / "results.png")
    print(report(res, args.markdown))
    print(f"\nwrote {json_path}" + ("" if args.no_chart else f" and {out_dir / 'results.png'}"))
    print(f"total time {res['meta']['duration_s']} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
        return run(args)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        Pid1Run.stop_all()
        print("bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
