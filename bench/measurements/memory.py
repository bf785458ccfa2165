"""Memory: RSS (from /proc/PID/status), PSS and USS (from smaps_rollup) summed over the
init's own processes while it supervises sleep as PID 1 (a bootloader included, sleep
excluded), the maximum of three snapshots during idle's window: one run serves both
(harness.supervise_sleep, with idle's plan values)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.harness import EVERY_BUILD, Context, Init, SleepWatch, supervise_sleep
from bench.measurements import Measurement
from bench.report import Panel, Table, entry_value, frozen_names, get, rows_of, target, xratio

# The frozen builds' targets: once the bootloaders exec pyinit instead of forking and
# waiting, `INIT -- sleep` is two processes, and little more memory than the pip-installed
# pyinit (the frozen interpreter's own libraries).
FROZEN_PROCESSES = 2
FROZEN_EXTRA_KB = 1024


def run(ctx: Context, inits: list[Init]) -> dict[str, Any]:
    watches = supervise_sleep(ctx, inits, ctx.plan["idle_settle_s"], ctx.plan["idle_window_s"])
    memory: dict[str, Any] = {}
    for name, w in watches.items():
        if not isinstance(w, SleepWatch):
            memory[name] = {"error": w}
            continue
        memory[name] = {
            "processes": len(w.processes),
            "workload_processes": len(w.workload),
            "rss_kb": max(s["rss_kb"] for s in w.snapshots),
            "pss_kb": max(s["pss_kb"] for s in w.snapshots),
            "uss_kb": max(s["uss_kb"] for s in w.snapshots),
            "snapshots": w.snapshots,
        }
    return memory


def tables(mem: dict[str, Any]) -> list[Table]:
    ref = mem.get("tini", {}).get("rss_kb")
    head = ["init", "processes", "RSS KB", "PSS KB", "USS KB", "RSS vs tini"]
    rows = rows_of(
        mem,
        lambda e: [
            *(str(e[key]) for key in ("processes", "rss_kb", "pss_kb", "uss_kb")),
            xratio(e["rss_kb"], ref),
        ],
    )
    return [("Memory of the init while it supervises sleep", head, rows)]


def targets(mem: dict[str, Any], inits: Sequence[dict[str, Any]]) -> list[dict]:
    v = get(mem, "pyinit", "rss_kb")
    out = [
        target(
            "memory",
            "RSS of the pip-installed init <= 10 MB",
            v,
            10 * 1024,
            "n/a" if v is None else f"{v / 1024:.1f} MB RSS",
        )
    ]
    for name in frozen_names(inits):
        own = get(mem, name, "processes")
        # results.json files from before "workload_processes" was recorded: one sleep
        tree = None if own is None else own + mem[name].get("workload_processes", 1)
        out.append(
            target(
                f"frozen_processes:{name}",
                f"processes for `{name} -- sleep` <= {FROZEN_PROCESSES} (pyinit + sleep)",
                tree,
                FROZEN_PROCESSES,
                "n/a" if tree is None else f"{tree}: {own} of the init's + sleep",
            )
        )
        f = get(mem, name, "rss_kb")
        shown = "n/a"
        if f is not None and v is not None:
            shown = f"{f / 1024:.1f} MB = pyinit's {v / 1024:.1f} MB {(f - v) / 1024:+.1f} MB"
        out.append(
            target(
                f"frozen_memory:{name}",
                f"RSS of {name} <= pyinit's + {FROZEN_EXTRA_KB // 1024} MB",
                f,
                None if v is None else v + FROZEN_EXTRA_KB,
                shown,
            )
        )
    return out


MEASUREMENT = Measurement(
    name="memory",
    position=4,
    phase=3,
    builds=EVERY_BUILD,
    run=run,
    tables=tables,
    panel=Panel(
        "memory of the init, MB",
        entry_value(lambda e: e["rss_kb"] / 1024),
        entry_value(lambda e: e["pss_kb"] / 1024),
        "PSS",
    ),
    targets=targets,
)
