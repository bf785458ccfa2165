"""Idle wake-ups: voluntary + involuntary context switches of all the init's threads over
a window while it supervises sleep as PID 1 (tini's sigtimedwait times out once a second).
The same run as memory's (harness.supervise_sleep)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.harness import EVERY_BUILD, Context, Init, SleepWatch, supervise_sleep
from bench.measurements import Measurement
from bench.report import Panel, Table, entry_value, err_row, fmt, get, target


def run(ctx: Context, inits: list[Init]) -> dict[str, Any]:
    watches = supervise_sleep(ctx, inits, ctx.plan["idle_settle_s"], ctx.plan["idle_window_s"])
    idle: dict[str, Any] = {}
    for name, w in watches.items():
        if not isinstance(w, SleepWatch):
            idle[name] = {"error": w}
            continue
        idle[name] = {
            "window_s": round(w.window_s, 3),
            "context_switches": w.switches,
            "per_s": w.switches / w.window_s,
            "processes": len(w.processes),
        }
    return idle


def tables(idle: dict[str, Any]) -> list[Table]:
    head = ["init", "context switches", "per second"]
    rows = []
    window = 0.0
    for name, e in idle.items():
        if "error" in e:
            rows.append(err_row(name, e))
            continue
        window = e["window_s"]
        rows.append([name, str(e["context_switches"]), fmt(e["per_s"], ".2f")])
    return [(f"Idle wake-ups over {window:.1f} s", head, rows)]


def targets(idle: dict[str, Any], inits: Sequence[dict[str, Any]]) -> list[dict]:
    v = get(idle, "pyinit", "context_switches")
    return [target("idle", "zero idle wake-ups", v, 0, "n/a" if v is None else f"{v:.0f} switches")]


MEASUREMENT = Measurement(
    name="idle",
    position=5,
    phase=4,
    builds=EVERY_BUILD,
    run=run,
    tables=tables,
    panel=Panel("idle wake-ups per second", entry_value(lambda e: e["per_s"])),
    targets=targets,
    plan={"idle_settle_s": (0.5, 1.0), "idle_window_s": (2.0, 10.0)},
)
