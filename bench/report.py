"""The report of a run: text and Markdown tables, the targets, the chart.

What goes into a table, a target or a chart panel is each measurement's own
(bench/measurements/); this module lays them out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from bench.stats import ratio

if TYPE_CHECKING:
    from bench.measurements import Measurement

# (title without its number, column heads, rows); a row of two cells is an init's error
Table = tuple[str, list[str], list[list[str]]]
# a section's value for one init in a chart panel: (section, init name) -> value or None
Value = Callable[[dict[str, Any], str], "float | None"]


@dataclass(frozen=True)
class Panel:
    """A measurement's panel in the chart: a bar per init, and a second, hatched bar
    per init when `second` is given."""

    title: str
    main: Value
    second: Value | None = None
    second_label: str = ""
    log: bool = False


def entry_value(key: Callable[[dict[str, Any]], float]) -> Value:
    """A panel Value from a function of the init's entry; an init with an error, or
    whose entry lacks the numbers, gets no bar."""

    def value(section: dict[str, Any], name: str) -> float | None:
        e = section.get(name)
        if not isinstance(e, dict) or "error" in e:
            return None
        try:
            return key(e)
        except (KeyError, TypeError):
            return None

    return value


def target(key: str, text: str, value: float | None, limit: float | None, shown: str) -> dict:
    """One target's line in results.json; met is None when a number is missing."""
    met = None if value is None or limit is None else value <= limit
    return {"target": key, "text": text, "value": value, "limit": limit, "shown": shown, "met": met}


def get(node: Any, *path: str) -> float | None:
    """The number at path in nested dicts, or None."""
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, (int, float)) else None


def fmt(v: Any, spec: str = ".1f") -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, (int, float)):
        return format(v, spec)
    return str(v)


def xratio(v: float | None, ref: float | None) -> str:
    r = ratio(v, ref)
    return "-" if r is None else f"{r:.2f}x"


def fmt_ratio(v: float | None, ref: float | None, unit: str, ref_name: str = "tini") -> str:
    r = ratio(v, ref)
    if v is None or r is None:
        return "n/a"
    return f"{v:.4g} {unit} = {r:.2f} x {ref_name}"


def err_row(name: str, entry: dict[str, Any]) -> list[str]:
    # two cells only: the renderers let the message run across the row
    return [name, "error: " + str(entry["error"])[:80]]


def rows_of(section: dict[str, Any], cells: Callable[[dict[str, Any]], list[str]]) -> list:
    """One row per init: its cells, or its error across the row."""
    return [err_row(name, e) if "error" in e else [name, *cells(e)] for name, e in section.items()]


def frozen_names(inits: Sequence[dict[str, Any]]) -> list[str]:
    """The frozen builds that took part in the run (results.json's inits)."""
    return [i["name"] for i in inits if i["kind"] == "frozen" and not i["error"]]


# --------------------------------------------------------------------------- text


def build_tables(res: dict[str, Any], registry: Sequence[Measurement]) -> list[Table]:
    m = res["measurements"]
    tables: list[Table] = []
    for meas in registry:
        if meas.name in m:
            for title, head, rows in meas.tables(m[meas.name]):
                tables.append((f"{meas.position}. {title}", head, rows))
    return tables


def evaluate_targets(res: dict[str, Any], registry: Sequence[Measurement]) -> list[dict]:
    m = res["measurements"]
    out: list[dict] = []
    for meas in registry:
        if meas.name in m:
            out.extend(meas.targets(m[meas.name], res["inits"]))
    return out


def render_text(title: str, head: list[str], rows: list[list[str]]) -> str:
    full = [r for r in rows if len(r) == len(head)]
    widths = [max(len(str(r[i])) for r in [head, *full]) for i in range(len(head))]
    lines = [title]
    lines.append(
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths))
        )
    )
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        if len(r) != len(head):
            lines.append(r[0].ljust(widths[0]) + "  " + "  ".join(r[1:]))
            continue
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))
            )
        )
    return "\n".join(lines)


