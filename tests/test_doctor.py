"""`pyinit doctor` against real process setups: shells, tini/pyinit, zombies, ignored TERM.

Each setup is a real process (most of them PID 1 of a fresh PID namespace made with
`unshare --pid --fork --mount-proc`); only the pure mask decoder is tested on canned text.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyinit.doctor import procinfo
from pyinit.namespace import Namespace, unshare_command
from tests.support import CONTAINER_TESTS, PID1_TESTS, unavailable
from tests.support import wait_for as wait_until

APPS = Path(__file__).parent / "apps"
PY = sys.executable
IS_ROOT = os.geteuid() == 0

needs_root = pytest.mark.skipif(not IS_ROOT, reason="nsenter and /proc/PID/mem need root")


def doctor(*args: str | int, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "pyinit", "doctor", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def doctor_json(*args: str | int) -> tuple[int, dict]:
    r = doctor("--json", *args)
    assert r.stderr == "", r.stderr
    return r.returncode, json.loads(r.stdout)


class Setup(Namespace):
    """CMD as PID 1 of a new PID namespace (pyinit.namespace); ``.init`` is PID 1 and
    ``.pid`` its host pid, once CMD runs."""

    def __init__(self, cmd: list[str]) -> None:
        super().__init__(cmd)
        self.pid = self.wait_pid1()
        self.init = psutil.Process(self.pid)

    def wait_children(self, n: int = 1) -> list[psutil.Process]:
        return wait_until(
            lambda: len(self.init.children(recursive=True)) >= n and self.init.children(True),
            what=f"{n} process(es) under PID 1",
        )

    def wait_masks(self, field: str, signame: str) -> None:
        """Wait until PID 1's signal setup shows `signame` in `field` (or it waits for it)."""
        num = procinfo.signal_number(signame)

        def ready():
            with open(f"/proc/{self.pid}/status") as f:
                st = procinfo.parse_status(f.read())
            if num in procinfo.parse_mask(st[field]):
                return True
            with open(f"/proc/{self.pid}/wchan") as f:
                return f.read().startswith("do_sigtimedwait")

        wait_until(ready, what=f"{signame} in {field} of PID 1")


@pytest.fixture
def namespace():
    made: list[Setup] = []

    def make(cmd: list[str]) -> Setup:
        ns = Setup(cmd)
        made.append(ns)
        return ns

    yield make
    for ns in made:
        ns.kill()


@pytest.fixture
def spawn():
    """An ordinary (not PID 1) process; waits for its first line of output."""
    made: list[subprocess.Popen[str]] = []

    def make(cmd: list[str]) -> subprocess.Popen[str]:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True)
        made.append(p)
        assert p.stdout is not None
        line = p.stdout.readline()  # the apps print one line once they are set up
        assert line, f"{cmd} printed nothing"
        return p

    yield make
    for p in made:
        p.kill()
        p.wait()


# --------------------------------------------------------------------------- shells


@pytest.fixture
def shell_pid1(namespace):
    ns = namespace(["sh", "-c", "sleep 1000; true"])  # the shell cannot exec: more follows
    wait_until(
        lambda: [p for p in ns.wait_children(1) if p.name() == "sleep"], what="sleep to exec"
    )
    return ns


def test_shell_pid1_without_exec_is_flagged(shell_pid1):
    code, rep = doctor_json(shell_pid1.pid)
    assert code == 1
    assert rep["is_ns_init"] is True and rep["nspid"] == 1
    assert rep["kind"] == "shell"
    assert rep["cmdline"] == ["sh", "-c", "sleep 1000; true"]
    assert any("instead of exec'ing it" in p for p in rep["problems"]), rep["problems"]
    term = next(s for s in rep["signals"] if s["signal"] == "SIGTERM")
    assert term["state"] == "default" and term["severity"] == "problem"
    assert "kernel drops SIGTERM" in term["meaning"]
    assert [r["name"] for r in rep["tree"]] == ["sh", "sleep"]
    assert rep["tree"][1]["depth"] == 1


