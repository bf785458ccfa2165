"""The ways pyinit ships, as the behaviour tests start it.

Each behaviour file (test_forwarding.py, test_reaping.py, ...) takes the ``launch`` fixture
(tests/conftest.py), so each of its tests runs once per artifact: ``python -m pyinit``, the
console script pip installs, and the frozen builds of scripts/build-binary, dist/pyinit and
dist/pyinit-static (dumb-init's tests run each behaviour in every mode the same way).

A frozen build that is missing, or older than the sources, is unavailable: skipped with the
reason, or failed where PYINIT_FROZEN_TESTS=require (scripts/test);
PYINIT_TEST_STALE_BINARY=1 runs a stale one anyway.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tests.support import Running, children, has_patched_bootloader, wait_for

REPO = Path(__file__).resolve().parent.parent
DIST = REPO / "dist"
#: What the frozen builds are made of: a binary older than any of these is stale.
SOURCES = [*REPO.glob("pyinit/*.py"), *REPO.glob("packaging/*"), *REPO.glob("packaging/*/*")]


@dataclass(frozen=True)
class Artifact:
    name: str
    argv: tuple[str, ...]  # what starts pyinit
    frozen: bool = False

    def unavailable(self) -> str | None:
        """Why this artifact cannot be tested here, or None."""
        path = Path(self.argv[0])
        if not self.frozen:
            return None if path.exists() else f"{path} is missing (pip install -e .)"
        shown = path.relative_to(REPO)
        if not path.exists():
            return f"{shown} is not built: run scripts/build-binary --all"
        built = path.stat().st_mtime
        newer = [source for source in SOURCES if source.stat().st_mtime > built]
        if newer and os.environ.get("PYINIT_TEST_STALE_BINARY") != "1":
            return f"{shown} is older than {newer[0].relative_to(REPO)}: run scripts/build-binary"
        return None

    @classmethod
    def of(cls, binary: Path) -> Artifact:
        """A frozen build at ``binary`` (a variant: onedir, a patched copy, ...)."""
        return cls(binary.name, (str(binary),), frozen=True)

    @property
    def in_place(self) -> bool:
        """Is pyinit itself the process started? The patched bootloaders exec it in place;
        a stock one (build-binary's fallback) forks it and stays in front (docs/FROZEN.md)."""
        return not self.frozen or _patched(Path(self.argv[0]))


@functools.cache
def _patched(binary: Path) -> bool:
    return has_patched_bootloader(binary)


ARTIFACTS = {
    artifact.name: artifact
    for artifact in (
        Artifact("module", (sys.executable, "-m", "pyinit")),
        Artifact("script", (str(Path(sys.executable).parent / "pyinit"),)),
        Artifact("onefile", (str(DIST / "pyinit"),), frozen=True),
        Artifact("static", (str(DIST / "pyinit-static"),), frozen=True),
    )
}


class Launched(Running):
    """``[WRAPPER...] ARTIFACT ARGS``, as PID 1 of a new PID namespace unless pid1=False.

    ``pid`` is pyinit's host pid (with a stock bootloader, the bootloader's child) and
    ``child()`` pyinit's child.
    """

    def __init__(
        self,
        artifact: Artifact,
        args: list[str],
        pid1: bool = True,
        wrapper: tuple[str, ...] = (),
        **popen: object,
    ) -> None:
        self.artifact = artifact
        super().__init__([*wrapper, *artifact.argv, *args], pid1=pid1, **popen)

    @property
    def front(self) -> int:
        """The process started (PID 1 in a namespace): a stock bootloader stands there in
        front of pyinit."""
        return super().pid

    @property
    def pid(self) -> int:
        """pyinit's pid: the process started, or a stock bootloader's child."""
        started = self.front
        if self.artifact.in_place:
            return started
        return wait_for(lambda: children(started)[:1], what="the bootloader's child")[0]


L = TypeVar("L", bound=Launched)


class Launcher:
    """What one test started, killed at its end. A frozen build unpacks into a TMPDIR under
    the test's tmp_path: what a killed one leaves behind (~7.5 MB) goes with pytest's old
    temporary folders, not into /tmp."""

    def __init__(self, tmp_path: Path) -> None:
        self.unpack = tmp_path / "unpack"
        self.unpack.mkdir()
        self.started: list[Launched] = []

    def start(self, artifact: Artifact, *args: str, kind: type[L] = Launched, **popen: Any) -> L:
        if artifact.frozen:  # a TMPDIR the caller sets wins
            given, unpack = popen.get("env"), str(self.unpack)
            popen["env"] = (
                {"TMPDIR": unpack, **given} if given else {**os.environ, "TMPDIR": unpack}
            )
        launched = kind(artifact, list(args), **popen)
        self.started.append(launched)
        return launched

    def close(self) -> None:
        for launched in self.started:
            launched.close()