def render_markdown(title: str, head: list[str], rows: list[list[str]]) -> str:
    lines = [f"**{title}**", "", "| " + " | ".join(head) + " |"]
    lines.append("|" + "|".join([":---"] + ["---:"] * (len(head) - 1)) + "|")
    for r in rows:
        cells = r + [""] * (len(head) - len(r))
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def targets_lines(targets: list[dict[str, Any]], markdown: bool) -> list[str]:
    out = ["**pyinit targets**", ""] if markdown else ["pyinit targets"]
    for t in targets:
        state = {True: "met", False: "MISSED", None: "n/a"}[t["met"]]
        if markdown:
            out.append(f"- {t['text']}: **{state}** ({t['shown']})")
        else:
            out.append(f"  [{state:>6}] {t['text']}: {t['shown']}")
    return out


def describe_machine(res: dict[str, Any]) -> str:
    meta = res["meta"]
    return (
        f"{meta['date']}, {meta['cpu']} ({meta['cpus']} CPUs), Linux {meta['kernel']}, "
        f"Python {meta['python']}, {'quick' if meta['quick'] else 'full'} run, "
        f"load average {meta['loadavg_start']} at start"
    )


def report(res: dict[str, Any], markdown: bool, registry: Sequence[Measurement]) -> str:
    parts = [f"pyinit benchmark: {describe_machine(res)}"]
    parts.append(
        "inits: " + ", ".join(f"{i['name']} ({i['version'] or '?'})" for i in res["inits"])
    )
    for i in res["inits"]:
        if i["error"]:
            parts.append(f"  left out {i['name']}: {i['error']}")
    tables = build_tables(res, registry)
    for title, head, rows in tables:
        parts.append("")
        parts.append(render_text(title, head, rows))
    parts.append("")
    parts.extend(targets_lines(res["targets"], markdown=False))
    if markdown:
        parts.append("")
        parts.append("----- Markdown -----")
        parts.append("")
        parts.append(f"Measured {describe_machine(res)}.")
        for title, head, rows in tables:
            parts.append("")
            parts.append(render_markdown(title, head, rows))
        parts.append("")
        parts.extend(targets_lines(res["targets"], markdown=True))
    return "\n".join(parts)


# --------------------------------------------------------------------------- chart

PALETTE = ("#4c72b0", "#55a868", "#c44e52", "#8172b2", "#ccb974", "#64b5cd", "#dd8452", "#937860")


def draw_chart(res: dict[str, Any], path: Path, registry: Sequence[Measurement]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = res["measurements"]
    names = [i["name"] for i in res["inits"] if not i["error"]]
    color = {n: PALETTE[k % len(PALETTE)] for k, n in enumerate(names)}

    def pick(section: dict[str, Any], value: Value | None) -> dict[str, float]:
        if value is None:
            return {}
        out: dict[str, float] = {}
        for n in names:
            v = value(section, n)
            if v is not None:
                out[n] = v
        return out

    panels = [
        (p, pick(m[meas.name], p.main), pick(m[meas.name], p.second))
        for meas in registry
        if meas.name in m and (p := meas.panel) is not None
    ]
    cols = 3
    rows = max(1, math.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.4 * rows), squeeze=False)
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    for ax, (panel, values, extra) in zip(axes.flat, panels):
        labels = list(values)
        xs = list(range(len(labels)))
        width = 0.4 if extra else 0.7
        main_x = [x - width / 2 for x in xs] if extra else xs
        ax.bar(main_x, [values[n] for n in labels], width, color=[color[n] for n in labels])
        for x, n in zip(main_x, labels):
            ax.annotate(f"{values[n]:.3g}", (x, values[n]), ha="center", va="bottom", fontsize=7)
        if extra:
            ex = [x + width / 2 for x in xs]
            ev = [extra.get(n, 0.0) for n in labels]
            ax.bar(
                ex,
                ev,
                width,
                color=[color[n] for n in labels],
                alpha=0.4,
                hatch="//",
                label=panel.second_label,
            )
            ax.legend(fontsize=7)
        if panel.log:
            ax.set_yscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels(labels, rotation=30, fontsize=8)
        ax.set_title(panel.title, fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(f"pyinit vs tini, dumb-init, catatonit - {describe_machine(res)}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