@needs_root
def test_doctor_inside_the_namespace_examines_its_pid1(shell_pid1):
    # Like `docker exec CTR pyinit doctor`: no PID given, PID 1 of our own namespace.
    r = subprocess.run(
        ["nsenter", "-t", str(shell_pid1.pid), "--pid", "--mount", PY, "-m", "pyinit", "doctor"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.startswith("pid 1: sh (PID 1 of its PID namespace)")
    assert "PROBLEM: PID 1 is a shell (sh) running the app as child pid 2 (sleep 1000)" in r.stdout
    assert "Result: 2 problem(s)" in r.stdout


# --------------------------------------------------------------------------- inits


INITS = {
    "pyinit": [PY, "-m", "pyinit", "--"],
    "tini": ["tini", "--"],
    "dumb-init": ["dumb-init"],
    "catatonit": ["catatonit", "--"],
}


@pytest.mark.parametrize("init", list(INITS))
def test_known_init_as_pid1_is_ok(namespace, init):
    if shutil.which(INITS[init][0]) is None:
        unavailable(f"{init} is not installed (scripts/setup installs it)", PID1_TESTS)
    ns = namespace([*INITS[init], "sleep", "1000"])
    ns.wait_children(1)
    ns.wait_masks("SigCgt" if init == "dumb-init" else "SigBlk", "SIGTERM")
    code, rep = doctor_json(ns.pid)
    assert code == 0, rep["problems"]
    assert rep["kind"] == init
    term = next(s for s in rep["signals"] if s["signal"] == "SIGTERM")
    assert term["severity"] == "ok"
    assert term["state"] == ("caught" if init == "dumb-init" else "blocked")
    assert rep["problems"] == []


@needs_root
def test_pyinit_pid1_waiting_in_sigtimedwait_counts_as_blocked(namespace):
    # While pyinit sleeps in sigtimedwait() the kernel hides the waited signals from SigBlk;
    # doctor reads the waited set and still says "blocked".
    ns = namespace([PY, "-m", "pyinit", "--", "sleep", "1000"])
    ns.wait_children(1)
    wait_until(lambda: open(f"/proc/{ns.pid}/wchan").read().startswith("do_sigtimedwait"))
    r = doctor(ns.pid)
    assert r.returncode == 0, r.stdout
    assert "is waiting in sigtimedwait() for" in r.stdout
    assert "SIGTERM  blocked  ok" in r.stdout
    assert "Result: nothing wrong found (exit 0)" in r.stdout
    sig = doctor("--signals", ns.pid)
    assert "waiting in sigtimedwait() for:" in sig.stdout and "SIGTERM" in sig.stdout


def test_process_outside_the_group_is_reported(namespace):
    ns = namespace([PY, "-m", "pyinit", "--", PY, str(APPS / "orphan.py")])
    kids = ns.wait_children(2)  # the app and, once the middle child is gone, the orphan
    app = ns.init.children()[0]

    def outside() -> list[psutil.Process]:
        found = []
        for p in ns.init.children(recursive=True):
            try:
                if os.getpgid(p.pid) != app.pid:
                    found.append(p)
            except ProcessLookupError:  # the short-lived middle child, reaped meanwhile
                pass
        return found

    orphan = wait_until(outside, what="the orphan")[0]
    assert kids
    code, rep = doctor_json(ns.pid)
    assert code == 0  # a warning, not a failure
    assert rep["signal_group"] == app.pid
    assert [o["pid"] for o in rep["outside_group"]] == [orphan.pid]
    assert any("will miss" in w for w in rep["warnings"])
    assert rep["outside_group"][0]["sid"] == orphan.pid


# --------------------------------------------------------------------------- bad apps


def test_pid1_app_with_zombie_it_never_reaps(namespace):
    ns = namespace([PY, str(APPS / "zombie.py")])
    wait_until(
        lambda: [p for p in ns.init.children() if p.status() == psutil.STATUS_ZOMBIE],
        what="the zombie",
    )
    code, rep = doctor_json("--wait", "0.3", ns.pid)
    assert code == 1
    assert rep["kind"] == "app"
    [z] = rep["zombies"]
    assert z["parent_pid"] == ns.pid and z["parent_reaps"] is False and z["nspid"] == 2
    assert "does not wait() for it" in z["why"]
    assert "PID 1 must reap orphans" in z["why"]
    assert any(p.startswith("zombie pid") for p in rep["problems"])
    assert any("application itself" in w for w in rep["warnings"])
    # Python as PID 1 without a SIGTERM handler: the kernel drops docker stop's signal.
    assert any(p.startswith("the stop signal SIGTERM") for p in rep["problems"])


def test_ordinary_process_ignoring_term(spawn):
    p = spawn([PY, str(APPS / "ignore_term.py")])
    r = doctor(p.pid)
    assert r.returncode == 1
    assert f"note: pid {p.pid} is not PID 1 of its PID namespace" in r.stdout
    assert "SIGTERM  ignored  PROBLEM" in r.stdout
    assert "thrown away and the process keeps running" in r.stdout


def test_zombie_of_an_ordinary_process(spawn):
    p = spawn([PY, str(APPS / "zombie.py")])
    code, rep = doctor_json("--wait", "0.2", p.pid)
    assert code == 1
    [z] = rep["zombies"]
    assert z["parent_pid"] == p.pid and not z["parent_reaps"]


CATCH_INT_IGNORE_TERM = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGINT, lambda *a: sys.exit(0))\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(1000)\n"
)


