"""Pictures: how the competitors' referring domains overlap (an UpSet chart), and the
pipeline over time. Plain data in, PNG bytes out.

An UpSet chart (Lex et al., 2014) shows each combination of competitors as a column:
dots say which competitors the domains in it link to, the bar how many domains do,
split into gaps and domains that already link to the site. Unlike a Venn diagram it
stays readable for ten competitors. Figures are drawn with matplotlib's object API
(no pyplot): no global state, so threads can draw at once.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.outreach.report import Dimension, Report, StatusSeries, percent
from bot.overlap import Combination, Overlap

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# The most combinations drawn; the rest are counted in a note under the chart.
MAX_COMBINATIONS = 25
GAP_COLOUR = "#d1495b"
SHARED_COLOUR = "#8d99ae"
DOT_OFF = "#dddddd"
DPI = 100
# The report's bars per group: what was sent, what got an answer, what was won.
REPORT_BARS = (("sent", "#8d99ae"), ("replied", "#edae49"), ("won", "#00798c"))


def shown_combinations(overlap: Overlap) -> list[Combination]:
    """The largest combinations, largest first (ties: more competitors first)."""
    ranked = sorted(overlap.combinations, key=lambda c: (-c.total, -sum(c.links_to), c.links_to))
    return ranked[:MAX_COMBINATIONS]


@lru_cache(maxsize=32)
def upset_png(overlap: Overlap) -> bytes:
    """The UpSet chart of `overlap` as a PNG (a tenth of a second to draw: the same
    overlap, such as one analysis asked for by several people, is drawn once)."""
    from matplotlib.figure import Figure  # imported when drawn: it takes a third of a second

    shown = shown_combinations(overlap)
    rows = len(overlap.competitors)
    label_width = max(len(name) for name in overlap.competitors) * 0.06
    figure = Figure(
        figsize=(max(7.0, 3.5 + label_width + 0.34 * len(shown)), 3.2 + 0.32 * rows), dpi=DPI
    )
    grid = figure.add_gridspec(
        2,
        3,
        width_ratios=(1.2, label_width, 0.34 * max(len(shown), 3)),
        height_ratios=(2.4, 0.3 * rows + 0.2),
        wspace=0.02,
        hspace=0.04,
    )
    bars = figure.add_subplot(grid[0, 2])
    dots = figure.add_subplot(grid[1, 2], sharex=bars)
    names = figure.add_subplot(grid[1, 1], sharey=dots)
    sizes = figure.add_subplot(grid[1, 0], sharey=dots)
    columns = range(len(shown))
    gaps = [c.gaps for c in shown]
    shared = [c.shared for c in shown]
    bars.bar(columns, gaps, color=GAP_COLOUR, label=f"gaps: not linking to {overlap.site}")
    bars.bar(columns, shared, bottom=gaps, color=SHARED_COLOUR, label=f"link to {overlap.site}")
    for column, combination in zip(columns, shown, strict=True):
        bars.annotate(
            f"{combination.total:,}",
            (column, combination.total),
            ha="center",
            va="bottom",
            fontsize=7,
        )
    bars.set_ylabel("referring domains")
    key = figure.add_subplot(grid[0, :2])
    key.legend(*bars.get_legend_handles_labels(), loc="lower right", fontsize=8, frameon=False)
    key.axis("off")
    bars.tick_params(labelbottom=False, bottom=False)
    for side in ("top", "right"):
        bars.spines[side].set_visible(False)
    _draw_dots(dots, shown, rows)
    _draw_sizes(sizes, overlap, rows)
    for row, name in enumerate(overlap.competitors):
        names.text(0.95, row, name, ha="right", va="center", fontsize=8)
    names.axis("off")
    hidden = len(overlap.combinations) - len(shown)
    title = f"Who links to the competitors of {overlap.site}: {overlap.gaps:,} gaps"
    figure.suptitle(title, fontsize=11)
    if hidden:
        figure.text(0.99, 0.01, f"{hidden} smaller combinations not shown", ha="right", fontsize=7)
    return _png(figure, title, overlap.as_json())


def _draw_dots(axes: Axes, shown: Sequence[Combination], rows: int) -> None:
    for column, combination in enumerate(shown):
        on = [row for row in range(rows) if combination.links_to[row]]
        off = [row for row in range(rows) if not combination.links_to[row]]
        axes.scatter([column] * len(off), off, s=36, color=DOT_OFF, zorder=2)
        axes.scatter([column] * len(on), on, s=36, color="#333333", zorder=3)
        if len(on) > 1:
            axes.plot([column, column], [min(on), max(on)], color="#333333", zorder=2)
    axes.set_ylim(rows - 0.5, -0.5)
    axes.set_xlim(-0.6, max(len(shown), 1) - 0.4)
    axes.axis("off")


def _draw_sizes(axes: Axes, overlap: Overlap, rows: int) -> None:
    counts = overlap.per_competitor()
    positions = range(rows)
    gaps = [gap for gap, _ in counts]
    shared = [both for _, both in counts]
    axes.barh(positions, gaps, color=GAP_COLOUR, height=0.6)
    axes.barh(positions, shared, left=gaps, color=SHARED_COLOUR, height=0.6)
    axes.invert_xaxis()
    axes.tick_params(axis="y", left=False, labelleft=False)
    axes.tick_params(axis="x", labelsize=7)
    for side in ("top", "left", "right"):
        axes.spines[side].set_visible(False)


def pipeline_png(series: StatusSeries, title: str = "Targets by status") -> bytes:
    """A stacked area chart of the pipeline over time, as a PNG."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=DPI)
    axes = figure.add_subplot()
    labels = list(series.counts)
    if series.days and labels:
        import numpy

        days = numpy.array(series.days, dtype="datetime64[D]")
        axes.stackplot(days, *(series.counts[label] for label in labels), labels=labels)
        axes.legend(loc="upper left", fontsize=8, frameon=False)
    axes.set_ylabel("domains")
    axes.set_title(title, fontsize=11)
    figure.autofmt_xdate()
    data = {"days": [day.isoformat() for day in series.days], "counts": series.counts}
    return _png(figure, title, data)


