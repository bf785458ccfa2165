"""Pure decisions: signal names, rewrites, config from argv + env, exit codes."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyinit import route as routing
from pyinit.cli import Action, Config, UsageError, parse
from pyinit.log import DEBUG, INFO, WARNING
from pyinit.signals import (
    FORWARDED,
    JOB_CONTROL,
    NAMES,
    VALID,
    WAITED,
    format_mask,
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


@pytest.mark.parametrize(
    "text",
    ["", "65", "32", "-1", "FOO", "SIGTERMX", "RTMIN-1", "RTMAX+1"]
    + ["\u0661\u0665", "\u00b2", "\u017figterm", "RTMIN+\uff13"],  # ١٥ ² ſigterm RTMIN+３
)
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
        (["-e", "1e0", "cmd"], {}, "not a number"),
        (["-e", "\u0663", "cmd"], {}, "ASCII digits"),  # ARABIC-INDIC DIGIT THREE
        (["--grace", "-1", "cmd"], {}, "not a number"),
        (["--grace", "nan", "cmd"], {}, "not a number"),
        (["--grace", "inf", "cmd"], {}, "not a number"),
        (["--grace", "1_0", "cmd"], {}, "not a number"),
        (["--grace", " 2", "cmd"], {}, "not a number"),
        (["--grace", "86400.5", "cmd"], {}, "out of range"),
        (["--grace", "9" * 5000, "cmd"], {}, "out of range"),
        (["-r", "\u0661\u0665:2", "cmd"], {}, "ASCII"),
        (["-r", "\u00b2:2", "cmd"], {}, "ASCII"),
        (["-r", "TERM:\u0662", "cmd"], {}, "ASCII"),
        (["-p", "\u017figterm", "cmd"], {}, "ASCII"),  # LATIN SMALL LETTER LONG S: upper() is S
        (["cmd"], {"TINI_VERBOSITY": "1.5"}, "TINI_VERBOSITY"),
        (["cmd"], {"TINI_VERBOSITY": "\u0662"}, "TINI_VERBOSITY"),
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


ASCII_WHOLE = re.compile(r"[0-9]+")
ASCII_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?")
NUMBERISH = st.one_of(
    st.text(max_size=8),
    st.text("0123456789.\u0660\u0661\u0665\u00b2\u00b9\u096f\uff11e_-+ ", max_size=8),
    st.from_regex(ASCII_SECONDS, fullmatch=True),
)


def accepts(argv: list[str], env: dict[str, str]) -> Config | None:
    try:
        result = parse([*argv, "--", "cmd"], env)
    except UsageError:
        return None
    assert isinstance(result, Config)
    return result


@given(NUMBERISH)
def test_numbers_are_ascii_digits_only(text: str) -> None:
    whole = ASCII_WHOLE.fullmatch(text) is not None
    seconds = ASCII_SECONDS.fullmatch(text) is not None
    expect = accepts(["-e", text], {})
    assert (expect is not None) == (whole and int(text) <= 255)
    verbose = accepts([], {"TINI_VERBOSITY": text})
    assert (verbose is not None) == (text == "" or (whole and int(text) <= DEBUG))
    for grace in (accepts(["--grace", text], {}), accepts([], {"PYINIT_GRACE": text})):
        if text == "" and grace is not None:  # PYINIT_GRACE="" means unset
            assert grace.grace is None
            continue
        assert (grace is not None) == (seconds and float(text) <= 86400)
        if grace is not None:
            assert grace.grace == float(text)


@given(st.text(min_size=1, max_size=10).filter(lambda text: not text.isascii()))
def test_signal_words_are_ascii_only(text: str) -> None:
    assert accepts(["-p", text], {}) is None
    assert accepts(["-r", f"{text}:2"], {}) is None
    assert accepts(["-r", f"TERM:{text}"], {}) is None


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


# -- pyinit.route: every signal x mode x phase x sender x PID 1 or not --------------------
MODES = {"session": [], "single-child": ["-c"]}
PHASES = (routing.RUNNING, routing.SHUTDOWN)


def config_for(*options: str) -> Config:
    config = parse([*options, "--", "app"], {})
    assert isinstance(config, Config)
    return config


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("from_self", [False, True], ids=["from-other", "from-self"])
@pytest.mark.parametrize("pid1", [False, True], ids=["not-pid1", "pid1"])
def test_route_covers_every_signal(mode, phase, from_self, pid1):
    config = config_for(*MODES[mode])
    for signo in sorted(WAITED):
        decided = routing.route(signo, from_self, config, phase, pid1)
        name = signal_name(signo)
        if signo == signal.SIGCHLD:
            assert decided.kind == routing.REAP, name
            continue
        if from_self and signo in (signal.SIGHUP, signal.SIGCONT):
            assert decided.kind == routing.IGNORE, name  # our own TIOCNOTTY's
            continue
        assert decided.kind == routing.SEND, name
        if phase == routing.SHUTDOWN:
            assert decided.target == routing.REST, name
        else:
            assert decided.target == (routing.GROUP if mode == "session" else routing.CHILD)
        if signo in JOB_CONTROL:
            # session mode: an orphaned group discards TSTP/TTIN/TTOU, so STOP is sent
            assert decided.signal == (signal.SIGSTOP if mode == "session" else signo), name
            # so that a shell sees its job stop; as PID 1 no shell waits, and a self-sent
            # SIGSTOP would discard a pending SIGCONT
            assert decided.stop_self == (not pid1), name
        else:
            assert (decided.signal, decided.stop_self) == (signo, False), name


@pytest.mark.parametrize(
    ("options", "signo", "sent", "stop_self"),
    [
        (["-r", "TSTP:USR1"], signal.SIGTSTP, signal.SIGUSR1, False),  # stops nobody
        (["-c", "-r", "TSTP:USR1"], signal.SIGTSTP, signal.SIGUSR1, False),
        (["-r", "TSTP:STOP"], signal.SIGTSTP, signal.SIGSTOP, True),
        (["-r", "TSTP:TTIN"], signal.SIGTSTP, signal.SIGTTIN, False),  # discarded: orphaned
        (["-c", "-r", "TSTP:TTIN"], signal.SIGTSTP, signal.SIGTTIN, True),
        (["-c", "-r", "TTOU:STOP"], signal.SIGTTOU, signal.SIGSTOP, True),
        (["-r", "USR1:STOP"], signal.SIGUSR1, signal.SIGSTOP, False),  # not job control
        (["-r", "TERM:INT"], signal.SIGTERM, signal.SIGINT, False),
    ],
)
def test_route_rewrites_and_job_control(options, signo, sent, stop_self):
    decided = routing.route(signo, False, config_for(*options), routing.RUNNING)
    assert (decided.kind, decided.signal, decided.stop_self) == (routing.SEND, sent, stop_self)


@pytest.mark.parametrize("phase", PHASES)
def test_route_drops_what_is_rewritten_to_zero(phase):
    config = config_for("-r", "TERM:0", "-r", "TSTP:0")
    for signo in (signal.SIGTERM, signal.SIGTSTP):
        assert routing.route(signo, False, config, phase) == routing.Route(routing.DROP, level=INFO)


def test_fast_path_is_what_route_sends_on_unchanged_and_silently():
    config = config_for("-r", "TERM:INT", "-r", "USR2:0")
    fast = routing.verbatim(config, WARNING)
    special = {signal.SIGHUP, signal.SIGCONT, signal.SIGTERM, signal.SIGUSR2} | JOB_CONTROL
    assert fast == FORWARDED - special
    assert routing.verbatim(config, INFO) == frozenset()  # every forward gets a line
    single = routing.verbatim(config_for("-c"), WARNING)
    assert single == FORWARDED - {signal.SIGHUP, signal.SIGCONT} - JOB_CONTROL


def read_sigmask_vectors() -> list[tuple[str, set[int] | None]]:
    """tests/sigmask-vectors.txt: (value, signals, or None for a malformed value)."""
    import pathlib

    vectors = []
    path = pathlib.Path(__file__).with_name("sigmask-vectors.txt")
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line:
            continue
        value, _, expected = line.rpartition("|")
        if expected == "invalid":
            vectors.append((value, None))
            continue
        signals: set[int] = set()
        for part in expected.split(",") if expected != "-" else []:
            low, _, high = part.partition("-")
            signals.update(range(int(low), int(high or low) + 1))
        vectors.append((value, signals))
    return vectors


@pytest.mark.parametrize(("value", "expected"), read_sigmask_vectors(), ids=repr)
def test_parse_mask_follows_the_shared_vectors(value: str, expected: set[int] | None) -> None:
    assert parse_mask(value) == expected
    if expected is not None:
        assert parse_mask(format_mask(expected)) == expected


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
