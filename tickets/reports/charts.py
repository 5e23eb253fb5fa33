"""Geometry for server-rendered SVG bar charts (templates/reports/partials/_chart.html).

Pure functions: a Report's rows in, rectangles, axis ticks and a legend out.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from tickets.reports.queries import Report

WIDTH, PLOT_HEIGHT = 720, 200
LEFT, RIGHT, TOP = 48, 12, 12
# Axis labels are 11 px text: about this wide a character, this tall a line.
CHAR_WIDTH, LINE_HEIGHT = 6.5, 13
MAX_LABEL = 24  # characters; longer names are cut with "…" (the full one on hover)
ANGLE = 45  # degrees, for category names too wide for their bar
SIN = math.sin(math.radians(ANGLE))
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
class AxisLabel:
    x: float
    text: str
    full: str  # the whole name, when `text` is cut


@dataclass
class Chart:
    width: int = WIDTH
    min_x: int = 0  # below 0 when slanted labels reach left of the plot
    height: float = TOP + PLOT_HEIGHT + 2 * LINE_HEIGHT
    bars: list[Bar] = field(default_factory=list)
    x_labels: list[AxisLabel] = field(default_factory=list)
    angle: int = 0  # x labels slanted by this many degrees (0: level)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    unit: str = ""
    empty: bool = True
    baseline: float = TOP + PLOT_HEIGHT
    label_y: float = TOP + PLOT_HEIGHT + LINE_HEIGHT + 3
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
        series = ["Median", "90th percentile"]
        values = {}
        for row in report.rows:
            values[(str(row[0]), "Median")] = row[2]
            values[(str(row[0]), "90th percentile")] = row[3]
        return categories, series, values
    if report.kind == "sla":
        # One bar pair per metric, or per metric and group when grouped.
        grouped = len({row[1] for row in report.rows}) > 1
        values = {}
        for metric, group, achieved, breached in report.rows:
            category = f"{group} · {metric}" if grouped else str(metric)
            values[(category, "Achieved")] = achieved
            values[(category, "Breached")] = breached
        categories = list(dict.fromkeys(category for category, _ in values))
        return categories, ["Achieved", "Breached"], values
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
    slot = (WIDTH - LEFT - RIGHT) / len(categories)
    bar_w = max(1.0, slot * 0.8 / (1 if stacked else len(series)))
    for index, category in enumerate(categories):
        x0 = LEFT + index * slot + slot * 0.1
        base = chart.baseline
        for position, name in enumerate(series):
            value = values.get((category, name), 0)
            if not value:
                continue
            chart.empty = False
            h = PLOT_HEIGHT * value / top
            x = x0 if stacked else x0 + position * bar_w
            y = (base - h) if stacked else (chart.baseline - h)
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
    _x_axis(chart, report, categories, slot)
    chart.y_ticks = [
        (round(chart.baseline - PLOT_HEIGHT * k / 4, 1), f"{top * k / 4:g}")
        for k in range(5)
    ]
    chart.legend = [(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(series)]
    return chart


def _x_axis(chart: Chart, report: Report, categories: list[str], slot: float):
    """Labels that never overlap: level when they fit their bar; days level too,
    every n-th day; other names slanted, every n-th when even slanted they do not
    fit. The chart grows taller by what slanted labels need."""
    texts = [_axis_text(report, c) for c in categories]
    widest = max(len(text) for text in texts) * CHAR_WIDTH
    if widest + CHAR_WIDTH <= slot or report.kind == "daily":
        every = math.ceil((widest + 2 * CHAR_WIDTH) / slot)
    else:
        chart.angle = ANGLE
        every = math.ceil(LINE_HEIGHT / (slot * SIN))
        chart.label_y = chart.baseline + LINE_HEIGHT * 0.8
        chart.height = chart.label_y + widest * SIN + LINE_HEIGHT / 2
    chart.height = round(chart.height)
    chart.x_labels = [
        AxisLabel(x=round(LEFT + i * slot + slot / 2, 1), text=text, full=category)
        for i, (category, text) in enumerate(zip(categories, texts, strict=True))
        if i % every == 0
    ]
    if chart.angle:  # widen the canvas to the left for the first labels' tails
        reach = min(
            label.x - len(label.text) * CHAR_WIDTH * SIN for label in chart.x_labels
        )
        chart.min_x = min(0, math.floor(reach) - 4)
        chart.width = WIDTH - chart.min_x


def _axis_text(report: Report, category: str) -> str:
    if report.kind == "daily":  # "2026-03-01" → "1 Mar"
        day = date.fromisoformat(category)
        return f"{day.day} {day:%b}"
    if len(category) > MAX_LABEL:
        return category[: MAX_LABEL - 1] + "…"
    return category
