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
import subprocess
import sys
from pathlib import Path

import pytest

from pyinit import check, check_rules
from tests.support import wait_for

HERE = Path(__file__).parent
CORPUS = HERE / "dockerfiles"
PYINIT = Path(sys.executable).with_name("pyinit")


def expected(path: Path) -> set[tuple[int, str]]:
    lines = path.read_text().splitlines()
    found = set()
    for number, line in enumerate(lines):
        match = re.match(r"\s*#\s*expect:\s*(.*)$", line)
        if not match:
            continue
        target = number + 1
        while lines[target].lstrip().startswith("#"):
            target += 1
        found |= {(target + 1, code) for code in match.group(1).split()}
    return found


def got(path: Path, context: str | None = None) -> set[tuple[int, str]]:
    return {(d.line, d.code) for d in check.check_file(str(path), context)}


CORPUS_FILES = sorted(CORPUS.glob("*.Dockerfile"))


def test_corpus_covers_every_rule():
    hits = set()
    for path in CORPUS_FILES:
        hits |= {code for _, code in expected(path)}
    assert hits == set(check_rules.RULES)
    assert len([p for p in CORPUS_FILES if not expected(p)]) >= 10  # near-misses


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_corpus(path):
    assert got(path) == expected(path)


def test_context_option():
    dockerfile = CORPUS / "other-context" / "Dockerfile"
    # Its own folder has no scripts/: nothing to read, nothing found.
    assert got(dockerfile) == set()
    assert got(dockerfile, str(CORPUS)) == expected(dockerfile) == {(4, "PI004")}
    message = check.check_file(str(dockerfile), str(CORPUS))[0].message
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
        f"{path}:5:1: PI001 shell-form ENTRYPOINT: /bin/sh becomes PID 1 and never forwards "
        'SIGTERM; use exec form ["python", "app.py", "--port", "8000"] (and CMD is ignored)',
        f"{path}:5:1: PI003 no init: sh is PID 1, so signals it has no handler for are "
        'dropped and orphaned zombies are never reaped; use ENTRYPOINT ["pyinit", "--", ...] '
        "(or tini, dumb-init), or run with `docker run --init`",
    ]


def test_column_and_shell_instruction(capsys):
    path = str(CORPUS / "pi001-bash-shell.Dockerfile")
    code, out, _ = run_main(capsys, path)
    assert code == 1
    assert out.startswith(f"{path}:4:3: PI001 shell-form ENTRYPOINT: /bin/bash becomes PID 1")
    assert 'use exec form ["..."]' in out  # `cd /srv && ./server` has no plain exec form


def test_heredoc_script_lines_point_into_the_dockerfile():
    path = CORPUS / "pi004-heredoc-script.Dockerfile"
    (pi003, pi004) = check.check_file(str(path))
    assert pi004.code == "PI004"
    # gunicorn is line 7 of the Dockerfile (line 4 of the heredoc body)
    assert f"entrypoint script {path}:7: last command `gunicorn app:wsgi`" in pi004.message


def test_messages_name_the_init_and_the_problem():
    def message(name: str, code: str) -> str:
        found = check.check_file(str(CORPUS / name))
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
    assert "drops SIGINT, the stop signal (STOPSIGNAL at line 2)" in message(
        "pi009-rewrite-drops.Dockerfile", "PI009"
    )
    assert "no STOPSIGNAL, so SIGTERM" in message("pi009-dumb-init.Dockerfile", "PI009")
    assert "into SIGKILL" in message("pi009-to-kill.Dockerfile", "PI009")
    assert "SIGSTOP cannot be caught" in message("pi007-sigstop.Dockerfile", "PI007")
    assert """write ["python", "app.py"]""" in message("pi010-not-json.Dockerfile", "PI010")


# ---------------------------------------------------------------------------- inline cases


def lint(tmp_path: Path, text: str, **files: str) -> set[tuple[int, str]]:
    for name, content in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(text)
    return got(dockerfile)


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
    verdict = check_rules.judge_sh(script)
    assert verdict.kind == kind
    if line:
        assert verdict.line == line


def test_judge_sh_exec_targets():
    verdict = check_rules.judge_sh('if a; then exec gosu u "$@"; else exec tini -- app; fi')
    assert verdict.targets == [["gosu", "u", "$@"], ["tini", "--", "app"]]


@pytest.mark.parametrize(
    ("text", "number"),
    [("SIGTERM", 15), ("term", 15), ("15", 15), ("SigQuit", 3), ("RTMIN", 34),
     ("SIGRTMIN+3", 37), ("RTMAX-1", 63), ("64", 64), ("0", 0), ("65", None),
     ("RTMIN+31", None), ("SIGFOO", None), ("", None), ("-1", None)],
)  # fmt: skip
def test_parse_signal(text, number):
    assert check_rules.parse_signal(text) == number


