"""Signal storm: N signals cycling through HUP, USR1, USR2, ALRM, WINCH, RTMIN, RTMIN+1,
RTMIN+2 and RTMAX, sent by bench/helpers/storm.c as fast as kill(2) goes, to the init
supervising bench/helpers/sigrecord.c. Then: the init drained, is alive, its RSS did not
grow, and one marker of each kind, sent after the drain, arrives."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import time
from typing import Any

from bench.harness import (
    NOT_FROZEN,
    BenchError,
    Context,
    Fifo,
    Init,
    Pid1Run,
    alive,
    init_tree,
    memory_kb,
    pending_signals,
    rotated,
)
from bench.measurements import Measurement
from bench.report import Panel, Table, entry_value, err_row, fmt

STORM_SIGNALS: tuple[int, ...] = (
    int(signal.SIGHUP),
    int(signal.SIGUSR1),
    int(signal.SIGUSR2),
    int(signal.SIGALRM),
    int(signal.SIGWINCH),
    int(signal.SIGRTMIN),
    int(signal.SIGRTMIN) + 1,
    int(signal.SIGRTMIN) + 2,
    int(signal.SIGRTMAX),
)


def signame(s: int) -> str:
    return signal.Signals(s).name if s < 32 else f"RT{s}"


def storm_once(ctx: Context, init: Init, rep: int) -> dict[str, Any]:
    sigs = [str(s) for s in STORM_SIGNALS]
    out = Fifo(ctx.tmp / f"storm-{init.name}-{rep}.out")
    ctl_path = ctx.tmp / f"storm-{init.name}-{rep}.ctl"
    os.mkfifo(ctl_path)
    run = Pid1Run(ctx, init, [ctx.helpers["sigrecord"], str(ctl_path), str(out.path), *sigs])
    ctl = -1
    try:
        if out.read_line(15) != "ready":
            return {"error": f"workload not ready ({run.stderr_tail()})"}
        ctl = os.open(ctl_path, os.O_WRONLY)

        def ask(cmd: str) -> dict[int, int]:
            os.write(ctl, cmd.encode() + b"\n")
            line = out.read_line(10)
            if line is None:
                raise BenchError(f"{init.name}: storm workload stopped answering")
            return {int(k): int(v) for k, v in (p.split(":") for p in line.split()[1:])}

        pid = run.pid()
        mine, _ = init_tree(pid, [ctx.helpers["sigrecord"]])
        time.sleep(0.3)
        mem_before = memory_kb(mine)
        n = ctx.plan["storm_signals"]
        res = subprocess.run(
            [ctx.helpers["storm"], str(pid), str(n), *sigs],
            capture_output=True,
            text=True,
            timeout=300,
        )
        fields = dict(p.split("=") for p in res.stdout.split())
        t_sent = time.monotonic()
        # drained: the init has nothing pending and the child's counts are stable
        counts = ask("c")
        stable_since = time.monotonic()
        deadline = t_sent + 60
        while time.monotonic() < deadline and alive(pid):
            time.sleep(0.01)
            now_counts = ask("c")
            if now_counts != counts or pending_signals(mine):
                counts, stable_since = now_counts, time.monotonic()
            elif time.monotonic() - stable_since >= 0.2:
                break
        drain_s = stable_since - t_sent
        survived = alive(pid) and all(alive(p) for p in mine)
        mem_after = memory_kb(mine) if survived else {"rss_kb": 0, "pss_kb": 0, "uss_kb": 0}
        # markers: one fresh signal of each kind after the storm, each must arrive
        missing: list[int] = list(STORM_SIGNALS)
        if survived:
            ask("r")
            for s in STORM_SIGNALS:
                os.kill(pid, s)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                seen = ask("s")
                missing = [s for s in STORM_SIGNALS if not seen.get(s)]
                if not missing:
                    break
                time.sleep(0.02)
        sent = int(fields.get("sent", 0))
        rt = [s for s in STORM_SIGNALS if s >= int(signal.SIGRTMIN)]
        per_kind_sent = {s: 0 for s in STORM_SIGNALS}
        for i, s in enumerate(STORM_SIGNALS):
            per_kind_sent[s] = n // len(STORM_SIGNALS) + (1 if i < n % len(STORM_SIGNALS) else 0)
        rt_sent = sum(per_kind_sent[s] for s in rt)
        rt_got = sum(counts.get(s, 0) for s in rt)
        return {
            "signals": n,
            "sent": sent,
            "eagain": int(fields.get("eagain", 0)),
            "send_s": float(fields.get("elapsed_s", "nan")),
            "storm_exit": res.returncode,
            "drain_s": round(drain_s, 4),
            "received": {signame(s): counts.get(s, 0) for s in STORM_SIGNALS},
            "rt_delivered_pct": 100.0 * rt_got / rt_sent if rt_sent else None,
            "rss_before_kb": mem_before["rss_kb"],
            "rss_after_kb": mem_after["rss_kb"],
            "rss_growth_kb": mem_after["rss_kb"] - mem_before["rss_kb"],
            "survived": survived,
            "markers_missing": [signame(s) for s in missing],
            "markers_ok": survived and not missing,
        }
    finally:
        if ctl >= 0:
            os.close(ctl)
        out.close()
        run.stop()


def run(ctx: Context, inits: list[Init]) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {i.name: [] for i in inits}
    for rep in range(ctx.plan["storm_reps"]):
        for init in rotated(inits, rep):
            try:
                runs[init.name].append(storm_once(ctx, init, rep))
            except (BenchError, OSError, subprocess.TimeoutExpired) as exc:
                runs[init.name].append({"error": str(exc)})
    result: dict[str, Any] = {}
    for name, reps in runs.items():
        errs = [r["error"] for r in reps if "error" in r]
        good = [r for r in reps if "error" not in r]
        if errs and not good:
            result[name] = {"error": errs[0], "runs": reps}
            continue
        result[name] = {
            "signals": ctx.plan["storm_signals"],
            "repetitions": len(reps),
            "survived": all(r["survived"] for r in good) and not errs,
            "markers_ok": all(r["markers_ok"] for r in good) and not errs,
            "rss_growth_kb_max": max(r["rss_growth_kb"] for r in good),
            "rss_before_kb": good[0]["rss_before_kb"],
            "send_s_median": statistics.median(r["send_s"] for r in good),
            "drain_s_median": statistics.median(r["drain_s"] for r in good),
            "eagain_max": max(r["eagain"] for r in good),
            "rt_delivered_pct_min": min(
                (r["rt_delivered_pct"] for r in good if r["rt_delivered_pct"] is not None),
                default=None,
            ),
            "runs": reps,
        }
        if errs:
            result[name]["error"] = errs[0]
    return result


def tables(sm: dict[str, Any]) -> list[Table]:
    head = [
        "init",
        "survived",
        "last of each kind",
        "RSS growth KB",
        "send s",
        "drain s",
        "RT delivered %",
    ]
    rows = []
    n = 0
    for name, e in sm.items():
        if "error" in e and "survived" not in e:
            rows.append(err_row(name, e))
            continue
        n = e["signals"]
        rows.append(
            [
                name,
                fmt(e["survived"]),
                fmt(e["markers_ok"]),
                str(e["rss_growth_kb_max"]),
                fmt(e["send_s_median"], ".3f"),
                fmt(e["drain_s_median"], ".3f"),
                fmt(e["rt_delivered_pct_min"], ".1f"),
            ]
        )
    return [(f"Signal storm, {n} mixed signals (worst of repetitions)", head, rows)]


MEASUREMENT = Measurement(
    name="storm",
    position=6,
    phase=6,
    builds=NOT_FROZEN,
    run=run,
    tables=tables,
    panel=Panel(
        "signal storm: seconds to send, to drain",
        entry_value(lambda e: e["send_s_median"]),
        entry_value(lambda e: e["drain_s_median"]),
        "drain",
    ),
    plan={"storm_signals": (5000, 100_000), "storm_reps": (1, 3)},
)