def test_stopsignal_is_the_one_that_counts(spawn):
    p = spawn([PY, "-c", CATCH_INT_IGNORE_TERM])
    code, rep = doctor_json(p.pid)
    assert code == 1 and rep["stopsignal"] == "SIGTERM"
    code, rep = doctor_json("--stopsignal", "INT", p.pid)
    assert code == 0, rep["problems"]
    assert rep["stopsignal"] == "SIGINT"
    term = next(s for s in rep["signals"] if s["signal"] == "SIGTERM")
    assert term["state"] == "ignored" and term["severity"] == "warn"
    # Not PID 1: an unhandled USR2 still ends the process (the default action).
    code, rep = doctor_json("--stopsignal", "12", p.pid)
    assert code == 0 and rep["signals"][0]["signal"] == "SIGUSR2"
    assert rep["signals"][0]["state"] == "default"


MASKS_APP = (
    "import signal, time\n"
    "signal.signal(signal.SIGUSR1, lambda *a: None)\n"
    "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
    "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2, signal.SIGRTMIN + 2})\n"
    "print('ready', flush=True)\n"
    "time.sleep(1000)\n"
)


def test_signals_prints_every_decoded_mask(spawn):
    p = spawn([PY, "-c", MASKS_APP])
    r = doctor("--signals", p.pid)
    assert r.returncode == 0, r.stderr
    lines = {ln.split(":")[0]: ln for ln in r.stdout.splitlines()[1:]}
    assert set(lines) >= {"SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"}
    assert lines["SigBlk"].split()[2:] == ["SIGUSR2", "SIGRTMIN+2"]
    assert "SIGHUP" in lines["SigIgn"].split() and "SIGPIPE" in lines["SigIgn"].split()
    assert "SIGUSR1" in lines["SigCgt"].split() and "SIGINT" in lines["SigCgt"].split()
    code, data = doctor_json("--signals", p.pid)
    assert code == 0
    assert data["masks"]["SigBlk"]["signals"] == ["SIGUSR2", "SIGRTMIN+2"]
    assert data["nspid"] == p.pid


THREADED_APP = (
    "import threading, time\n"
    "threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()\n"
    "print('ready', flush=True)\n"
    "time.sleep(1000)\n"
)


def test_thread_id_stands_for_its_process(spawn):
    p = spawn([PY, "-c", THREADED_APP])
    tid = wait_until(lambda: [t for t in os.listdir(f"/proc/{p.pid}/task") if int(t) != p.pid])[0]
    code, rep = doctor_json(tid)
    assert rep["pid"] == p.pid
    assert rep["notes"][0] == f"{tid} is a thread of process {p.pid}; examined {p.pid}"


