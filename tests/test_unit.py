"""Pure decisions: signal names, rewrites, config from argv + env, exit codes."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyinit.cli import Action, Config, UsageError, parse
from pyinit.log import DEBUG, INFO, WARNING
from pyinit.signals import (
    NAMES,
    VALID,
    parse_mask,
    parse_rewrite,
    parse_signal,
    signal_name,
    translate,
)
from pyinit.spawn import from_self
from pyinit.supervisor import exit_code
from pyinit.text import printable


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("15", 15),
        ("TERM", 15),
        ("SIGTERM", 15),
        ("sigterm", 15),
        (" int ", 2),
        ("RTMIN", signal.SIGRTMIN),
        ("SIGRTMIN+3", signal.SIGRTMIN + 3),
        ("RTMAX-1", signal.SIGRTMAX - 1),
        ("0", 0),
        ("IOT", signal.SIGABRT),
        ("CLD", 17),
        ("SIGPOLL", 29),
        # Names that Python 3.9 and 3.10 lack: pyinit's table has them on every Python.
        ("STKFLT", 16),
        ("SIGPWR", 30),
        ("sys", 31),
    ],
)
def test_parse_signal(text: str, number: int) -> None:
    assert parse_signal(text) == number


@pytest.mark.parametrize("text", ["", "65", "32", "-1", "FOO", "SIGTERMX", "RTMIN-1", "RTMAX+1"])
def test_parse_signal_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="signal"):
        parse_signal(text)


def test_signal_names_round_trip() -> None:
    for signo in signal.valid_signals():
        assert parse_signal(signal_name(signo)) == signo
    assert signal_name(15) == "SIGTERM"
    assert signal_name(signal.SIGRTMIN + 2) == "SIGRTMIN+2"
    assert signal_name(signal.SIGRTMAX) == "SIGRTMAX"
    assert signal_name(16) == "SIGSTKFLT"
    assert signal_name(6) == "SIGABRT" and signal_name(17) == "SIGCHLD"  # not IOT, CLD


def test_signal_table_agrees_with_this_kernel() -> None:
    # Our own table (pyinit/signals.py NAMES) against the names this Python knows: every
    # name it has must mean the same number (it lacks some on 3.9/3.10, never differs).
    known = {s.name: s.value for s in signal.Signals if s.value < 32}
    assert known and all(parse_signal(name) == value for name, value in known.items())
    assert len(NAMES) == 32 and NAMES.count("") == 1


@pytest.mark.parametrize(
    ("text", "pair"),
    [("TERM:INT", (15, 2)), ("15:2", (15, 2)), ("SIGTERM:0", (15, 0)), ("usr1:HUP", (10, 1))],
)
def test_parse_rewrite(text: str, pair: tuple[int, int]) -> None:
    assert parse_rewrite(text) == pair


@pytest.mark.parametrize("text", ["15", "15:", ":2", "KILL:TERM", "CHLD:TERM", "0:15", "15:99"])
def test_parse_rewrite_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rewrite(text)


def config(*argv: str, **env: str) -> Config:
    result = parse([*argv, "--", "cmd"], env)
    assert isinstance(result, Config)
    return result


def test_defaults() -> None:
    c = config()
    assert c.command == ("cmd",)
    assert c.session and c.grace is None and c.verbosity == WARNING and not c.expect
    # session mode: terminal stops become SIGSTOP for the group (dumb-init)
    assert translate(signal.SIGTSTP, c.rewrites) == signal.SIGSTOP
    assert translate(signal.SIGTERM, c.rewrites) == signal.SIGTERM


def test_single_child_has_no_job_control_rewrites() -> None:
    for c in (config("-c"), config(DUMB_INIT_SETSID="0")):
        assert not c.session
        assert translate(signal.SIGTSTP, c.rewrites) == signal.SIGTSTP


def test_flags_and_env() -> None:
    c = config("-r", "TERM:INT", "-r", "HUP:0", "-e", "3", "-e", "143", "-vv", "--grace", "1.5")
    assert translate(15, c.rewrites) == 2 and translate(1, c.rewrites) == 0
    assert c.expect == {3, 143} and c.verbosity == DEBUG and c.grace == 1.5
    assert config(TINI_VERBOSITY="2").verbosity == INFO
    assert config(DUMB_INIT_DEBUG="1").verbosity == DEBUG
    assert config(PYINIT_GRACE="2").grace == 2
    assert config("--grace", "3", PYINIT_GRACE="2").grace == 3
    assert config(DUMB_INIT_SETSID="1").session
    assert config(DUMB_INIT_SETSID="0", TINI_KILL_PROCESS_GROUP="").session
    assert config("-g", DUMB_INIT_SETSID="0").session
    assert config("-p", "KILL").pdeath_signal == signal.SIGKILL
    assert config("--log-format", "json").log_json
    assert config("--log-file", "/dev/fd/3").log_file == "/dev/fd/3"
    assert config().log_file is None
    assert config("-s", "-w").warn_on_reap


def test_options_stop_at_the_command() -> None:
    c = parse(["cmd", "-x", "--", "-c"], {})
    assert isinstance(c, Config) and c.command == ("cmd", "-x", "--", "-c") and c.session


def test_config_is_frozen() -> None:
    with pytest.raises(AttributeError):
        config().session = False  # type: ignore[misc]


@pytest.mark.parametrize(("flag", "name"), [("-h", "help"), ("-V", "version"), ("-l", "license")])
def test_actions(flag: str, name: str) -> None:
    result = parse([flag], {})
    assert isinstance(result, Action) and result.name == name


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        ([], {}, "no command"),
        (["--"], {}, "no command"),
        (["-x", "cmd"], {}, "not recognized"),
        (["--bogus", "cmd"], {}, "not recognized"),
        (["-r"], {}, "requires argument"),
        (["-r", "15", "cmd"], {}, "FROM:TO"),
        (["-r", "FOO:INT", "cmd"], {}, "signal name"),
        (["-r", "KILL:INT", "cmd"], {}, "never forwarded"),
        (["-e", "300", "cmd"], {}, "out of range"),
        (["-e", "x", "cmd"], {}, "not a number"),
        (["-e", "1.5", "cmd"], {}, "whole number"),
        (["--grace", "-1", "cmd"], {}, "out of range"),
        (["--grace", "nan", "cmd"], {}, "out of range"),
        (["-p", "0", "cmd"], {}, "not a signal"),
        (["--log-format", "xml", "cmd"], {}, "text or json"),
        (["-c", "-g", "cmd"], {}, "contradict"),
        (["", "x"], {}, "empty"),
        (["cmd"], {"TINI_VERBOSITY": "loud"}, "TINI_VERBOSITY"),
        (["cmd"], {"PYINIT_GRACE": "soon"}, "PYINIT_GRACE"),
    ],
)
def test_usage_errors(argv: list[str], env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse(argv, env)


def test_exit_code() -> None:
    assert exit_code(0, frozenset()) == 0
    assert exit_code(42 << 8, frozenset()) == 42
    assert exit_code(signal.SIGTERM, frozenset()) == 143  # killed by SIGTERM
    assert exit_code(42 << 8, frozenset({42})) == 0
    assert exit_code(signal.SIGTERM, frozenset({143})) == 0


def test_from_self_only_matches_our_own_tiocnotty_signals() -> None:
    me = os.getpid()
    assert from_self(signal.SIGHUP, me, 0, me)
    assert from_self(signal.SIGCONT, me, 0, me)
    assert not from_self(signal.SIGHUP, 0, 0, me)  # from another namespace
    assert not from_self(signal.SIGHUP, me + 1, 0, me)
    assert not from_self(signal.SIGTERM, me, 0, me)
    assert not from_self(signal.SIGHUP, me, -1, me)  # sigqueue, not kill


def test_parse_mask_reads_the_bootloaders_hex_bits() -> None:
    assert parse_mask("0") == set()
    assert parse_mask("800") == {12}  # SIGUSR2
    assert parse_mask("4001") == {1, 15}
    assert parse_mask("ffffffffffffffff") == set(VALID)  # glibc's own 32/33 are not in VALID
    for bad in ("", "xyz", "-1", "1" + "0" * 16):
        assert parse_mask(bad) is None


# -- pyinit.text.printable ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("sleep", "sleep"),
        ("a b", "a b"),
        ("x\n[pyinit] ok", "x\\x0a[pyinit] ok"),
        ("\x1b[2J", "\\x1b[2J"),
        ("bell\a\r", "bell\\x07\\x0d"),
        ("\x9b", "\\x9b"),
        ("rlo\u202e", "rlo\\u202e"),
        ("back\\x1b", "back\\\\x1b"),
        ("bad\udcff", "bad\\xff"),
        ("émoji 🙂", "émoji 🙂"),
    ],
)
def test_printable_escapes_what_a_terminal_would_act_on(raw, shown):
    assert printable(raw) == shown


@given(st.text())
def test_printable_output_has_no_control_character(raw):
    shown = printable(raw)
    assert shown.isprintable()
    assert "\n" not in shown


def test_documentation_link_agrees_with_the_project_metadata() -> None:
    # pyproject.toml [project.urls] is the home of the address; --help repeats it.
    from pyinit import DOCUMENTATION
    from pyinit.cli import USAGE

    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert f'Documentation = "{DOCUMENTATION}"' in pyproject
    assert f"Documentation: {DOCUMENTATION}" in USAGE
    assert 'name = "pyinit-pid1"' in pyproject


def test_names_this_python_may_lack_work_end_to_end(tmp_path: Path) -> None:
    # Python 3.9/3.10 have no name for 16: pyinit's own table (scripts/test-matrix runs this
    # on each supported Python).
    import subprocess
    import sys

    run = [sys.executable, "-m", "pyinit"]
    ok = subprocess.run([*run, "-r", "STKFLT:INT", "-r", "PWR:SYS", "--", "true"], timeout=30)
    assert ok.returncode == 0
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text('FROM debian:12\nSTOPSIGNAL SIGSTKFLT\nENTRYPOINT ["tini", "--"]\n')
    check = subprocess.run(
        [*run, "check", "--format", "json", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "PI006" not in check.stdout, check.stdout + check.stderr
