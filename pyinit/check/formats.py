"""Output formats of ``pyinit check``: text, json, sarif (SARIF 2.1.0) and github.

Text is the compiler form (``path:line:column: CODE severity: message``), one line per
finding, with every piece of Dockerfile or script text escaped by pyinit.text.printable (a
Dockerfile can hold ESC or newline bytes that would drive the terminal or forge lines).
JSON and SARIF keep exact values (JSON escapes them). GitHub annotation lines escape as the
workflow-command syntax requires
(https://docs.github.com/actions/reference/workflow-commands-for-github-actions).
"""

from __future__ import annotations

import json
from typing import Callable

from pyinit import __version__
from pyinit.check.rules import RULES, Diagnostic
from pyinit.text import printable

Found = list[tuple[str, Diagnostic]]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def text_format(found: Found) -> str:
    return "".join(
        f"{printable(path)}:{d.line}:{d.column}: {d.code} {d.severity}: {printable(d.message)}\n"
        for path, d in found
    )


def json_format(found: Found) -> str:
    records = [
        {
            "path": path,
            "line": d.line,
            "column": d.column,
            "code": d.code,
            "rule": RULES[d.code].name,
            "severity": d.severity,
            "message": d.message,
        }
        for path, d in found
    ]
    return json.dumps(records, indent=2) + "\n"


def _uri(path: str) -> str:
    from urllib.parse import quote

    return "stdin" if path == "-" else quote(path.replace("\\", "/"))


def sarif_format(found: Found) -> str:
    codes = list(RULES)
    rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.what},
            "fullDescription": {"text": rule.why},
            "help": {"text": f"{rule.why} Fix: {rule.fix}"},
            "defaultConfiguration": {"level": SARIF_LEVELS[rule.severity]},
        }
        for rule in RULES.values()
    ]
    results = [
        {
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code),
            "level": SARIF_LEVELS[d.severity],
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(path)},
                        "region": {"startLine": d.line, "startColumn": d.column},
                    }
                }
            ],
        }
        for path, d in found
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pyinit check",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_format(found: Found) -> str:
    lines = []
    for path, d in found:
        title = f"{d.code} {RULES[d.code].name}"
        properties = ",".join(
            f"{key}={_github_property(value)}"
            for key, value in (
                ("file", printable(path)),
                ("line", str(d.line)),
                ("col", str(d.column)),
                ("title", title),
            )  # fmt: skip
        )
        # printable() first: no control byte may reach the runner's log, where it would
        # start a workflow command of its own (e.g. a newline, then ::set-output).
        lines.append(f"::{GITHUB_LEVELS[d.severity]} {properties}::"
                     f"{_github_data(printable(d.message))}\n")  # fmt: skip
    return "".join(lines)


FORMATTERS: dict[str, Callable[[Found], str]] = {
    "text": text_format,
    "json": json_format,
    "sarif": sarif_format,
    "github": github_format,
}


def rules_text() -> str:
    import textwrap

    blocks = []
    for rule in RULES.values():
        lines = [f"{rule.code} {rule.name} ({rule.severity})"]
        for label, text in (("what", rule.what), ("why", rule.why), ("fix", rule.fix)):
            lines.append(
                textwrap.fill(
                    text, 88, initial_indent=f"  {label + ':':6}", subsequent_indent=" " * 8
                )
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
