"""Geometry for server-rendered SVG bar charts (templates/reports/partials/_chart.html).

Pure functions: a Report's rows in, rectangles, axis ticks and a legend out.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from tickets.reports.queries import Report

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 48
PALETTE = [
    "#2563eb",
    "#f97316",
    "#16a34a",
    "#9333ea",
    "#dc2626",
    "#0891b2",
    "#ca8a04",
    "#db2777",
    "#4b5563",
    "#65a30d",
]
MAX_SERIES = len(PALETTE)


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    unit: str = ""
    empty: bool = True
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if value <= step * 4:
            return step * 4
    return value * 1.1


def _series_of(report: Report) -> tuple[list[str], list[str], dict]:
    """Categories, series and {(category, series): value} for a report."""
    if report.kind == "durations":
        categories = [str(row[0]) for row in report.rows]
        series = ["median", "p90"]
        values = {}
        for row in report.rows:
            values[(str(row[0]), "median")] = row[2]
            values[(str(row[0]), "p90")] = row[3]
        return categories, series, values
    if report.kind == "sla":
        categories = sorted({f"{row[0]} / {row[1]}" for row in report.rows})
        series = ["achieved", "breached"]
        values = {}
        for row in report.rows:
            values[(f"{row[0]} / {row[1]}", "achieved")] = row[2]
            values[(f"{row[0]} / {row[1]}", "breached")] = row[3]
        return categories, series, values
    totals: dict[str, float] = defaultdict(float)
    values = defaultdict(float)
    for category, group, count in report.rows:
        values[(str(category), str(group))] += count
        totals[str(group)] += count
    series = sorted(totals, key=lambda name: -totals[name])
    if len(series) > MAX_SERIES:  # the smallest groups share one colour
        keep, rest = series[: MAX_SERIES - 1], set(series[MAX_SERIES - 1 :])
        merged = defaultdict(float)
        for (category, group), count in values.items():
            merged[(category, "Other" if group in rest else group)] += count
        values, series = merged, [*sorted(keep, key=_name_order), "Other"]
    else:
        series = sorted(series, key=_name_order)
    return list(report.categories), series, values


def _name_order(name: str) -> tuple[bool, str]:
    """Alphabetical, "(none)" last, so a group keeps its colour across charts."""
    return (name.startswith("("), name.lower())


def build(report: Report) -> Chart:
    """Stacked bars for counts, side-by-side bars for durations and SLA."""
    categories, series, values = _series_of(report)
    chart = Chart(unit="h" if report.kind == "durations" else "")
    if not categories:
        return chart
    stacked = report.kind not in {"durations", "sla"}
    heights = (
        [sum(values.get((c, s), 0) for s in series) for c in categories]
        if stacked
        else [
            max((values.get((c, s), 0) for s in series), default=0) for c in categories
        ]
    )
    top = _nice_max(max(heights, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(categories)
    bar_w = max(1.0, slot * 0.8 / (1 if stacked else len(series)))
    for index, category in enumerate(categories):
        x0 = LEFT + index * slot + slot * 0.1
        base = HEIGHT - BOTTOM
        for position, name in enumerate(series):
            value = values.get((category, name), 0)
            if not value:
                continue
            chart.empty = False
            h = plot_h * value / top
            x = x0 if stacked else x0 + position * bar_w
            y = (base - h) if stacked else (HEIGHT - BOTTOM - h)
            chart.bars.append(
                Bar(
                    x=round(x, 1),
                    y=round(y, 1),
                    width=round(bar_w, 1),
                    height=round(h, 1),
                    colour=PALETTE[position % len(PALETTE)],
                    title=f"{category} · {name}: {value:g}{chart.unit}",
                )
            )
            if stacked:
                base -= h
    every = max(1, len(categories) // 12)
    chart.x_labels = [
        (
            round(LEFT + i * slot + slot / 2, 1),
            str(c)[-5:] if report.kind == "daily" else str(c)[:14],
        )
        for i, c in enumerate(categories)
        if i % every == 0
    ]
    chart.y_ticks = [
        (round(HEIGHT - BOTTOM - plot_h * k / 4, 1), f"{top * k / 4:g}")
        for k in range(5)
    ]
    chart.legend = [(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(series)]
    return chart