def test_closed_stdout_is_no_traceback(shell_pid1):
    # `pyinit doctor | head -1` once head has gone: the reader end is closed before we write.
    r_fd, w_fd = os.pipe()
    os.close(r_fd)
    try:
        r = subprocess.run(
            [PY, "-m", "pyinit", "doctor", str(shell_pid1.pid)],
            stdout=w_fd,
            stderr=subprocess.PIPE,
            text=True,
            timeout=20,
        )
    finally:
        os.close(w_fd)
    assert r.returncode == 1  # the verdict, not a crash
    assert r.stderr == "", r.stderr


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["abc"], 2, "PID must be a positive number, got 'abc'"),
        (["0"], 2, "PID must be a positive number, got '0'"),
        (["-5"], 2, ""),
        (["1", "2"], 2, "unrecognized arguments: 2"),
        (["--stopsignal", "FOO"], 2, "--stopsignal: 'FOO' is not a signal name or number"),
        (["--wait", "x"], 2, "--wait"),
        (["99999999"], 3, "no such process: 99999999"),
        (["--signals", "99999999"], 3, "no such process: 99999999"),
    ],
)
def test_bad_input_is_one_line_and_a_documented_code(args, code, message):
    r = doctor(*args)
    assert r.returncode == code
    assert r.stdout == ""
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert r.stderr.startswith("pyinit doctor: error: ")
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_help_documents_exit_codes():
    r = doctor("--help")
    assert r.returncode == 0
    assert "Exit codes: 0 nothing wrong, 1 problems found, 2 usage error" in " ".join(
        r.stdout.split()
    )


# --------------------------------------------------------------------------- pure decoder


def test_decode_the_classic_question():
    # "SigCgt: 0000000000010002" from a container that would not stop: INT and CHLD only.
    assert procinfo.mask_names("0000000000010002") == ["SIGINT", "SIGCHLD"]
    assert procinfo.parse_mask("0000000000004002") == {2, 15}
    assert procinfo.mask_names("0") == []
    assert procinfo.mask_names("8000000000000000") == ["SIGRTMAX"]
    assert procinfo.mask_names("0000000300000000") == ["SIG33", "SIGRTMIN"]


def test_signal_names_and_numbers_round_trip():
    for num in range(1, 65):
        assert procinfo.signal_number(procinfo.signal_name(num)) == num
    assert procinfo.signal_number("term") == 15
    assert procinfo.signal_number("SIGTERM") == 15
    assert procinfo.signal_number(" 9 ") == 9
    assert procinfo.signal_number("RTMIN+3") == procinfo.signal_number("SIGRTMIN") + 3
    assert procinfo.signal_number("SIGRTMAX-1") == 63
    assert procinfo.signal_number("POLL") == procinfo.signal_number("IO")
    for bad in ["", "FOO", "0", "65", "RTMIN+99", "SIGRTMAX-x", "-1"]:
        with pytest.raises(ValueError):
            procinfo.signal_number(bad)


@pytest.mark.parametrize("bad", ["", "zz", "-1", "0x"])
def test_parse_mask_rejects_garbage(bad):
    with pytest.raises(ValueError):
        procinfo.parse_mask(bad)


CANNED = """Name:\tsh
State:\tS (sleeping)
NSpid:\t4242\t1
SigPnd:\t0000000000000000
ShdPnd:\t0000000000004000
SigBlk:\t0000000000000001
SigIgn:\t0000000000000004
SigCgt:\t0000000000010002
"""


def test_states_from_canned_status():
    st = procinfo.parse_status(CANNED)
    assert st["NSpid"] == "4242\t1"
    assert procinfo.signal_state(st, 2) == "caught"
    assert procinfo.signal_state(st, 3) == "ignored"
    assert procinfo.signal_state(st, 1) == "blocked"
    assert procinfo.signal_state(st, 15) == "default"
    assert procinfo.is_pending(st, 15) and not procinfo.is_pending(st, 2)
    assert procinfo.mask_names(st["ShdPnd"]) == ["SIGTERM"]
    _, sev = procinfo.meaning(15, "default", pid1=True)
    assert sev == "problem"
    _, sev = procinfo.meaning(15, "default", pid1=False)
    assert sev == "ok"
    _, sev = procinfo.meaning(1, "default", pid1=True, stop=False)
    assert sev == "warn"
    _, sev = procinfo.meaning(15, "blocked", pid1=True, pending=True)
    assert sev == "problem"


def test_parse_syscall_line():
    assert procinfo.parse_syscall("128 0x7ffd7cec31e0 0x1 0x2 0x8 0x7 0x9 0x7ff 0x7f1") == (
        128,
        [0x7FFD7CEC31E0, 1, 2, 8, 7, 9],
    )
    assert procinfo.parse_syscall("running") is None
    assert procinfo.parse_syscall("-1 0x7ffd 0x55") is None
    raw = (1 << 14 | 1 << 0).to_bytes(8, sys.byteorder)
    assert procinfo.mask_from_bytes(raw) == {1, 15}


