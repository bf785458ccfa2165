"""The layout shows the design: the init's modules never reach for a tool.

The init is the top-level modules of ``pyinit/``; the tools are subpackages (and the pytest
plugin) that ``pyinit doctor``/``pyinit check``/pytest import by name. Every container start
pays for what the init imports, so the import of ``pyinit.__main__`` must not load a tool, nor
any of the heavy standard modules the tools use.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pyinit"

#: What the init must never load at start-up: the tools, and the modules they need.
TOOL_PREFIXES = (
    "pyinit.doctor",
    "pyinit.check",
    "pyinit.pytest_plugin",
    "pyinit.known",
    "pyinit.namespace",
)
HEAVY = ("re", "typing", "subprocess", "json", "psutil", "enum", "dataclasses", "logging")


def init_modules() -> list[Path]:
    """The init: every top-level module of the package that is not a tool."""
    return [
        path
        for path in sorted(PACKAGE.glob("*.py"))
        if not f"pyinit.{path.stem}".startswith(TOOL_PREFIXES)
    ]


def test_importing_the_init_loads_no_tool_and_no_heavy_module() -> None:
    code = "import sys, pyinit.__main__; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    loaded = result.stdout.split()
    assert "pyinit.supervisor" in loaded  # the probe sees the init's own modules
    tools = [name for name in loaded if name.startswith(TOOL_PREFIXES)]
    heavy = [name for name in loaded if name.split(".")[0] in HEAVY]
    assert tools == [] and heavy == [], loaded


def test_no_init_module_imports_a_tool() -> None:
    offenders = []
    for path in init_modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(TOOL_PREFIXES)]
    assert offenders == []
    assert len(init_modules()) >= 8  # cli, signals, route, spawn, supervisor, log, ...
