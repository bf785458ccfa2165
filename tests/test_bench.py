"""The benchmark's quick mode runs end to end and reports every init and measurement.

Numbers are not asserted (the machine is shared); what is asserted is that every
init took part in every measurement without an error, and the behaviour the
benchmark checks on the way: the storm is survived and the last signal of each
kind still arrives.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "bench" / "run.py"
REFERENCES = ("tini", "dumb-init", "catatonit")
sys.path.insert(0, str(REPO))
try:
    from bench.measurements import discover
finally:
    sys.path.remove(str(REPO))
REGISTRY = discover()  # bench/measurements/*.py
ALL = tuple(m.name for m in REGISTRY)
FROZEN = tuple(m.name for m in REGISTRY if "frozen" in m.builds)

needs = pytest.mark.skipif(
    shutil.which("gcc") is None
    or shutil.which("unshare") is None
    or any(shutil.which(r) is None for r in REFERENCES)
    or os.geteuid() != 0,
    reason="needs gcc, unshare, tini, dumb-init, catatonit and root",
)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--no-install", "--markdown", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,  # ~20 s idle, ~55 s on a loaded 2-core machine
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc, json.loads((out / "results.json").read_text()), out


@needs
@pytest.mark.timeout(360)
def test_quick_mode_covers_every_init_and_measurement(quick):
    proc, res, out = quick
    inits = {i["name"]: i for i in res["inits"]}
    assert {*REFERENCES, "pyinit"} <= set(inits)
    for name, init in inits.items():
        assert init["error"] == "", f"{name} left out: {init['error']}"
    assert set(res["measurements"]) == set(ALL)
    for name, init in inits.items():
        wanted = FROZEN if init["kind"] == "frozen" else ALL
        for m in wanted:
            entry = res["measurements"][m].get(name)
            assert entry is not None, f"{m}: no result for {name}"
            if init["kind"] == "frozen" and "error" in entry:
                continue  # a frozen build's bug is reported, not the benchmark's
            assert "error" not in entry, f"{m}/{name}: {entry['error']}"
    lat = res["measurements"]["latency"]
    for name in (*REFERENCES, "pyinit"):
        assert lat[name]["n"] >= 20 and lat[name]["median"] > 0
    assert "(direct)" in lat  # the no-init baseline
    startup = res["measurements"]["startup"]
    for key in ("/bin/true", "python -I -S -c pass", "pyinit", "as PID 1: pyinit"):
        assert startup[key]["median"] > 0 and startup[key]["failures"] == 0
    reap = res["measurements"]["reaping"]
    for name in (*REFERENCES, "pyinit"):
        assert reap[name]["stream_total_s"]["n"] >= 1
        assert reap[name]["burst_reaped_ms"]["median"] > 0
    assert res["measurements"]["idle"]["tini"]["context_switches"] >= 1  # tini's 1 s tick


@needs
@pytest.mark.timeout(360)
def test_quick_mode_storm_and_outputs(quick):
    proc, res, out = quick
    for name in (*REFERENCES, "pyinit"):
        storm = res["measurements"]["storm"][name]
        assert storm["survived"], name
        assert storm["markers_ok"], f"{name}: {storm['runs']}"
    targets = {t["target"]: t for t in res["targets"]}
    frozen = [i["name"] for i in res["inits"] if i["kind"] == "frozen" and not i["error"]]
    # frozen target -> the measurement it reads
    reads = {"latency": "latency", "startup": "startup", "processes": "memory", "memory": "memory"}
    assert set(targets) >= {  # a new measurement may add its own
        "latency",
        "reaping_total",
        "reaping_burst",
        "idle",
        "startup",
        "memory",
        *(f"frozen_{kind}:{name}" for kind in reads for name in frozen),
    }
    for key, t in targets.items():
        kind, _, name = key.partition(":")
        section = reads.get(kind.removeprefix("frozen_")) if name else None
        entry = res["measurements"][section][name] if section else {}
        if "error" not in entry:  # a frozen build's bug is reported, not the benchmark's
            assert t["met"] in (True, False), key
    assert (out / "results.png").stat().st_size > 10_000
    assert "pyinit targets" in proc.stdout
    assert "| init | median us |" in proc.stdout  # the Markdown table for the README


@needs
@pytest.mark.timeout(360)
def test_rerender_from_json_gives_the_same_report_and_chart(quick, tmp_path):
    proc, res, out = quick
    again = subprocess.run(
        [sys.executable, str(RUN), "--from-json", str(out / "results.json"), "--markdown"]
        + ["--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.strip() == proc.stdout.split("\nwrote ")[0].strip()
    assert (tmp_path / "results.png").read_bytes() == (out / "results.png").read_bytes()


def test_every_measurement_module_is_registered_in_report_order():
    modules = sorted(p.stem for p in (REPO / "bench" / "measurements").glob("[!_]*.py"))
    assert sorted(ALL) == modules
    six = ["latency", "reaping", "startup", "memory", "idle", "storm"]
    assert [name for name in ALL if name in six] == six  # the report's order
    assert {"latency", "startup", "memory", "idle"} <= set(FROZEN)


def test_bad_option_is_one_line_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(RUN), "--only", "nonsense", "--no-install", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("bench: error: unknown measurement")
    assert "Traceback" not in proc.stderr
