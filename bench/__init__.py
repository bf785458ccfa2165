"""pyinit's benchmarks: `python bench/run.py` runs them (see bench/README.md).

harness.py runs inits and reads /proc, stats.py summarises samples, report.py prints the
tables, the targets and the chart, and measurements/ holds one module per measurement.
"""
