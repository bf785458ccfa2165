"""Markers for what a test needs beyond Python, so the pure suite can be selected.

``-m "not frozen and not container"`` runs every test that needs neither the frozen
binaries (scripts/build-binary) nor a container engine: scripts/test runs that subset on
each supported Python. Modules or tests that need more say so here or with a marker.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.artifacts import ARTIFACTS, Artifact, Launched, Launcher
from tests.support import unavailable

#: Test modules whose every test needs the frozen binaries in dist/.
_FROZEN_MODULES = {"test_frozen.py", "test_containers.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # Every container test runs dist/pyinit inside its container.
        if item.path.name in _FROZEN_MODULES or item.get_closest_marker("container"):
            item.add_marker(pytest.mark.frozen)


def pytest_configure(config: pytest.Config) -> None:
    # A shell without job control starts a background command with SIGINT and SIGQUIT
    # ignored (POSIX, "Asynchronous Lists"; scripts/test runs the matrix that way), and an
    # ignored signal stays ignored across exec: every pyinit the tests start, and its child,
    # would inherit it. Start from what a terminal gives, the defaults.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGQUIT) == signal.SIG_IGN:
        signal.signal(signal.SIGQUIT, signal.SIG_DFL)


@pytest.fixture(
    params=[
        pytest.param(name, marks=[pytest.mark.frozen] if artifact.frozen else [])
        for name, artifact in ARTIFACTS.items()
    ]
)
def artifact(request: pytest.FixtureRequest) -> Artifact:
    """Each way pyinit ships (tests/artifacts.py), in turn."""
    artifact = ARTIFACTS[request.param]
    reason = artifact.unavailable()
    if reason:
        unavailable(reason)
    if artifact.name == "static" and not artifact.in_place:
        unavailable(
            "dist/pyinit-static has staticx's stock bootloader in front, which forwards only "
            "TERM and INT (test_frozen.py::test_stock_static_build_forwards_only_term_and_int)"
        )
    in_place = request.node.get_closest_marker("in_place")
    if in_place and not artifact.in_place:
        unavailable(f"{artifact.argv[0]} has a stock bootloader in front: {in_place.args[0]}")
    return artifact


Launch = Callable[..., Launched]


@pytest.fixture
def launch(artifact: Artifact, tmp_path: Path) -> Iterator[Launch]:
    """``launch(*ARGS, pid1=True, wrapper=(), **popen)`` starts ``ARTIFACT ARGS`` (as PID 1
    of a new PID namespace unless pid1=False) for each artifact in turn, and kills what is
    left at the end (tests/artifacts.py)."""
    launcher = Launcher(tmp_path)
    yield functools.partial(launcher.start, artifact)
    launcher.close()
