"""pyinit as PID 1 under ``unshare --pid --fork --mount-proc``, against the real kernel."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import (
    PYINIT,
    Running,
    children,
    descendants,
    has_signal,
    kill_tree,
    program,
    state,
    wait_for,
    zombies_under,
)

STANDARD = [
    s
    for s in range(1, 32)
    if s not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD) and s in signal.valid_signals()
]
REALTIME = list(range(signal.SIGRTMIN, signal.SIGRTMAX + 1))


@pytest.fixture
def run() -> Iterator[type[Running]]:
    started: list[Running] = []

    class Tracked(Running):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            started.append(self)

    yield Tracked
    for running in started:
        running.close()


def name(signo: int) -> str:
    try:
        return signal.Signals(signo).name
    except ValueError:
        return f"SIGRTMIN+{signo - signal.SIGRTMIN}"


def send_and_expect(init: Running, signo: int, expected: str) -> None:
    init.kill(signo)
    init.expect_line(expected)


def test_sigterm_ends_sh_within_a_second_with_143(run: type[Running]) -> None:
    init = run([*PYINIT, "--", "sh", "-c", "sleep 1000; echo not reached"], pid1=True)
    wait_for(lambda: descendants(init.pid), what="sh to start")
    started = time.monotonic()
    init.kill(signal.SIGTERM)
    assert init.wait(5) == 143
    assert time.monotonic() - started < 1.0


def test_every_standard_signal_is_forwarded_to_the_group(run: type[Running]) -> None:
    # Keep the terminal stops as they are (by default they become SIGSTOP).
    keep = [f"-r{s}:{s}" for s in (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)]
    init = run([*PYINIT, *keep, "--", *program("recorder.py", "--grandchild")], pid1=True)
    init.expect_line("grandchild ready")
    init.expect_line("ready")
    for signo in STANDARD:
        init.kill(signo)
        init.expect_exact(f"grandchild {name(signo)}")
        init.expect_exact(name(signo))
    init.kill(signal.SIGKILL)


def test_single_child_mode_signals_only_the_child(run: type[Running]) -> None:
    init = run([*PYINIT, "-c", "--", *program("recorder.py", "--grandchild")], pid1=True)
    init.expect_line("grandchild ready")
    init.expect_line("ready")
    for signo in (signal.SIGUSR1, signal.SIGTSTP, signal.SIGSEGV, signal.SIGHUP):
        send_and_expect(init, signo, name(signo))
    init.kill(signal.SIGUSR2)
    init.expect_line("SIGUSR2")
    assert not [line for line in init.stdout if line.startswith("grandchild SIG")]


def test_realtime_signals_are_forwarded(run: type[Running]) -> None:
    init = run([*PYINIT, "-c", "--", *program("recorder.py")], pid1=True)
    init.expect_line("ready")
    for signo in REALTIME:
        send_and_expect(init, signo, name(signo))


def test_signal_reaches_a_child_that_left_its_group(run: type[Running]) -> None:
    # With -c the child shares pyinit's session and may leave it. (In session
    # mode it leads its own session and the kernel forbids leaving: EPERM.)
    init = run([*PYINIT, "-c", "--", *program("recorder.py", "--setsid")], pid1=True)
    ready = init.expect_line("ready")
    pid, pgid = (int(word.split("=")[1]) for word in ready.split()[1:])
    assert pid == pgid  # it is now leader of a group of its own, not pyinit's child's
    send_and_expect(init, signal.SIGUSR1, "SIGUSR1")


@pytest.mark.parametrize(
    ("rewrite", "sent", "received"),
    [
        ("TERM:INT", signal.SIGTERM, "SIGINT"),
        ("15:2", signal.SIGTERM, "SIGINT"),
        ("SIGUSR1:SIGUSR2", signal.SIGUSR1, "SIGUSR2"),
        ("RTMIN+1:HUP", signal.SIGRTMIN + 1, "SIGHUP"),
    ],
)
def test_rewrite(run: type[Running], rewrite: str, sent: int, received: str) -> None:
    init = run([*PYINIT, "-r", rewrite, "--", *program("recorder.py")], pid1=True)
    init.expect_line("ready")
    send_and_expect(init, sent, received)


def test_rewrite_to_zero_drops(run: type[Running]) -> None:
    init = run([*PYINIT, "-v", "-r", "TERM:0", "--", *program("recorder.py")], pid1=True)
    init.expect_line("ready")
    init.kill(signal.SIGTERM)
    wait_for(lambda: "dropped SIGTERM" in init.log(), what="the drop to be logged")
    init.kill(signal.SIGUSR1)  # a marker: anything forwarded before it has arrived by now
    init.expect_exact("SIGUSR1")
    assert "SIGTERM" not in init.stdout


def test_job_control_stops_and_continues_the_group(run: type[Running]) -> None:
    init = run([*PYINIT, "--", *program("recorder.py", "--grandchild")], pid1=True)
    init.expect_line("grandchild ready")
    init.expect_line("ready")
    group = descendants(init.pid)
    assert len(group) == 2
    init.kill(signal.SIGTSTP)
    wait_for(lambda: all(state(pid) == "T" for pid in group), what="the group to stop")
    init.kill(signal.SIGCONT)
    wait_for(lambda: all(state(pid) in ("S", "R") for pid in group), what="the group to continue")
    init.expect_line("grandchild SIGCONT")


def test_a_thousand_orphans_leave_no_zombie(run: type[Running]) -> None:
    init = run([*PYINIT, "--", *program("orphans.py", "1000")], pid1=True)
    init.expect_line("spawned 1000", timeout=30)
    child = init.child()
    wait_for(lambda: children(init.pid) == [child], timeout=10, what="every orphan reaped")
    assert zombies_under(init.pid) == []
    init.kill(signal.SIGTERM)
    assert init.wait() == 0


def test_orphans_are_reaped_while_the_child_lives_and_after(run: type[Running]) -> None:
    # -w: a warning for every orphan reaped (tini's flag)
    init = run([*PYINIT, "-w", "--", *program("orphans.py", "50", "--exit")], pid1=True)
    assert init.wait(30) == 0
    assert len([line for line in init.stderr if "reaped orphan" in line]) == 50, init.log()


def test_signal_sent_before_the_child_exists_is_forwarded(run: type[Running]) -> None:
    # sigstate.py blocks TERM, sends it to itself and execs pyinit: TERM is pending
    # before pyinit even starts. The child gets TERM blocked too (pyinit restores
    # the mask it was started with), so it only sees the TERM pyinit forwards.
    child = (
        "import signal,sys; signal.signal(signal.SIGTERM, lambda *a: print('got TERM', flush=True)"
        " or sys.exit(0)); signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM]);"
        " signal.pause()"
    )
    argv = program("sigstate.py", "--pending", "TERM", "--", *PYINIT, "-c", "--")
    init = run([*argv, sys.executable, "-c", child], pid1=True)
    init.expect_line("got TERM")
    assert init.wait() == 0


@pytest.mark.parametrize("stale", [None, "ffffffffffffffff"], ids=["plain", "stale-handed-mask"])
def test_child_gets_the_signal_state_pyinit_started_with(
    run: type[Running], stale: str | None
) -> None:
    """Also when _PYINIT_SIGMASK (what our frozen build's bootloader hands down) is in the
    environment, stale: pyinit was not started fully blocked, so it is not taken."""
    env = dict(os.environ)
    if stale:
        env["_PYINIT_SIGMASK"] = stale
    argv = program("sigstate.py", "--block", "USR1,TERM", "--ignore", "USR2,HUP", "--")
    command = [*argv, *PYINIT, "--", "grep", "^Sig[BI]", "/proc/self/status"]
    init = run(command, pid1=True, env=env)
    assert init.wait() == 0
    masks = dict(line.split(":\t") for line in init.stdout)
    bits = {
        name: {s for s in range(1, 65) if int(value, 16) >> (s - 1) & 1}
        for name, value in masks.items()
    }
    assert bits["SigBlk"] == {signal.SIGUSR1, signal.SIGTERM}
    assert bits["SigIgn"] == {signal.SIGUSR2, signal.SIGHUP}  # and not CPython's PIPE/XFSZ


def test_grace_kills_a_survivor_that_ignores_term(run: type[Running]) -> None:
    # The survivor inherits the ignored TERM (ignored dispositions survive exec).
    main = "trap '' TERM; sleep 1000 & trap - TERM; exit 7"
    init = run([*PYINIT, "-v", "--log-format", "json", "--grace", "1", "--", "sh", "-c", main])
    assert init.wait(10) == 7
    records = {r["event"]: r for r in map(json.loads, init.stderr)}
    assert records["kill"]["name"] == "sleep", init.log()
    assert "still running after --grace 1s: sending SIGKILL" in records["kill"]["message"]
    assert init.log().count('"kill"') == 1  # named once

    def seconds(record: dict[str, str]) -> float:
        return time.mktime(time.strptime(record["time"][:19], "%Y-%m-%dT%H:%M:%S")) + float(
            record["time"][19:-1]
        )

    waited = seconds(records["kill"]) - seconds(records["child-exit"])
    assert 0.95 <= waited < 2.5, waited


def test_grace_wakes_stopped_processes(run: type[Running]) -> None:
    # A stopped process keeps SIGTERM pending: pyinit follows it with SIGCONT.
    main = "sleep 1000 & kill -STOP $!; echo stopped; exit 4"
    init = run([*PYINIT, "--grace", "20", "--", "sh", "-c", main], pid1=True)
    init.expect_line("stopped")
    started = time.monotonic()
    assert init.wait(10) == 4
    assert time.monotonic() - started < 5  # not the 20 s of --grace
    assert "still running" not in init.log()


def test_without_grace_pyinit_exits_when_the_child_does(run: type[Running]) -> None:
    main = "sh -c \"trap '' TERM; sleep 1000\" & exit 5"
    init = run([*PYINIT, "--", "sh", "-c", main], pid1=True)
    assert init.wait(5) == 5


def test_exec_failures(run: type[Running], tmp_path: Path) -> None:
    init = run([*PYINIT, "--", "no-such-command-xyz"], pid1=True)
    assert init.wait() == 127
    assert init.stderr == [
        f"[pyinit] cannot run 'no-such-command-xyz': not found in PATH={os.environ['PATH']};"
        " exiting with 127"
    ]
    data = tmp_path / "data"
    data.write_text("not a program\n")
    init = run([*PYINIT, "--", str(data)])
    assert init.wait() == 126
    assert f"cannot run '{data}': permission denied (is it executable?" in init.log()
    data.chmod(0o755)
    init = run([*PYINIT, "--", str(data)])
    assert init.wait() == 126
    assert f"cannot run '{data}': exec format error" in init.log()
    init = run([*PYINIT, "--", str(tmp_path / "missing")])
    assert init.wait() == 127
    assert f"cannot run '{tmp_path / 'missing'}': no such file" in init.log()


def test_log_lines_at_verbose_and_json(run: type[Running]) -> None:
    init = run([*PYINIT, "-v", "--", "sh", "-c", "exit 3"], pid1=True)
    assert init.wait() == 3
    assert init.stderr == [
        "[pyinit] started 'sh -c exit 3' as pid 2",
        "[pyinit] child 2 exited with 3",
        "[pyinit] exiting with 3",
    ]

    init = run([*PYINIT, "-v", "--log-format", "json", "--", "sh", "-c", "exit 3"], pid1=True)
    assert init.wait() == 3
    records = [json.loads(line) for line in init.stderr]
    assert [r["event"] for r in records] == ["spawn", "child-exit", "exit"]
    assert records[-1]["code"] == 3 and records[0]["pid"] == 1 and records[0]["level"] == "info"


def test_exit_codes_pass_through() -> None:
    # all 256 codes, 32 at a time (not as PID 1: exit codes do not depend on it)
    for start in range(0, 256, 32):
        procs = {
            code: subprocess.Popen([*PYINIT, "--", "sh", "-c", f"exit {code}"])
            for code in range(start, start + 32)
        }
        assert {code: p.wait(20) for code, p in procs.items()} == {c: c for c in procs}


@pytest.mark.parametrize("signo", [1, 2, 3, 6, 9, 10, 11, 15])
def test_death_by_signal_gives_128_plus_n(run: type[Running], signo: int) -> None:
    code = (
        "import os, resource; resource.setrlimit(resource.RLIMIT_CORE, (0, 0));"
        f" os.kill(os.getpid(), {signo})"
    )
    init = run([*PYINIT, "--", sys.executable, "-c", code], pid1=True)
    assert init.wait() == 128 + signo


def test_expect_maps_codes_to_zero(run: type[Running]) -> None:
    assert run([*PYINIT, "-e", "3", "--", "sh", "-c", "exit 3"]).wait() == 0
    assert run([*PYINIT, "-e", "3", "--", "sh", "-c", "exit 4"]).wait() == 4
    init = run([*PYINIT, "-e", "143", "--", "sleep", "1000"], pid1=True)
    wait_for(lambda: descendants(init.pid), what="sleep")
    init.kill(signal.SIGTERM)
    assert init.wait() == 0


def test_subreaper_when_not_pid1(run: type[Running]) -> None:
    # Not PID 1: orphans would go to the real init, unless pyinit is a subreaper.
    init = run([*PYINIT, "-w", "--", *program("orphans.py", "20")])
    init.expect_line("spawned 20")
    wait_for(
        lambda: len([line for line in init.stderr if "reaped orphan" in line]) == 20,
        what="20 orphans reaped by pyinit",
    )
    init.kill(signal.SIGTERM)
    assert init.wait() == 0


def test_grace_covers_orphans_outside_the_group(run: type[Running]) -> None:
    # Not PID 1 and -c: sh exits and leaves sleep behind. As a subreaper pyinit
    # inherits it, and --grace sends it SIGTERM and waits for it.
    init = run([*PYINIT, "-c", "-vvv", "--grace", "5", "--", "sh", "-c", "sleep 1000 & echo $!"])
    orphan = int(init.expect_line(""))
    assert init.wait() == 0
    assert f"reaped {orphan} (was killed by SIGTERM)" in init.log()


def test_pyinit_leaves_the_working_directory(run: type[Running], tmp_path: os.PathLike) -> None:
    init = run([*PYINIT, "--", "sh", "-c", "pwd; exec sleep 1000"], cwd=tmp_path)
    assert init.expect_line("/") == str(tmp_path)
    wait_for(lambda: os.readlink(f"/proc/{init.pid}/cwd") == "/", what="pyinit to chdir to /")
    init.kill(signal.SIGTERM)
    assert init.wait() == 143


def test_parent_death_signal(run: type[Running]) -> None:
    # The parent starts pyinit -p TERM, waits until pyinit has started its child
    # (so -p is in force), and exits; pyinit gets TERM and forwards it.
    parent = (
        "import subprocess,sys,tests.support as s;"
        f"p=subprocess.Popen({PYINIT!r}+['-p','TERM','--','sleep','1000']);"
        "s.wait_for(lambda: s.children(p.pid)); print(p.pid, flush=True)"
    )
    outer = run([sys.executable, "-c", parent])
    pid = int(outer.expect_line(""))
    try:
        assert outer.wait() == 0
        wait_for(lambda: state(pid) in ("", "Z"), what="pyinit to end after its parent died")
    finally:
        kill_tree(pid)


def test_inherited_ignored_sigchld(run: type[Running]) -> None:
    # With SIGCHLD ignored the kernel would reap for pyinit and it would wait forever.
    argv = program("sigstate.py", "--ignore", "CHLD", "--", *PYINIT, "--")
    assert run([*argv, "sh", "-c", "exit 3"], pid1=True).wait() == 3
    init = run([*argv, "grep", "SigIgn", "/proc/self/status"], pid1=True)
    assert init.wait() == 0
    assert has_signal(init.expect_line("SigIgn").split()[1], signal.SIGCHLD)  # kept for the child


def test_rewritten_terminal_stop_does_not_stop_pyinit(run: type[Running]) -> None:
    init = run([*PYINIT, "-r", "TSTP:USR1", "--", *program("recorder.py")])  # not PID 1
    init.expect_line("ready")
    init.kill(signal.SIGTSTP)
    init.expect_exact("SIGUSR1")
    init.kill(signal.SIGUSR2)  # still forwarding: it did not stop itself
    init.expect_exact("SIGUSR2")
    assert state(init.pid) != "T"


def test_a_bug_in_the_loop_is_logged_and_survived(run: type[Running]) -> None:
    # Make the forward path raise once: pyinit must log it and keep supervising.
    code = (
        "import sys, pyinit.supervisor as s, pyinit.__main__ as m\n"
        "carry_out = s.Supervisor.carry_out\n"
        "def once(self, signo, decided):\n"
        "    s.Supervisor.carry_out = carry_out\n"
        "    raise RuntimeError('injected bug')\n"
        "s.Supervisor.carry_out = once\n"
        "sys.exit(m.main(sys.argv[1:]))\n"
    )
    recorder = program("recorder.py", "--exit-on", "SIGTERM")
    cmd = [sys.executable, "-c", code, "-r", "USR1:USR2", "--", *recorder]
    init = run(cmd, pid1=True)
    init.expect_line("ready")
    init.kill(signal.SIGUSR1)
    wait_for(lambda: "injected bug" in init.log(), what="the bug to be logged")
    assert "internal error, still supervising: RuntimeError('injected bug')" in init.log()
    init.kill(signal.SIGUSR1)
    init.expect_exact("SIGUSR2")
    init.kill(signal.SIGTERM)
    assert init.wait() == 0


def test_single_child_mode_from_the_environment(run: type[Running]) -> None:
    env = {**os.environ, "DUMB_INIT_SETSID": "0"}
    init = run([*PYINIT, "--", "sh", "-c", "cut -d' ' -f6 /proc/self/stat"], env=env)
    assert init.wait() == 0
    assert init.stdout == [str(os.getsid(0))]  # no new session: the one pyinit runs in
