"""Start-up: wall time of INIT -- /bin/true (spawn to reaped) against /bin/true, plain and
as PID 1 of a PID namespace, and python -I -S -c pass / python -c pass with the same
interpreter (the console script's target)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from typing import Any

from bench.harness import EVERY_BUILD, Context, Init, rotated, spawn_wait
from bench.measurements import Measurement
from bench.report import Panel, Table, entry_value, fmt, frozen_names, get, target, xratio
from bench.stats import ratio, summarize

PID1_PREFIX = "as PID 1: "

# Start-up overhead over /bin/true of each frozen build, and of the pip-installed pyinit,
# in the full run of 2026-11-22 02:26 UTC (README.md as of `git show f47468a`), when the
# bootloaders still forked: the frozen builds' targets are "no worse than that", as a
# ratio to pyinit's overhead in the same run so that the machine's speed and load cancel
# out, plus NOISE.
TODAY_OVER_MS = {
    "pyinit": 22.81,
    "pyinit-frozen": 58.72,
    "pyinit-onedir": 28.77,
    "pyinit-static": 110.13,
}
NOISE = 1.10


def run(ctx: Context, inits: list[Init]) -> dict[str, Any]:
    commands: dict[str, list[str]] = {"/bin/true": ["/bin/true"]}
    for init in inits:
        commands[init.name] = [*init.argv, "/bin/true"]
    # The same as PID 1 of a new PID namespace, as in a container (no subreaper set-up).
    pid1 = [shutil.which("unshare") or "unshare", *ctx.userns, "--pid", "--fork"]
    commands[PID1_PREFIX + "/bin/true"] = [*pid1, "/bin/true"]
    for init in inits:
        commands[PID1_PREFIX + init.name] = [*pid1, *init.argv, "/bin/true"]
    py = sys.executable
    commands["python -I -S -c pass"] = [py, "-I", "-S", "-c", "pass"]
    commands["python -c pass"] = [py, "-c", "pass"]
    env = dict(os.environ)
    names = list(commands)
    samples: dict[str, list[float]] = {n: [] for n in names}
    failures: dict[str, int] = {n: 0 for n in names}
    for name in names:  # warm the page cache
        spawn_wait(commands[name], env)
    for rep in range(ctx.plan["startup_reps"]):
        for name in rotated(names, rep):
            ns, code = spawn_wait(commands[name], env)
            if code != 0:
                failures[name] += 1
            samples[name].append(ns / 1e6)
    result: dict[str, Any] = {}
    for name in names:
        entry = summarize(samples[name])
        entry["unit"] = "ms"
        entry["argv"] = commands[name]
        entry["failures"] = failures[name]
        if failures[name]:
            entry["error"] = f"{failures[name]} runs exited non-zero"
        result[name] = entry
    return result


def overhead(su: dict[str, Any], name: str, prefix: str = "") -> float | None:
    """Median of INIT -- /bin/true minus that of /bin/true (ms)."""
    v, base = get(su, prefix + name, "median"), get(su, prefix + "/bin/true", "median")
    return None if v is None or base is None else v - base


def tables(su: dict[str, Any]) -> list[Table]:
    head = ["command", "median ms", "p99 ms", "min ms", "over /bin/true ms", "overhead vs tini"]
    rows = []
    for name, e in su.items():
        prefix = PID1_PREFIX if name.startswith(PID1_PREFIX) else ""
        bare = name[len(prefix) :]
        base = su.get(prefix + "/bin/true", {}).get("median")
        ref = su.get(prefix + "tini", {}).get("median")
        ref_over = None if ref is None or base is None else ref - base
        over = None if base is None or "median" not in e else e["median"] - base
        if bare.startswith(("/", "python")):
            label = name
        else:
            label = f"{prefix}{bare} -- /bin/true"
        if bare.startswith("python"):
            over = None
        rows.append(
            [
                label,
                fmt(e.get("median"), ".2f"),
                fmt(e.get("p99"), ".2f"),
                fmt(e.get("min"), ".2f"),
                fmt(over, ".2f"),
                xratio(over, ref_over) if bare != "/bin/true" and over is not None else "-",
            ]
        )
    n = max((e.get("n", 0) for e in su.values()), default=0)
    return [(f"Start-up, wall time of one run ({n} runs each)", head, rows)]


def targets(su: dict[str, Any], inits: Sequence[dict[str, Any]]) -> list[dict]:
    v = get(su, "pyinit", "median")
    b = get(su, "python -I -S -c pass", "median")
    shown = "n/a" if v is None or b is None else f"{v:.1f} ms = {v / b:.2f} x {b:.1f} ms"
    v1, b1 = get(su, PID1_PREFIX + "pyinit", "median"), get(su, PID1_PREFIX + "/bin/true", "median")
    if v1 is not None and b1 is not None and b:
        shown += f"; as PID 1 {v1 - b1:.1f} ms over unshare = {(v1 - b1) / b:.2f} x"
    out = [
        target(
            "startup",
            "console script start-up <= 2 x python -I -S -c pass",
            v,
            None if b is None else 2 * b,
            shown,
        )
    ]
    pyinit_over = overhead(su, "pyinit")
    for name in frozen_names(inits):
        if name not in TODAY_OVER_MS:
            continue
        today = TODAY_OVER_MS[name] / TODAY_OVER_MS["pyinit"]
        over = overhead(su, name)
        r = ratio(over, pyinit_over)
        shown = "n/a"
        if over is not None and r is not None:
            shown = f"{over:.1f} ms over /bin/true = {r:.2f} x pyinit's {pyinit_over:.1f} ms"
        out.append(
            target(
                f"frozen_startup:{name}",
                f"start-up of {name} no worse than on 2026-11-22 "
                f"({TODAY_OVER_MS[name]:.1f} ms over /bin/true = {today:.2f} x pyinit's): "
                f"<= {today * NOISE:.2f} x pyinit's (+{NOISE - 1:.0%} noise)",
                r,
                today * NOISE,
                shown,
            )
        )
    return out


def as_pid1(su: dict[str, Any], name: str) -> float | None:
    """The chart's second bar: the overhead as PID 1 (0.01 at least: a log scale)."""
    e = su.get(PID1_PREFIX + name, {})
    if "median" not in e:
        return None
    return max(e["median"] - su.get(PID1_PREFIX + "/bin/true", {}).get("median", 0.0), 0.01)


def plain(su: dict[str, Any], name: str) -> float | None:
    base = su.get("/bin/true", {}).get("median", 0.0)
    return entry_value(lambda e: max(e["median"] - base, 0.01))(su, name)


MEASUREMENT = Measurement(
    name="startup",
    position=3,
    phase=1,
    builds=EVERY_BUILD,
    run=run,
    tables=tables,
    panel=Panel(
        "start-up overhead, ms (log)\n(INIT -- /bin/true minus /bin/true)",
        plain,
        as_pid1,
        "as PID 1",
        log=True,
    ),
    targets=targets,
    plan={"startup_reps": (8, 100)},
)
