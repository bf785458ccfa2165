#!/usr/bin/env python3
"""Benchmark pyinit side by side with tini, dumb-init and catatonit.

    python bench/run.py              # full run (about 2-4 minutes on 2 cores)
    python bench/run.py --quick      # a few repetitions of each (CI, < 60 s)
    python bench/run.py --markdown   # also print Markdown tables for the README

Every measurement runs for every init in the same run, interleaved (round-robin
over the inits on every repetition), so background load hits all of them alike.
The tiny C workloads in bench/helpers/ are compiled with gcc into bench/out/bin/.
Results go to OUT/results.json and OUT/results.png (OUT defaults to bench/out/).

The measurements are the modules in bench/measurements/ (see bench/README.md for the
method of each); the frozen builds from scripts/build-binary join those that apply
to them when they exist.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, Python puts bench/ first on the path: put the repository there instead,
# so that `bench` is a package and its modules are not also top-level names.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)
else:
    sys.path.insert(0, str(_HERE.parent))

from bench import harness, report  # noqa: E402
from bench.harness import REFERENCES, BenchError, Context, Pid1Run, Plan  # noqa: E402
from bench.measurements import Measurement, discover  # noqa: E402


def parse_args(argv: list[str] | None, registry: list[Measurement]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Benchmark pyinit against tini, dumb-init and catatonit.",
    )
    p.add_argument("--quick", action="store_true", help="a few repetitions of each (CI)")
    p.add_argument("--out", type=Path, default=harness.DEFAULT_OUT, help="output directory")
    p.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    p.add_argument("--no-install", action="store_true", help="never apt-get missing inits")
    p.add_argument("--no-chart", action="store_true", help="skip the PNG chart")
    p.add_argument(
        "--inits",
        help=f"comma-separated subset: {','.join([*REFERENCES, 'pyinit', *harness.FROZEN_BUILDS])}"
        " (default: all found)",
    )
    p.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="NAME=CMD",
        help="also measure another init, e.g. --extra 'mini=python3 /tmp/mini.py --'",
    )
    p.add_argument(
        "--from-json",
        type=Path,
        metavar="FILE",
        help="do not measure: print the tables (and draw the chart into --out) from FILE",
    )
    p.add_argument(
        "--only", help=f"comma-separated subset of: {','.join(m.name for m in registry)}"
    )
    return p.parse_args(argv)


def rerender(args: argparse.Namespace, registry: list[Measurement]) -> int:
    try:
        res = json.loads(args.from_json.read_text())
        res["targets"] = report.evaluate_targets(res, registry)
    except (OSError, ValueError, KeyError) as exc:
        raise BenchError(f"cannot read {args.from_json}: {exc}") from None
    if not args.no_chart:
        args.out.mkdir(parents=True, exist_ok=True)
        report.draw_chart(res, args.out / "results.png", registry)
    print(report.report(res, args.markdown, registry))
    return 0


def run(args: argparse.Namespace, registry: list[Measurement]) -> int:
    if args.from_json is not None:
        return rerender(args, registry)
    log = harness.log_stderr
    plan = Plan(
        args.quick,
        {key: qf[0 if args.quick else 1] for m in registry for key, qf in m.plan.items()},
    )
    chosen = registry
    if args.only:
        names = [x.strip() for x in args.only.split(",") if x.strip()]
        bad = [x for x in names if x not in {m.name for m in registry}]
        if bad:
            raise BenchError(f"unknown measurement(s): {', '.join(bad)}")
        chosen = [m for m in registry if m.name in names]
    selected = [x.strip() for x in args.inits.split(",")] if args.inits else None
    if sys.platform != "linux":
        raise BenchError("Linux only")
    harness.ensure_tools(selected or REFERENCES, not args.no_install, log)
    helpers = harness.compile_helpers(log)
    inits = harness.discover_inits(selected, args.extra)
    harness.compile_pyinit(log)
    for init in inits:
        harness.sanity_check(init)
        if init.error:
            log(f"leaving out {init.name}: {init.error}")
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    userns = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    t_start = time.monotonic()
    res: dict[str, Any] = {"meta": harness.machine_meta(plan)}
    measurements: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="pyinit-bench-") as tmp:
        ctx = Context(plan, inits, Path(tmp), helpers, log, userns)
        try:
            for meas in sorted(chosen, key=lambda m: m.phase):
                t0 = time.monotonic()
                log(f"measuring {meas.name} ...")
                measurements[meas.name] = meas.run(ctx, ctx.inits_for(meas.builds))
                log(f"  {meas.name} done in {time.monotonic() - t0:.1f} s")
        finally:
            Pid1Run.stop_all()
    res["meta"]["loadavg_end"] = harness.loadavg()
    res["meta"]["duration_s"] = round(time.monotonic() - t_start, 1)
    res["inits"] = [i.as_dict() for i in inits]
    res["measurements"] = measurements
    res["targets"] = report.evaluate_targets(res, registry)
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(res, indent=1) + "\n")
    if not args.no_chart:
        report.draw_chart(res, out_dir / "results.png", registry)
    print(report.report(res, args.markdown, registry))
    print(f"\nwrote {json_path}" + ("" if args.no_chart else f" and {out_dir / 'results.png'}"))
    print(f"total time {res['meta']['duration_s']} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        registry = discover()
        args = parse_args(argv, registry)
        return run(args, registry)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        Pid1Run.stop_all()
        print("bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
