"""Reaping orphans as PID 1: bench/helpers/orphans.c makes N orphans by double fork.

stream: each orphan exits at once (first fork to none left); burst: the orphans wait
until all exist and are released together (release to none left). lag: last exit to
last reap. The frozen builds are not measured here (MEASUREMENT.builds).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from typing import Any

from bench.harness import NOT_FROZEN, Context, Init, rotated
from bench.measurements import Measurement
from bench.report import Panel, Table, entry_value, err_row, fmt, fmt_ratio, get, target, xratio
from bench.stats import summarize
from pyinit.namespace import unshare_command


def run(ctx: Context, inits: list[Init]) -> dict[str, Any]:
    orphans = ctx.helpers["orphans"]
    count = ctx.plan["reap_count"]
    raw: dict[str, dict[str, list[dict[str, float]]]] = {
        i.name: {"stream": [], "burst": []} for i in inits
    }
    errors: dict[str, str] = {}
    for rep in range(ctx.plan["reap_reps"]):
        for mode in ("stream", "burst"):
            for init in rotated(inits, rep):
                if init.name in errors:
                    continue
                cmd = [
                    *unshare_command(),
                    *init.argv,
                    orphans,
                    mode,
                    str(count),
                ]
                try:
                    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
                except subprocess.TimeoutExpired:
                    errors[init.name] = f"{mode} run timed out"
                    continue
                line = next((x for x in res.stdout.splitlines() if x.startswith("{")), "")
                if res.returncode != 0 or not line:
                    tail = (res.stderr.strip().splitlines() or [""])[-1][:200]
                    errors[init.name] = f"{mode} run exited {res.returncode}: {tail}"
                    continue
                raw[init.name][mode].append(json.loads(line))
    result: dict[str, Any] = {}
    for init in inits:
        if init.name in errors:
            result[init.name] = {"error": errors[init.name]}
            continue
        stream, burst = raw[init.name]["stream"], raw[init.name]["burst"]
        result[init.name] = {
            "orphans": count,
            "stream_total_s": summarize([r["reaped_s"] for r in stream]),
            "stream_lag_ms": summarize([r["lag_ms"] for r in stream]),
            "burst_reaped_ms": summarize([r["reaped_s"] * 1000 for r in burst]),
            "burst_exit_ms": summarize([r["exit_s"] * 1000 for r in burst]),
            "burst_lag_ms": summarize([r["lag_ms"] for r in burst]),
            "runs": {"stream": stream, "burst": burst},
        }
    return result


def tables(rp: dict[str, Any]) -> list[Table]:
    t = rp.get("tini", {})
    ref_total = t.get("stream_total_s", {}).get("median")
    ref_burst = t.get("burst_reaped_ms", {}).get("median")
    head = [
        "init",
        "stream total s",
        "stream lag ms (max)",
        "burst reaped ms (max)",
        "burst lag ms",
        "total vs tini",
        "burst vs tini",
    ]
    rows = []
    count = 0
    for name, e in rp.items():
        if "error" in e:
            rows.append(err_row(name, e))
            continue
        count = e["orphans"]
        st, sl = e["stream_total_s"], e["stream_lag_ms"]
        br, bl = e["burst_reaped_ms"], e["burst_lag_ms"]
        rows.append(
            [
                name,
                fmt(st["median"], ".3f"),
                f"{fmt(sl['median'], '.2f')} ({fmt(sl['max'], '.2f')})",
                f"{fmt(br['median'])} ({fmt(br['max'])})",
                fmt(bl["median"], ".2f"),
                xratio(st["median"], ref_total),
                xratio(br["median"], ref_burst),
            ]
        )
    return [(f"Reaping {count} orphans as PID 1 (medians)", head, rows)]


def targets(rp: dict[str, Any], inits: Sequence[dict[str, Any]]) -> list[dict]:
    out = []
    for key, field, unit, what in (
        ("reaping_total", "stream_total_s", "s", "reaping total (stream)"),
        ("reaping_burst", "burst_reaped_ms", "ms", "reaping burst (release -> none left)"),
    ):
        text = f"{what} <= 1.3 x tini"
        v, t = get(rp, "pyinit", field, "median"), get(rp, "tini", field, "median")
        out.append(target(key, text, v, None if t is None else 1.3 * t, fmt_ratio(v, t, unit)))
    return out


MEASUREMENT = Measurement(
    name="reaping",
    position=2,
    phase=5,
    builds=NOT_FROZEN,
    run=run,
    tables=tables,
    panel=Panel(
        "reaping a burst of orphans, ms\n(release -> none left)",
        entry_value(lambda e: e["burst_reaped_ms"]["median"]),
        entry_value(lambda e: e["burst_reaped_ms"]["max"]),
        "max",
    ),
    targets=targets,
    plan={"reap_reps": (1, 5), "reap_count": (1000, 3000)},
)
