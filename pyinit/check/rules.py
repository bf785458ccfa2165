"""The rule catalogue of ``pyinit check``: codes, names, severities and texts.

One home for what each rule is; the rules themselves are in chain.py (PI001-PI005,
PI009, PI010, PI012-PI014: one walk of the entrypoint chain) and stopsignal.py
(PI006-PI008).
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("info", "warning", "error")  # lowest first


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str  # "error": it breaks `docker stop`; "warning": it may; "info": a note
    what: str
    why: str
    fix: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "PI001",
            "shell-form-entrypoint",
            "error",
            "ENTRYPOINT in shell form (ENTRYPOINT python app.py)",
            "Docker runs it as /bin/sh -c '...': the shell is PID 1, the kernel drops SIGTERM "
            "for it (no handler) and it never forwards the signal, so `docker stop` waits "
            "its full timeout and SIGKILLs. Shell form also ignores CMD and `docker run` args.",
            'Use exec form: ENTRYPOINT ["python", "app.py"] (or start the text with exec).',
        ),
        Rule(
            "PI002",
            "shell-form-cmd",
            "error",
            "CMD in shell form that ends up between PID 1 and the app",
            'Without ENTRYPOINT (or with an entrypoint script that execs "$@") the shell '
            "becomes PID 1, as in PI001. Under an init the shell is the init's child: tini "
            "(without -g) signals only the shell, which dies and leaves the app to SIGKILL; "
            "group-signalling inits exit as soon as the shell dies, cutting the app's "
            "shutdown short. Only pyinit --grace waits for the app. After a program "
            "ENTRYPOINT the words /bin/sh -c '...' become its arguments.",
            'Use exec form: CMD ["python", "app.py"] (or start the text with exec).',
        ),
        Rule(
            "PI003",
            "no-init",
            "warning",
            "no init as PID 1 in the final stage",
            "PID 1 gets no default signal actions (SIGTERM without a handler is dropped) "
            "and must reap orphaned zombies; most apps do neither. An app that installs its "
            "own SIGTERM handler and starts no children (or reaps them) is fine as PID 1: "
            "`docker stop` on it returns at once instead of after 10 s.",
            'ENTRYPOINT ["pyinit", "--"] (or tini, dumb-init, catatonit, s6), or run with '
            "`docker run --init` / compose `init: true` and ignore PI003.",
        ),
        Rule(
            "PI004",
            "entrypoint-script-no-exec",
            "error",
            "entrypoint script from the build context whose last command is not exec'ed",
            "The script's shell stays as the parent of the app: as PID 1 it drops and never "
            "forwards SIGTERM; under an init it gets the signal and dies, so the app is "
            "SIGKILLed mid-shutdown and the exit code is the shell's.",
            'End the script with exec: exec "$@" or exec python app.py.',
        ),
        Rule(
            "PI005",
            "sh-c-no-exec",
            "error",
            '`sh -c "..."` in an exec-form ENTRYPOINT/CMD whose command is not exec\'ed',
            "Same as PI004: the shell sits between PID 1 (or the init) and the app.",
            'Start the last command with exec: ["sh", "-c", "migrate && exec app"].',
        ),
        Rule(
            "PI006",
            "invalid-stopsignal",
            "error",
            "STOPSIGNAL that is not a signal (unknown name, 0, above 64)",
            "Docker cannot parse or deliver it: the build or `docker stop` fails.",
            "Use a name such as SIGTERM, SIGINT, SIGQUIT or a number from 1 to 64.",
        ),
        Rule(
            "PI007",
            "uncatchable-stopsignal",
            "error",
            "STOPSIGNAL SIGKILL or SIGSTOP",
            "Neither can be caught: SIGKILL gives the app no chance to shut down cleanly; "
            "SIGSTOP only freezes it, and `docker stop` SIGKILLs it after the timeout.",
            "Use SIGTERM, or the signal the app shuts down gracefully on.",
        ),
        Rule(
            "PI008",
            "inert-stopsignal",
            "warning",
            "STOPSIGNAL whose default action is not to terminate (CHLD, CONT, URG, WINCH: "
            "ignored; TSTP, TTIN, TTOU: stop)",
            "Unless the app handles it, nothing happens and `docker stop` waits out its "
            "timeout. (httpd handles SIGWINCH on purpose: ignore PI008 there.)",
            "Use SIGTERM, or the signal the app documents for a graceful stop.",
        ),
        Rule(
            "PI009",
            "stopsignal-rewritten",
            "error",
            "the init rewrites the stop signal away (pyinit -r TERM:0, dumb-init --rewrite "
            "15:0) or into SIGKILL/SIGSTOP or a signal ignored by default",
            "The stop signal (STOPSIGNAL, else SIGTERM) never reaches the app as a signal it "
            "can act on: `docker stop` always waits its timeout and SIGKILLs (or, rewritten "
            "to SIGKILL, the app never gets to clean up).",
            "Drop the rewrite, or rewrite the stop signal into one the app handles "
            "(pyinit -r TERM:INT).",
        ),
        Rule(
            "PI010",
            "exec-form-not-json",
            "error",
            "ENTRYPOINT/CMD that looks like exec form but is not a JSON array of strings",
            "Docker silently falls back to shell form (/bin/sh -c \"['app']\"): the "
            "command fails to start, or the shell is PID 1 as in PI001.",
            'Use JSON: double quotes, commas, strings only: ["python", "app.py"].',
        ),
        Rule(
            "PI011",
            "analysis-limit",
            "info",
            "a value too large to expand: variable expansion stopped",
            "pyinit check bounds variable expansion (value length, references, total work) "
            "so that any input costs bounded time and memory; past the bound a value is "
            "unknown, and rules that depend on it stay silent.",
            "Nothing to fix if the file is right; a real Dockerfile never reaches the bound.",
        ),
        Rule(
            "PI012",
            "init-not-installed",
            "error",
            "ENTRYPOINT/CMD runs an init that the final stage never installs",
            "The container fails to start (exec: tini: not found) unless the base image has "
            "it. Followed: COPY/ADD (also --from an earlier stage), RUN apt-get/apk/pip "
            "install in this stage and the stages it is built FROM.",
            "Install it in the final stage (apt-get install tini, apk add tini, pip install "
            "pyinit-pid1, COPY --from) or use `docker run --init`.",
        ),
        Rule(
            "PI013",
            "user-switch-no-exec",
            "error",
            "su -c, sudo or runuser -c between PID 1 (or the init) and the app",
            "su and runuser fork the command and wait for it; sudo does too when it has a "
            "pty or a log to keep. They forward only some signals, and as PID 1 none: the "
            "app misses the stop signal or is SIGKILLed.",
            'Use gosu, su-exec or setpriv, which exec: ["gosu", "app", "python", "app.py"].',
        ),
        Rule(
            "PI014",
            "package-manager-entrypoint",
            "error",
            "npm start, npm run X, yarn start or pnpm start as the program of ENTRYPOINT/CMD",
            "npm (and yarn, pnpm) run the script through `sh -c` as a child and do not pass "
            "SIGTERM on to node reliably: the app is SIGKILLed after the timeout, and npm "
            "as PID 1 drops the signal.",
            'Run node directly: CMD ["node", "server.js"] (the "start" script of '
            "package.json), under an init.",
        ),
    )
}


@dataclass
class Diagnostic:
    line: int
    column: int
    code: str
    message: str
    severity: str = ""  # the rule's, unless the configuration says otherwise

    def __post_init__(self) -> None:
        if not self.severity:
            self.severity = RULES[self.code].severity


def at_least(severity: str, threshold: str) -> bool:
    """Whether ``severity`` reaches ``threshold`` ("none": nothing does)."""
    if threshold == "none":
        return False
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)