# --------------------------------------------------------------------------- containers
# `podman exec CTR /pyinit doctor` with the frozen binary (the acceptance test): it must
# tell a shell PID 1 that will sit out `docker stop` from pyinit. Uses harness/containers.py; skips
# like tests/test_containers.py when podman or dist/pyinit is missing.


def _ct():
    from harness import containers as ct

    return ct


@pytest.fixture(scope="module")
def doctor_podman(tmp_path_factory):
    ct = _ct()
    binary = Path(os.environ.get("PYINIT_BINARY") or ct.DEFAULT_BINARY)
    conf = ct.write_containers_conf(tmp_path_factory.mktemp("doctor-podman-conf"))
    reason = ct.podman_unavailable_reason(conf, tmp_path_factory.mktemp("doctor-podman-probe"))
    if reason is None and not binary.is_file():
        reason = f"{binary} is not built: run scripts/build-binary"
    if reason:
        unavailable(reason, CONTAINER_TESTS)
    rootfs = ct.build_rootfs(tmp_path_factory.mktemp("doctor-rootfs"), binary)
    with ct.Podman(conf, rootfs).session() as p:
        yield p


def _start_and_examine(p, command: list[str]) -> subprocess.CompletedProcess[str]:
    ct = _ct()
    name = p.start(command)
    ct.wait_for(
        lambda: any(r["args"].startswith("sleep 1000") for r in p.processes(name)),
        15,
        interval=0.05,
        what="sleep 1000 in the container",
    )
    return p.exec(name, ["/pyinit", "doctor"])


@pytest.mark.container
def test_container_shell_pid1_is_told_apart_from_pyinit(doctor_podman):
    shell = _start_and_examine(doctor_podman, ["sh", "-c", "sleep 1000; true"])
    assert shell.returncode == 1, shell.stdout + shell.stderr
    assert shell.stdout.startswith("pid 1: sh (PID 1 of its PID namespace)")
    assert "PROBLEM: PID 1 is a shell (sh) running the app as child pid" in shell.stdout
    assert "SIGTERM  default  PROBLEM" in shell.stdout

    init = _start_and_examine(doctor_podman, ["/pyinit", "--", "sleep", "1000"])
    assert init.returncode == 0, init.stdout + init.stderr
    assert "is:      pyinit, an init that forwards signals and reaps zombies" in init.stdout
    assert "SIGTERM  blocked  ok" in init.stdout  # pyinit itself is PID 1, waiting for it
    assert "is the bootloader of the single-file pyinit" not in init.stdout  # one process
    assert "Outside process group" not in init.stdout
    assert "Result: nothing wrong found (exit 0)" in init.stdout


# --------------------------------------------------------------------------- hostile text
# A process chooses its own name and command line: doctor must print them escaped
# (pyinit.text.printable), one line per record, and keep them exact in --json.

FORGED = "\x1b]0;owned\x07\rPROBLEM: none\nResult: nothing wrong found (exit 0)\x1b[2J"
CONTROL = {chr(c) for c in (*range(32), *range(0x7F, 0xA0)) if chr(c) != "\n"}


def test_hostile_comm_and_argv_print_no_control_byte(spawn):
    p = spawn([PY, str(APPS / "hostile_name.py"), "600", FORGED])
    r = doctor(p.pid)
    assert r.returncode in (0, 1), r.stderr
    assert not CONTROL & set(r.stdout), [c for c in r.stdout if c in CONTROL][:5]
    assert "\\x1b[2J\\x0aResult: ok" in r.stdout  # the comm (15 bytes), escaped
    assert "\\x1b]0;owned\\x07\\x0dPROBLEM: none\\x0aResult: nothing wrong found" in r.stdout
    lines = r.stdout.splitlines()
    assert sum(line.startswith("Result: ") for line in lines) == 1
    assert not any(line.startswith("PROBLEM: none") for line in lines)
    code, rep = doctor_json(p.pid)
    assert rep["name"] == "\x1b[2J\nResult: ok"  # JSON keeps the exact value
    assert rep["cmdline"][-1] == FORGED


