"""Signal forwarding latency: kill(init, SIGUSR1) -> the child's handler runs.

All inits run side by side, each with bench/helpers/latchild.c, which stamps
CLOCK_MONOTONIC in its handler and writes the stamp to a FIFO; one signal to each init
per round. "(direct)" is the same child signalled with no init in between.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench.harness import EVERY_BUILD, Context, Fifo, Init, Pid1Run, rotated
from bench.measurements import Measurement
from bench.report import (
    Panel,
    Table,
    entry_value,
    fmt,
    fmt_ratio,
    frozen_names,
    get,
    rows_of,
    target,
    xratio,
)
from bench.stats import summarize

# A frozen build whose bootloader execs pyinit (no process in between to forward the signal
# once more) forwards about as fast as the pip-installed pyinit: the frozen builds' target.
FROZEN_VS_PYINIT = 1.15


def run(ctx: Context, inits: list[Init]) -> dict[str, Any]:
    """Round-robin: one SIGUSR1 to each init (all running side by side) per repetition."""
    latchild = ctx.helpers["latchild"]
    targets: list[tuple[str, int, Fifo]] = []  # name, pid to signal, fifo
    runs: list[Pid1Run] = []
    direct: subprocess.Popen[bytes] | None = None
    errors: dict[str, str] = {}
    try:
        for init in inits:
            fifo = Fifo(ctx.tmp / f"lat-{init.name}")
            run = Pid1Run(ctx, init, [latchild, str(fifo.path)])
            runs.append(run)
            if fifo.read_exact(8, 15) is None:
                errors[init.name] = f"workload not ready ({run.stderr_tail()})"
                continue
            targets.append((init.name, run.pid(), fifo))
        # Baseline: the same child signalled directly, no init in between.
        fifo = Fifo(ctx.tmp / "lat-direct")
        direct = subprocess.Popen([latchild, str(fifo.path)], stdin=subprocess.DEVNULL)
        if fifo.read_exact(8, 15) is not None:
            targets.append(("(direct)", direct.pid, fifo))
        time.sleep(0.2)
        samples: dict[str, list[float]] = {name: [] for name, _, _ in targets}
        lost: dict[str, int] = {name: 0 for name, _, _ in targets}
        for rep in range(ctx.plan["latency_signals"]):
            for name, pid, fifo in rotated(targets, rep):
                if name in errors:
                    continue
                sent = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
                try:
                    os.kill(pid, signal.SIGUSR1)
                except ProcessLookupError:
                    errors[name] = "the init exited"
                    continue
                data = fifo.read_exact(8, 1.0)
                if data is None:
                    lost[name] += 1
                    if lost[name] >= 3 and not samples[name]:
                        errors[name] = f"SIGUSR1 not forwarded: {lost[name]} of {lost[name]} lost"
                    continue
                got = int.from_bytes(data, sys.byteorder, signed=True)
                samples[name].append((got - sent) / 1000.0)
            time.sleep(0.0005)
    finally:
        for run in runs:
            run.stop()
        if direct is not None:
            direct.kill()
            direct.wait()
    result: dict[str, Any] = {}
    for name, values in samples.items():
        entry = summarize(values)
        if not values:
            entry["error"] = "no signal arrived"
        entry["unit"] = "us"
        entry["lost"] = lost[name]
        result[name] = entry
    for name, err in errors.items():
        result[name] = {"error": err}
    return result


def tables(lat: dict[str, Any]) -> list[Table]:
    ref = lat.get("tini", {}).get("median")
    head = ["init", "median us", "p99 us", "min us", "max us", "lost", "median vs tini"]
    rows = rows_of(
        lat,
        lambda e: [
            *(fmt(e[key]) for key in ("median", "p99", "min", "max")),
            str(e["lost"]),
            xratio(e["median"], ref),
        ],
    )
    n = max((e.get("n", 0) for e in lat.values()), default=0)
    return [(f"Signal forwarding latency, kill -> child handler ({n} signals)", head, rows)]


def targets(lat: dict[str, Any], inits: Sequence[dict[str, Any]]) -> list[dict]:
    v, t = get(lat, "pyinit", "median"), get(lat, "tini", "median")
    out = [
        target(
            "latency",
            "forwarding latency median <= 1.5 x tini",
            v,
            None if t is None else 1.5 * t,
            fmt_ratio(v, t, "us"),
        )
    ]
    for name in frozen_names(inits):
        f = get(lat, name, "median")
        out.append(
            target(
                f"frozen_latency:{name}",
                f"forwarding latency median of {name} <= {FROZEN_VS_PYINIT} x pyinit",
                f,
                None if v is None else FROZEN_VS_PYINIT * v,
                fmt_ratio(f, v, "us", "pyinit"),
            )
        )
    return out


MEASUREMENT = Measurement(
    name="latency",
    position=1,
    phase=2,
    builds=EVERY_BUILD,
    run=run,
    tables=tables,
    panel=Panel(
        "signal forwarding latency, us (log)",
        entry_value(lambda e: e["median"]),
        entry_value(lambda e: e["p99"]),
        "p99",
        log=True,
    ),
    targets=targets,
    plan={"latency_signals": (60, 500)},
)
