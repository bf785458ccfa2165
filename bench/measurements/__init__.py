"""The measurements: one module each, found by discover().

A module here declares `MEASUREMENT = Measurement(...)`: its name, the builds it applies
to, how it runs, its table(s), its chart panel and its targets. Adding a benchmark is
adding a module named after it; modules whose name starts with "_" are not measurements.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

from bench.harness import BenchError, Context, Init
from bench.report import Panel, Table


def no_targets(section: dict[str, Any], inits: Sequence[dict[str, Any]]) -> list[dict]:
    return []


@dataclass(frozen=True)
class Measurement:
    name: str  # its key in results.json and in --only
    position: int  # its number in the report: tables, chart panels and targets in this order
    phase: int  # when it runs in a run, lower first (start-up first, on a machine at rest)
    builds: frozenset[str]  # kinds of init it applies to (harness.EVERY_BUILD, NOT_FROZEN)
    # (context, the inits it applies to) -> results.json's section: init name -> entry
    run: Callable[[Context, list[Init]], dict[str, Any]]
    tables: Callable[[dict[str, Any]], list[Table]]  # section -> its tables
    panel: Panel | None = None
    # (section, results.json's inits) -> report.target() records
    targets: Callable[[dict[str, Any], Sequence[dict[str, Any]]], list[dict]] = no_targets
    # how much of it to do: plan key -> (quick value, full value); read as ctx.plan[key]
    plan: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def discover() -> list[Measurement]:
    """Every measurement module in this package, in report order."""
    found: list[Measurement] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        meas = getattr(module, "MEASUREMENT", None)
        if not isinstance(meas, Measurement):
            raise BenchError(f"bench/measurements/{info.name}.py declares no MEASUREMENT")
        if meas.name != info.name:
            raise BenchError(f"bench/measurements/{info.name}.py: its MEASUREMENT is {meas.name!r}")
        found.append(meas)
    seen = [m.position for m in found]
    twice = sorted({str(v) for v in seen if seen.count(v) > 1})
    if twice:
        raise BenchError(f"two measurements at the same position: {', '.join(twice)}")
    return sorted(found, key=lambda m: m.position)