def report_png(report: Report) -> bytes:
    """The outreach report as bars: per group of each dimension, the prospects sent,
    replied and won, with the win rate over each group."""
    from matplotlib.figure import Figure

    dimensions = [dimension for dimension in Dimension if report.by(dimension)]
    figure = Figure(figsize=(9, 2.6 * max(len(dimensions), 1)), dpi=DPI)
    data: dict[str, list[dict[str, object]]] = {}
    for row, dimension in enumerate(dimensions, start=1):
        axes = figure.add_subplot(len(dimensions), 1, row)
        lines = report.by(dimension)
        data[dimension.value] = [
            {
                "group": line.key,
                "sent": line.figures.sent,
                "replied": line.figures.replied,
                "won": line.figures.won,
                "win_rate": line.figures.win_rate,
            }
            for line in lines
        ]
        places = range(len(lines))
        for offset, (name, colour) in enumerate(REPORT_BARS):
            axes.bar(
                [place + (offset - 1) * 0.27 for place in places],
                [getattr(line.figures, name) for line in lines],
                width=0.27,
                color=colour,
                label=name,
            )
        for place, line in zip(places, lines, strict=True):
            rate = line.figures.win_rate
            if rate is not None:
                axes.annotate(
                    f"{percent(rate)} won",
                    (place, line.figures.sent),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
        axes.set_xticks(list(places), labels=[line.key for line in lines], fontsize=8)
        axes.set_title(dimension.value, fontsize=9, loc="left")
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    if dimensions:
        figure.axes[0].legend(loc="upper right", fontsize=8, frameon=False)
    title = f"What works: prospects first drafted since {report.since.isoformat()}"
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    return _png(figure, title, data)


def _png(figure: Figure, title: str, data: object) -> bytes:
    """The figure as a PNG that carries its title and its data (JSON, in Description):
    what the picture shows can be read back exactly."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    out = io.BytesIO()
    metadata = {"Title": title, "Description": json.dumps(data), "Software": "Gapbot"}
    figure.savefig(out, format="png", dpi=DPI, bbox_inches="tight", metadata=metadata)
    return out.getvalue()
