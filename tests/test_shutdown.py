"""How pyinit ends: at once when its child exits; with ``--grace S`` it first gives the rest
of its processes S seconds after SIGTERM (and SIGCONT), then SIGKILLs and names them; with
``-p SIG`` it gets SIG when its parent dies. For each artifact (``launch``)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time

import pytest

from tests.artifacts import Artifact
from tests.conftest import Launch
from tests.support import program, state, wait_for


def test_grace_kills_a_survivor_that_ignores_term(launch: Launch) -> None:
    # The survivor inherits the ignored TERM (ignored dispositions survive exec).
    main = "trap '' TERM; sleep 1000 & trap - TERM; exit 7"
    init = launch("-v", "--log-format", "json", "--grace", "1", "--", "sh", "-c", main, pid1=False)
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


def test_grace_wakes_stopped_processes(launch: Launch) -> None:
    # A stopped process keeps SIGTERM pending: pyinit follows it with SIGCONT.
    main = "sleep 1000 & kill -STOP $!; echo stopped; exit 4"
    init = launch("--grace", "20", "--", "sh", "-c", main)
    init.expect_line("stopped")
    started = time.monotonic()
    assert init.wait(10) == 4
    assert time.monotonic() - started < 5  # not the 20 s of --grace
    assert "still running" not in init.log()


def test_without_grace_pyinit_exits_when_the_child_does(launch: Launch) -> None:
    main = "sh -c \"trap '' TERM; sleep 1000\" & exit 5"
    assert launch("--", "sh", "-c", main).wait(5) == 5


def test_grace_covers_orphans_outside_the_group(launch: Launch) -> None:
    # Not PID 1 and -c: sh exits and leaves sleep behind. As a subreaper pyinit
    # inherits it, and --grace sends it SIGTERM and waits for it.
    main = "sleep 1000 & echo $!"
    init = launch("-c", "-vvv", "--grace", "5", "--", "sh", "-c", main, pid1=False)
    orphan = int(init.expect_line(""))
    assert init.wait() == 0
    assert f"reaped {orphan} (was killed by SIGTERM)" in init.log()


@pytest.mark.in_place("its parent, not pyinit's, dies")
def test_parent_death_signal_ends_the_child(
    launch: Launch, artifact: Artifact, tmp_path: os.PathLike[str]
) -> None:
    """-p TERM: the parent starts pyinit, waits until pyinit has started its child (so -p
    is in force), and exits; pyinit gets TERM and forwards it: the child ends, then pyinit,
    and a frozen build leaves nothing unpacked behind."""
    outer = launch(
        "-p", "TERM", "--", "sleep", "1000", pid1=False, wrapper=tuple(program("parent_dies.py"))
    )
    pyinit, child = map(int, outer.expect_line(" ").split())
    try:
        assert outer.wait() == 0
        wait_for(lambda: state(child) in ("", "Z"), what="the child to end")
        wait_for(lambda: state(pyinit) in ("", "Z"), what="pyinit to end after its parent died")
    finally:
        for pid in (child, pyinit):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    if artifact.frozen:
        unpack = os.path.join(tmp_path, "unpack")
        wait_for(lambda: os.listdir(unpack) == [], what="the unpacked folder to go")
