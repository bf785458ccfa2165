"""The `pid1` pytest fixture, used on apps that stop well and badly (tests/apps)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import urllib.request
from pathlib import Path

import psutil
import pytest

from pyinit.pytest_plugin import Pid1, Pid1Timeout, init_command, namespace_support
from tests.support import PID1_TESTS, unavailable, wait_for

APPS = Path(__file__).parent / "apps"
PY = sys.executable


def test_http_server_stops_cleanly(pid1):
    # The README example: a small HTTP server that handles SIGTERM.
    server = pid1.run([PY, str(APPS / "http_server.py"), "--port", "0"])
    m = server.wait_for_output(r"listening on http://([\d.]+):(\d+)", timeout=10)
    with urllib.request.urlopen(f"http://{m[1]}:{m[2]}/", timeout=5) as resp:
        assert resp.read() == b"hello\n"

    result = server.stop("TERM", timeout=10)

    assert result.returncode == 0, result
    assert result.clean, result
    assert result.seconds < 2, result
    assert "got SIGTERM, shutting down" in result.output
    assert result.output.rstrip().endswith("bye")


def test_command_is_pid1s_child_in_a_new_namespace(pid1):
    p = pid1.run(["sh", "-c", 'echo "pid=$$ ppid=$PPID"; exec sleep 1000'])
    p.wait_for_output(r"pid=\d+ ppid=\d+")
    assert "pid=2 ppid=1" in p.stdout  # pyinit is PID 1, the command its first child
    init = psutil.Process(p.pid)
    assert "pyinit" in " ".join(init.cmdline())
    assert psutil.Process(p.main_pid).ppid() == p.pid
    # the name changes from sh to sleep at the exec, which may come after the line
    [proc] = wait_for(
        lambda: [q for q in p.processes() if q.name == "sleep"], what="the command to exec"
    )
    assert proc.nspid == 2 and len(p.processes()) == 1
    assert proc.status in ("sleeping", "running")  # running: not yet asleep, just started
    result = p.stop()
    assert result.returncode == 128 + 15 and result.clean, result


def test_signal_is_forwarded_by_pyinit(pid1):
    server = pid1.run([PY, str(APPS / "http_server.py"), "--port", "0"])
    server.wait_for_output("listening on")
    server.signal("INT")
    server.wait_for_output("got SIGINT")
    result = server.wait(timeout=10)
    assert result.signal is None and result.returncode == 0 and result.clean, result


def test_app_ignoring_term_times_out_and_is_killed(pid1):
    app = pid1.run([PY, str(APPS / "ignore_term.py")])
    app.wait_for_output("ready")
    result = app.stop("TERM", timeout=1.0)
    assert result.timed_out, result
    assert not result.clean
    assert 1.0 <= result.seconds < 3, result
    assert [p.pid for p in result.survivors] == [app.main_pid]
    assert result.returncode == -9  # the namespace was SIGKILLed
    assert not psutil.pid_exists(app.pid) or psutil.Process(app.pid).status() == "zombie"
    assert "TIMED OUT" in str(result)


def test_app_leaving_a_zombie(pid1):
    app = pid1.run([PY, str(APPS / "zombie.py")])
    app.wait_for_output("ready, zombie child 3")
    zombies = [p for p in app.processes() if p.status == "zombie"]
    assert [(z.nspid, z.ppid) for z in zombies] == [(3, app.main_pid)]
    result = app.stop("TERM", timeout=5)
    assert result.returncode == 128 + 15  # no handler: killed by SIGTERM, pyinit says 143
    assert not result.timed_out
    assert [z.nspid for z in result.zombies] == [3], result
    assert not result.clean


def test_app_leaving_an_orphan_outside_its_group(pid1):
    app = pid1.run([PY, str(APPS / "orphan.py")], grace=0.5)
    m = app.wait_for_output(r"ready, orphan (\d+)")
    result = app.stop("TERM", timeout=5)
    assert result.returncode == 128 + 15
    assert not result.timed_out
    assert [p.nspid for p in result.survivors] == [int(m[1])], result
    assert result.survivors[0].cmdline[-1].endswith("orphan.py")
    assert 0.5 <= result.seconds < 3  # pyinit waited --grace 0.5, then SIGKILLed it
    # ...and said so in its own events, not in the app's output
    [kill] = [e for e in result.events if e["event"] == "kill"]
    assert kill["child"] == int(m[1]) and kill["name"] == "python", kill
    assert "still running after --grace" in kill["message"]
    assert "pyinit" not in result.output
    assert f"pyinit warning: pid {m[1]} (python) still running" in str(result)


def test_pyinit_events_come_on_a_side_channel(pid1):
    app = pid1.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    result = app.wait(timeout=10)
    assert result.returncode == 3 and result.clean, result
    assert sorted(result.output.splitlines()) == ["err", "out"]  # nothing of pyinit's
    events = {e["event"]: e for e in result.events}
    assert events["spawn"]["child"] == 2 and events["exit"]["code"] == 3, result.events
    assert all(e["pid"] == 1 for e in result.events)  # pyinit, PID 1 of the namespace
    assert app.events_path is not None and os.path.exists(app.events_path)
    app.kill()  # what the fixture's teardown does
    assert not os.path.exists(app.events_path)
    # The app does not inherit pyinit's log file.
    fds = pid1.run(["sh", "-c", "ls -l /proc/$$/fd/; exec sleep 1000"])
    fds.wait_for_output(r"\d+ -> ")
    assert "pid1-events" not in fds.stop().output


def test_init_is_given_as_path_or_prefix(pid1, tmp_path):
    tini = shutil.which("tini")
    if tini is None:
        unavailable("tini is not installed (scripts/setup installs it)", PID1_TESTS)
    by_path = pid1.run(["sh", "-c", "echo pid=$$; exec sleep 1000"], init=tini)
    by_path.wait_for_output("pid=2")
    assert by_path.init_argv == [tini, "--"] and not by_path.is_pyinit
    assert psutil.Process(by_path.pid).name() == "tini"
    assert [p.name for p in by_path.processes()] in (["sh"], ["sleep"])
    result = by_path.stop("TERM")
    assert result.returncode == 143 and result.clean and result.events == [], result
    by_prefix = pid1.run(["sleep", "1000"], init=["tini", "-g", "--"], grace=5)
    assert by_prefix.init_argv == ["tini", "-g", "--"]  # as given: no --grace for tini
    assert by_prefix.stop("TERM").returncode == 143
    with pytest.raises(ValueError, match="not found on PATH"):
        pid1.run(["true"], init="no-such-init")
    (tmp_path / "init").write_text("#!/bin/sh\n")  # mode 644
    with pytest.raises(ValueError, match="not an executable file"):
        pid1.run(["true"], init=tmp_path / "init")


def test_init_command_is_a_pure_decision():
    assert init_command(None, is_pyinit=True, grace=1, log_file="/t/ev") == [
        PY, "-m", "pyinit", "-v", "--log-format", "json", "--log-file", "/t/ev",
        "--grace", "1", "--",
    ]  # fmt: skip
    assert init_command("/x/pyinit", is_pyinit=True, init_args=["-c"]) == ["/x/pyinit", "-c", "--"]
    assert init_command("/usr/bin/tini", is_pyinit=False, init_args=["-g"], grace=1) == [
        "/usr/bin/tini", "-g", "--",
    ]  # fmt: skip
    assert init_command(["dumb-init"], is_pyinit=False, grace=1) == ["dumb-init"]


# The acceptance test: one app, three inits, and what each makes of `docker stop`.
# The app is a script that runs the server without exec (PI002): a shell between the init
# and the app, as in many entrypoint scripts.
SCRIPT = '{py} {app} --port 0; echo "server exited with $?"'
DIST_PYINIT = Path(__file__).resolve().parent.parent / "dist" / "pyinit"


@pytest.mark.parametrize(
    "init",
    [None, pytest.param("dist/pyinit", marks=pytest.mark.frozen), "tini"],
    ids=["pyinit", "dist-pyinit", "tini"],
)
def test_the_same_app_under_pyinit_its_binary_and_tini(pid1, init):
    if init == "dist/pyinit":
        if not DIST_PYINIT.is_file():
            unavailable("dist/pyinit is not built: run scripts/build-binary")
        init = str(DIST_PYINIT)
    elif init == "tini" and shutil.which("tini") is None:
        unavailable("tini is not installed (scripts/setup installs it)", PID1_TESTS)
    script = SCRIPT.format(py=PY, app=APPS / "http_server.py")
    app = pid1.run(["sh", "-c", script], init=init)
    app.wait_for_output("listening on")
    server = [p for p in app.processes() if p.cmdline[1:2] == (str(APPS / "http_server.py"),)]
    assert len(server) == 1 and server[0].pid != app.main_pid  # sh's child, not exec'd

    result = app.stop("TERM", timeout=10)
    print(result)  # the report: pytest -s (or a failure) shows it for each init

    assert result.returncode == 143, result  # sh died of SIGTERM, as the init tells
    assert not result.timed_out, result
    if app.is_pyinit:
        # pyinit signals the whole group: the server shuts down cleanly, and pyinit waits
        # (--grace) for it after the shell has gone.
        assert result.clean, result
        assert "got SIGTERM, shutting down" in result.output and "bye" in result.output
        assert [e for e in result.events if e["event"] == "kill"] == []
    else:
        # tini without -g signals the shell only: it dies, tini exits with it, and the
        # kernel SIGKILLs the server with the namespace, mid-request, without its "bye".
        assert [p.pid for p in result.survivors] == [server[0].pid], result
        assert "got SIGTERM" not in result.output and "bye" not in result.output


def test_wait_for_output_deadline_and_early_exit(pid1):
    quiet = pid1.run(["sleep", "1000"])
    with pytest.raises(Pid1Timeout, match="no output matched 'never' within 0.2 s"):
        quiet.wait_for_output("never", timeout=0.2)
    done = pid1.run(["sh", "-c", "echo bye; exit 3"])
    with pytest.raises(Pid1Timeout, match=r"process ended \(exit 3\)"):
        done.wait_for_output("never", timeout=10)
    assert done.wait().returncode == 3


def test_stop_twice_returns_the_same_result(pid1):
    p = pid1.run(["sleep", "1000"])
    first = p.stop()
    assert p.stop() is first
    assert p.returncode == 143


def test_teardown_kills_the_whole_namespace():
    mgr = Pid1()
    ok, reason = namespace_support()
    if not ok:
        unavailable(reason, PID1_TESTS)
    app = mgr.run([PY, str(APPS / "orphan.py")])
    app.wait_for_output("ready")
    pids = [app.unshare_pid, app.pid] + [p.pid for p in app.processes()]
    assert len(pids) == 4
    mgr.close()
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie", pid


def test_doctor_under_the_fixture_sees_pyinit_as_pid1(pid1):
    p = pid1.run([PY, "-m", "pyinit", "doctor"])
    result = p.wait(timeout=20)
    assert result.returncode == 0, result.output
    assert "pid 1: python (PID 1 of its PID namespace)" in result.output
    assert "pyinit, an init that forwards signals and reaps zombies" in result.output


def test_plugin_import_is_light():
    # pytest loads the plugin in every run: it must not pull in psutil or pyinit's core.
    code = (
        "import sys, pytest; before = set(sys.modules); import pyinit.pytest_plugin; "
        "new = set(sys.modules) - before; "
        "print(sorted(m for m in new if m not in ('pyinit', 'pyinit.pytest_plugin')))"
    )
    r = subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=20)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr


def _run_pytest(
    test: str,
    conftest: str = "",
    user: list[str] | None = None,
    python: str = PY,
    env=None,
    args: list[str] | None = None,
):
    # A directory of its own under /tmp, so an unprivileged user can reach it too.
    with tempfile.TemporaryDirectory(prefix="pyinit-plugin-") as tmp:
        os.chmod(tmp, 0o755)
        (Path(tmp) / "test_it.py").write_text(textwrap.dedent(test))
        if conftest:
            (Path(tmp) / "conftest.py").write_text(textwrap.dedent(conftest))
        cmd = [*(user or []), python, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"]
        return subprocess.run(
            [*cmd, "--rootdir", tmp, *(args or []), "test_it.py"],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=50,
            env=env,
        )


def test_skips_with_a_clear_reason_without_namespaces():
    r = _run_pytest(
        """
        def test_x(pid1):
            raise AssertionError("must not run")
        """,
        conftest="""
        import pyinit.namespace as ns
        ns._PROBE = (False, "`unshare --pid` failed: Operation not permitted")
        """,
        env={k: v for k, v in os.environ.items() if k != "PYINIT_PID1_TESTS"},
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 skipped" in r.stdout
    assert "pid1: PID namespaces are not available: `unshare --pid` failed" in r.stdout


@pytest.mark.parametrize("how", ["option", "variable"])
def test_a_required_namespace_that_is_missing_fails(how):
    env = {k: v for k, v in os.environ.items() if k != "PYINIT_PID1_TESTS"}
    if how == "variable":
        env["PYINIT_PID1_TESTS"] = "require"
    r = _run_pytest(
        """
        def test_x(pid1):
            raise AssertionError("must not run")
        """,
        conftest="""
        import pyinit.namespace as ns
        ns._PROBE = (False, "`unshare --pid` failed: Operation not permitted")
        """,
        args=["--pid1-require"] if how == "option" else [],
        env=env,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1].startswith("1 error in "), r.stdout  # not skipped
    assert "pid1: PID namespaces are not available: `unshare --pid` failed" in r.stdout
    assert "(--pid1-require or PYINIT_PID1_TESTS=require)" in r.stdout


NOBODY = [
    "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
    "--inh-caps=-all", "--bounding-set=-all",
]  # fmt: skip


def _as_nobody(tmp: str) -> tuple[list[str], str, dict[str, str]]:
    """Run this very interpreter (sys.base_prefix's build, with this venv's packages and
    this checkout's pyinit) as user nobody, wherever they live: often under /root, which
    nobody cannot enter. A private mount namespace binds the three into ``tmp`` for this
    test only; nothing changes on the host. Returns (prefix, python, env)."""
    prefix = os.path.realpath(sys.base_prefix)
    binds = {
        "prefix": prefix,
        "site": sysconfig.get_paths()["purelib"],
        "repo": str(Path(__file__).resolve().parent.parent),
    }
    script = ""
    for name, source in binds.items():
        os.mkdir(os.path.join(tmp, name), 0o755)
        script += f'mount --bind "{source}" "{tmp}/{name}" && '
    wrap = ["unshare", "--mount", "--propagation", "private", "--"]
    wrap += ["sh", "-c", script + 'exec "$@"']
    # The same executable as ours, found under the bound prefix (pyenv's links to libpython
    # by its absolute path: LD_LIBRARY_PATH points the loader at the bound copy).
    python = os.path.join(tmp, "prefix", os.path.relpath(os.path.realpath(PY), prefix))
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp}/repo:{tmp}/site",
        "LD_LIBRARY_PATH": f"{tmp}/prefix/lib",
        "PYTHONNOUSERSITE": "1",
    }
    return [*wrap, "sh", *NOBODY], python, env


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to an unprivileged user")
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv")
def test_works_unprivileged_with_a_user_namespace():
    with tempfile.TemporaryDirectory(prefix="pyinit-nobody-") as tmp:
        os.chmod(tmp, 0o755)
        user, python, env = _as_nobody(tmp)
        r = _run_pytest(
            f"""
            import os, sys
            def test_x(pid1):
                assert os.geteuid() != 0
                # the interpreter this test means: ours, as the bound copy
                assert sys.version == {sys.version!r} and sys.executable == {python!r}
                import pyinit, psutil
                assert pyinit.__file__.startswith({tmp + "/repo/"!r})
                assert psutil.__file__.startswith({tmp + "/site/"!r})
                p = pid1.run(["sh", "-c", "echo uid=$(id -u) pid=$$; exec sleep 1000"])
                p.wait_for_output("uid=0 pid=2")
                assert "--map-root-user" in p.command
                result = p.stop()
                assert result.returncode == 143 and result.clean, result
            """,
            user=user,
            python=python,
            env=env,
        )
    if "PID namespaces are not available" in r.stdout:
        unavailable("unprivileged user namespaces are disabled here", PID1_TESTS)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed" in r.stdout


def test_missing_command_and_bad_arguments(pid1):
    missing = pid1.run(["/nonexistent/app"])
    result = missing.wait(timeout=10)
    assert result.returncode == 127, result
    with pytest.raises(TypeError, match="list of arguments"):
        pid1.run("sleep 1000")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a signal name"):
        pid1.run(["sleep", "1000"]).signal("NOPE")