# ---------------------------------------------------------------------------- parsing


def test_heredoc_bodies_are_not_instructions():
    stages, _ = check.parse_dockerfile((CORPUS / "syntax-heredoc.Dockerfile").read_text())
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
    stages, _ = check.parse_dockerfile((CORPUS / "syntax-escape-backtick.Dockerfile").read_text())
    workdir, entrypoint, cmd = stages[0].instructions
    assert workdir.value == "C:\\app\\"  # a trailing backslash is not a continuation here
    assert json.loads(entrypoint.value) == ["C:\\app\\server.exe", "--port", "80"]
    assert (entrypoint.line, cmd.line) == (5, 8)


def test_continuation_with_comment_keeps_first_line():
    stages, _ = check.parse_dockerfile((CORPUS / "syntax-continuation.Dockerfile").read_text())
    entrypoint = stages[0].instructions[1]
    assert entrypoint.line == 7
    assert json.loads(entrypoint.value)[:3] == ["tini", "--", "pyinit"]


def test_unterminated_heredoc_runs_to_the_end():
    stages, _ = check.parse_dockerfile("FROM a\nRUN <<EOF\nCMD python x\n")
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
    assert code == 1 and out.startswith("Dockerfile:2:1: PI002 ")


def test_stdin(capsys, monkeypatch):
    import io

    stdin = io.TextIOWrapper(io.BytesIO(b"FROM a\nSTOPSIGNAL KILL\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, _ = run_main(capsys, "-")
    assert code == 1 and out.startswith("-:2:1: PI007 ")


def test_several_files_and_ignore(capsys):
    paths = [str(CORPUS / n) for n in ("pi003-no-init.Dockerfile", "pi008-winch.Dockerfile")]
    code, out, _ = run_main(capsys, *paths)
    assert code == 1
    assert [line.split()[1] for line in out.splitlines()] == ["PI003", "PI008"]
    assert run_main(capsys, "--ignore", "pi003", "--ignore=PI008", *paths)[:2] == (0, "")
    assert run_main(capsys, "--ignore", "PI003,PI008", *paths)[0] == 0


def test_list_rules(capsys):
    code, out, _ = run_main(capsys, "--list-rules")
    assert code == 0
    for rule in check_rules.RULES.values():
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
        "print(sorted(m for m in ('dockerfile_parse', 'pyinit.check_rules', 'json', 'argparse') "
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
    stages, _ = check.parse_dockerfile('FROM a\nRUN ["sh", "-c", "cat <<EOF"]\nCMD ["x"]\n')
    assert [i.keyword for i in stages[0].instructions] == ["RUN", "CMD"]


# ---------------------------------------------------------------------------- real processes
# What the rules claim, shown on real processes: the app below takes 1 s to shut down on
# SIGTERM. Each init runs as PID 1 of a new PID namespace, as in a container, and gets
# SIGTERM the way `docker stop` sends it.

APP = """\
import pathlib, signal, sys, time
out = pathlib.Path(sys.argv[1])
def stop(signo, frame):
    (out / "term").touch()
    time.sleep(1.0)
    (out / "clean").touch()
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
(out / "ready").touch()
while True:
    signal.pause()
"""


def _namespaces_work() -> bool:
    try:
        result = subprocess.run(
            ["unshare", "--pid", "--fork", "--mount-proc", "true"], capture_output=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


@pytest.mark.skipif(not _namespaces_work(), reason="needs unshare --pid (root)")
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

    import psutil

    if shutil.which(init[0]) is None:
        pytest.skip(f"{init[0]} is not installed")
    (tmp_path / "app.py").write_text(APP)
    app = f"{sys.executable} {tmp_path / 'app.py'} {tmp_path}"
    argv = ["unshare", "--pid", "--fork", "--mount-proc", *init, "sh", "-c", shell.format(app=app)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: (tmp_path / "ready").exists(), 15, what="the app to start")
        (pid1,) = psutil.Process(proc.pid).children()
        os.kill(pid1.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
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
        stages, args = check.parse_dockerfile(text)
    except check.InputError:
        return
    found = check_rules.check_stages(stages, args, lambda _: ("x.sh", text))
    assert all(d.code in check_rules.RULES and d.line >= 1 for d in found)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_judge_sh_never_crashes(text):
    assert check_rules.judge_sh(text).kind in ("exec", "problem", "handled", "neutral", "unknown")


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