def test_proc_of_another_namespace_is_said_once():
    # `unshare --pid --fork` without --mount-proc: /proc is the parent namespace's.
    prefix = [] if IS_ROOT else ["--user", "--map-root-user"]
    r = subprocess.run(
        ["unshare", *prefix, "--pid", "--fork", PY, "-m", "pyinit", "doctor", "--wait", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode in (0, 1), r.stderr
    assert r.stdout.count("is not the /proc of doctor's PID namespace") == 1, r.stdout
    inside = subprocess.run(
        [*unshare_command(), PY, "-m", "pyinit", "doctor"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "is not the /proc of doctor's PID namespace" not in inside.stdout, inside.stdout


def _report_with(text: str):
    """A report whose every string from another process is ``text``."""
    from pyinit.doctor.report import Report, SignalReport, Zombie

    row = {"pid": 7, "nspid": 7, "ppid": 1, "name": text, "state": text, "pgid": 7, "sid": 7}
    return Report(
        pid=7, nspid=1, is_ns_init=True, same_namespace=True, name=text, exe=text,
        cmdline=[text, text], kind="shell", kind_text="a shell", stopsignal="SIGTERM",
        signals=[SignalReport("SIGTERM", 15, "default", False, False, "ok", "fine")],
        tree=[{**row, "cmdline": [text], "depth": 0}, {**row, "cmdline": [], "depth": 1}],
        zombies=[Zombie(8, 8, text, 7, text, False, f"parent {text} does not wait")],
        signal_group=7, outside_group=[{**row, "cmdline": [text]}],
        problems=[f"pid 7 is a shell ({text})"], warnings=[text], notes=[text],
        sandbox={**row, "cmdline": [text]}, exit_code=1,
    )  # fmt: skip


@given(st.text())
@settings(max_examples=200, deadline=None)
def test_render_prints_no_control_byte_one_line_per_record(text):
    from pyinit.doctor.render import render, render_signals

    out = render(_report_with(text))
    assert not CONTROL & set(out)
    assert all(line.isprintable() for line in out.split("\n"))
    assert out.count("\n") == render(_report_with("x")).count("\n")  # one line per record
    sig = {"pid": 7, "nspid": 1, "name": text, "masks": {}, "threads_blocking_differently": {}}
    assert render_signals(sig).isprintable()


# --------------------------------------------------------------------------- pods (pure)
# The real thing is in tests/test_kube.py (podman kube play with shareProcessNamespace).


def _proc(pid, ppid, name, cmdline, cgroup="", start=0.0, nspid=None):
    from pyinit.doctor.report import Proc

    return Proc(pid, ppid, nspid or pid, name, "sleeping", pid, pid, cmdline, start, cgroup)


def test_sandboxes_are_told_from_inits():
    from pyinit.doctor.kinds import classify, is_sandbox

    assert is_sandbox("catatonit", ["/catatonit", "-P"])
    assert not is_sandbox("catatonit", ["/catatonit", "--", "app"])  # podman run --init
    assert is_sandbox("pause", ["/pause"])
    assert classify("catatonit", "/catatonit", ["/catatonit", "-P"]) == "sandbox"
    assert classify("catatonit", "/catatonit", ["/catatonit", "--", "x"]) == "catatonit"


def test_container_top_is_the_oldest_top_process_of_our_cgroup():
    from pyinit.doctor.tree import container_top

    ours, theirs = "4:memory:/pod/ctr-a\n", "4:memory:/pod/ctr-b\n"
    procs = {
        1: _proc(1, 0, "catatonit", ["/catatonit", "-P"], "4:memory:/pod/infra\n"),
        6: _proc(6, 0, "sh", ["sh", "-c", "sleep 1000; true"], ours, start=1.0),
        11: _proc(11, 6, "sleep", ["sleep", "1000"], ours, start=1.1),
        20: _proc(20, 0, "nginx", ["nginx"], theirs, start=0.5),  # another container
        30: _proc(30, 0, "sh", ["sh"], ours, start=5.0),  # our exec session...
        31: _proc(31, 30, "pyinit", ["pyinit", "doctor"], ours, start=5.1),  # ...and doctor
    }
    assert container_top(procs, 31, ours) == 6
    assert container_top(procs, 31, theirs) == 20
    assert container_top(procs, 31, "4:memory:/elsewhere\n") is None
    del procs[20]
    assert container_top(procs, 31, "") == 6  # cgroups unreadable: the one that is not ours
