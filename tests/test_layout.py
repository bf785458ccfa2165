"""The layout shows the design: the init's modules never reach for a tool.

The init is the top-level modules of ``pyinit/``; the tools are subpackages (and the pytest
plugin) that ``pyinit doctor``/``pyinit check``/pytest import by name. Every container start
pays for what the init imports, so the import of ``pyinit.__main__`` must not load a tool, nor
any of the heavy standard modules the tools use.

Around the package, the dependencies point one way: tests/ uses harness/ (the container
engines), bench/ and scripts/, never the other way round. Nothing under scripts/, bench/,
harness/ or packaging/ imports or runs a file of tests/, and the init never imports harness/,
which is not in the wheel.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "pyinit"

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


# -- tests/ is a leaf: what is around the package never uses it ----------------------------------

#: The folders that must work without tests/ (scripts/demo, the benchmarks, the container
#: harness, the builds). tests/ may use them; they never use tests/.
NOT_TESTS = ("scripts", "bench", "harness", "packaging")

#: tests/ used as code: imported (``from tests``, ``import tests``, a dotted ``tests.x``), run as a
#: module (``-m tests``), or a path into it that a command is handed: ``$ROOT/tests/x.py``,
#: ``REPO / "tests"``, ``python tests/x.py``. Prose that names a test file (``tests/test_x.py``
#: checks this) is not a use.
TESTS_AS_CODE = re.compile(
    r"""\bfrom\s+tests[\w.]*\s+import\b|\bimport\s+tests\b(?!/)|\btests\.[a-z_]|-m\s+tests\b"""
    r"""|/tests/|/\s*["']tests["']|\b(python3?|PYTHON"?|bash|sh|exec)\s+["']?tests/"""
)
#: A ``#`` comment: from a ``#`` at the start of a line or after a blank, to the end of the line.
COMMENT = re.compile(r"(^|\s)#(\s.*)?$", re.MULTILINE)


def files_under(*folders: str, suffix: str = "") -> list[Path]:
    paths = []
    for folder in folders:
        for path in sorted((REPO / folder).rglob(f"*{suffix}")):
            parts = path.relative_to(REPO).parts
            if path.is_file() and "__pycache__" not in parts and parts[:2] != ("bench", "out"):
                paths.append(path)
    return paths


def test_nothing_around_the_package_uses_tests_as_code() -> None:
    offenders = []
    scanned = 0
    for path in files_under(*NOT_TESTS):
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue  # not text
        scanned += 1
        for number, line in enumerate(text.splitlines(), 1):
            code = COMMENT.sub("", line)
            if TESTS_AS_CODE.search(code):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []
    assert scanned >= 20 and (REPO / "scripts" / "demo") in files_under("scripts")


def imported_modules(path: Path) -> list[str]:
    """Every module an import statement of ``path`` names (the absolute ones)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def names_package(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def test_no_module_of_harness_or_bench_imports_tests() -> None:
    modules = files_under("harness", "bench", suffix=".py")
    offenders = [
        f"{path.relative_to(REPO)}: {name}"
        for path in modules
        for name in imported_modules(path)
        if names_package(name, "tests")
    ]
    assert offenders == []
    assert REPO / "harness" / "docker_engine.py" in modules and len(modules) >= 10


def test_harness_is_dev_only() -> None:
    """The init never imports harness (it is not in the wheel), and harness needs no pytest."""
    from_init = [
        f"{path.relative_to(REPO)}: {name}"
        for path in files_under("pyinit", suffix=".py")
        for name in imported_modules(path)
        if names_package(name, "harness")
    ]
    pytest_in_harness = [
        f"{path.relative_to(REPO)}: {name}"
        for path in files_under("harness", suffix=".py")
        for name in imported_modules(path)
        if names_package(name, "pytest") or names_package(name, "_pytest")
    ]
    assert from_init == [] and pytest_in_harness == []
    packages = re.search(r"^packages = \[(.*)\]", (REPO / "pyproject.toml").read_text(), re.M)
    assert packages is not None and "pyinit" in packages[1] and "harness" not in packages[1]
    assert "graft harness" in (REPO / "MANIFEST.in").read_text().splitlines()


#: A reference a reader cannot open: this project's own tracker ("issue 9", "see the issue").
_UNOPENABLE = re.compile(r"\b[Ii]ssue \d+\b|\bsee the issue\b|\(item \d+\)")


def test_comments_point_only_at_what_a_reader_can_open() -> None:
    """A file, a test, or an upstream issue by its URL; never "issue 9" of a tracker that
    does not ship with the code."""
    texts = [
        *files_under("pyinit", "tests", "bench", "harness", "packaging", "docs", suffix=".py"),
        *files_under("scripts", "docs", "packaging", suffix=""),
        *REPO.glob("*.md"),
    ]
    offenders = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in texts
        if path.is_file() and path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if _UNOPENABLE.search(line) and "://" not in line
    ]
    assert offenders == []
    assert len(texts) >= 50
