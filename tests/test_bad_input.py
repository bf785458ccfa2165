"""Bad input: a one-line error, a pointer to --help, exit 2; never a traceback."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyinit.cli import Action, Config, UsageError, parse
from tests.support import PYINIT


def run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PYINIT, *argv],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=20,
        env=env,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("argv", "env", "fragment"),
    [
        ([], {}, "no command given"),
        (["-x", "true"], {}, "option -x not recognized"),
        (["--nope", "true"], {}, "option --nope not recognized"),
        (["-r", "15", "true"], {}, "rewrite '15' is not FROM:TO"),
        (["-r", "TERM:BOGUS", "true"], {}, "'BOGUS' is not a signal name or number"),
        (["-r", "99:1", "true"], {}, "'99' is not a signal number"),
        (["-e", "300", "true"], {}, "exit code '300' is out of range (0 to 255)"),
        (["-e"], {}, "option -e requires argument"),
        (["--grace", "x", "true"], {}, "--grace 'x' is not a number"),
        (["-p", "NOPE", "true"], {}, "-p: 'NOPE' is not a signal"),
        (["--log-format", "yaml", "true"], {}, "--log-format 'yaml': use text or json"),
        (["--log-file", "", "true"], {}, "--log-file: the path is empty"),
        (["--log-file", "/nonexistent/log", "true"], {}, "'/nonexistent/log': No such file"),
        (["-c", "-g", "true"], {}, "contradict"),
        (["true"], {"TINI_VERBOSITY": "x"}, "TINI_VERBOSITY 'x' is not a number"),
        (["true"], {"PYINIT_GRACE": "-3"}, "PYINIT_GRACE '-3' is not a number"),
        (["true"], {"PYINIT_GRACE": "86401"}, "PYINIT_GRACE '86401' is out of range"),
        (["true"], {"TINI_VERBOSITY": "1.5"}, "TINI_VERBOSITY '1.5' is not a number"),
        (["-r", "\u0661\u0665:2", "true"], {}, "'\u0661\u0665' is not a signal name or number:"),
        (["-r", "\u00b2:2", "true"], {}, "'\u00b2' is not a signal name or number:"),
        (["-e", "1e0", "true"], {}, "exit code '1e0' is not a number"),
        (["--grace", "2,5", "true"], {}, "--grace '2,5' is not a number"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], env: dict[str, str], fragment: str
) -> None:
    result = run(argv, {"PATH": "/usr/bin:/bin", **env})
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("[pyinit] error: ")
    assert fragment in lines[0]
    assert lines[0].endswith("; see 'pyinit --help'")


def test_help_version_license() -> None:
    assert "usage: pyinit" in run(["--help"]).stdout
    assert run(["-V"]).stdout.startswith("pyinit ")
    assert run(["--version"]).returncode == 0
    assert "MIT License" in run(["-l"]).stdout


TOKENS = st.sampled_from(
    [
        "-c", "-g", "-s", "-w", "-v", "-vv", "-l", "-r", "-e", "-p", "--grace", "--rewrite",
        "--expect", "--log-format", "json", "text", "TERM:INT", "15:0", ":", "TERM", "0",
        "300", "-1", "1e9", "nan", "--", "-", "", "true", "false", "/nonexistent", "/etc/passwd",
        "\udcff", "é", "-rTERM", "--single-child", "--grace=0", "--verbose",
        "\u0661\u0665:2", "\u00b2:2", "\u00b2", "1e0", "2.5", "1_0", " 3", "\uff13", "\u017fIGTERM",
    ]
)  # fmt: skip
ENV_KEYS = st.sampled_from(
    ["TINI_VERBOSITY", "PYINIT_GRACE", "DUMB_INIT_SETSID", "DUMB_INIT_DEBUG", "TINI_SUBREAPER",
     "TINI_KILL_PROCESS_GROUP"]
)  # fmt: skip
ENV = st.dictionaries(ENV_KEYS, st.text(max_size=6).filter(lambda v: "\x00" not in v), max_size=3)


@settings(max_examples=400, deadline=None)
@given(argv=st.lists(st.one_of(TOKENS, st.text(max_size=8)), max_size=8), env=ENV)
def test_parse_never_raises_anything_but_usage_error(argv: list[str], env: dict[str, str]) -> None:
    try:
        result = parse(argv, env)
    except UsageError as error:
        assert "\n" not in str(error)
    else:
        assert isinstance(result, (Config, Action))


@pytest.mark.timeout(120)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=st.lists(TOKENS, max_size=7), env=ENV)
def test_fuzzed_command_lines_never_print_a_traceback(argv: list[str], env: dict[str, str]) -> None:
    argv = [a for a in argv if "\x00" not in a]
    result = run(
        [*argv, "--", "true"] if "--" not in argv else argv, {"PATH": "/usr/bin:/bin", **env}
    )
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1, 2, 126, 127), result.stderr
    if result.returncode == 2:
        assert len(result.stderr.splitlines()) == 1, result.stderr
