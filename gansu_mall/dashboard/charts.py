"""Charts drawn on the server as inline SVG: no JavaScript, no web fonts, nothing fetched.

Why hand-written SVG rather than a library (pygal, matplotlib): the charts are few and simple (horizontal bars
for rankings, columns for a series, one stacked bar for shares), the markup must pass the site's
Content-Security-Policy (``style-src 'self'``: no inline ``style`` attributes or ``<style>`` elements, so only
presentation attributes and classes of ``dashboard.css``), and every label is user data (shop and product
names) that must be escaped. A small module is easier to keep right on all three than a library's output.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>``; the table printed beside it is the
accessible source of its numbers. Bars carry their value as text and shares carry patterns as well as shades,
so that the charts still read when printed in greyscale. With nothing to draw, a chart is a short "no data"
paragraph instead.

Geometry is computed with ``Decimal`` and written with at most one decimal place, so that tests can assert it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from gansu_mall.dashboard.tables import DATE, HOURS, INT, MONEY, RATE, TEXT, Table

# Shades that differ in lightness as well as hue (they stay apart in greyscale), in the site's palette.
SHADES = ["#9c3b24", "#1f3a5f", "#c98b2b", "#5b6168", "#2d6a9f", "#e4b77a"]
# Patterns drawn over the shades of a share chart: solid, stripes, dots, cross-hatch, …
PATTERNS = ["solid", "stripes", "dots", "hatch", "dashes", "grid"]

_ids = itertools.count(1)


def _next_id(prefix: str) -> str:
    """A document-unique id (several charts share one page, and their <title>s and patterns need ids)."""
    return f"{prefix}-{next(_ids)}"


def _num(value: Decimal | int | float) -> str:
    """A coordinate: at most one decimal place, no trailing zeros (``200``, ``12.5``)."""
    quantized = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{quantized:f}"
    return text[:-2] if text.endswith(".0") else text


def _decimal(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def format_value(value: Any, kind: str) -> str:
    """A number as the pages show it: money with two places, rates as a percentage with one place,
    hours with one place, counts as integers."""
    if value is None or value == "":
        return "—"
    if kind == MONEY:
        return f"{_decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    if kind == RATE:
        percent = (_decimal(value) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{percent:f}%"
    if kind == HOURS:
        return f"{_decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}"
    if kind == INT:
        return str(int(_decimal(value)))
    return str(value)


def nice_ticks(low: Decimal | int, high: Decimal | int, count: int = 5) -> list[Decimal]:
    """Round axis ticks (steps of 1, 2 or 5 × 10ⁿ) covering ``low``…``high``, zero included.

    ``nice_ticks(0, 10)`` → 0, 2, 4, 6, 8, 10; ``nice_ticks(0, 0)`` → 0, 1; ``nice_ticks(-3, 7)`` → -4 … 8.
    """
    low, high = min(Decimal(low), Decimal(0)), max(Decimal(high), Decimal(0))
    if low == high:
        return [Decimal(0), Decimal(1)]
    raw = (high - low) / count
    magnitude = Decimal(10) ** raw.adjusted()  # the power of ten at or below raw
    step = next(
        m * magnitude for m in (Decimal(1), Decimal(2), Decimal(5), Decimal(10)) if m * magnitude >= raw
    )
    first = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    last = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
    ticks = []
    tick = first
    while tick <= last:
        ticks.append(tick.normalize() if tick else Decimal(0))
        tick += step
    return ticks


def _tick_label(tick: Decimal, kind: str) -> str:
    if kind == RATE:
        return f"{(tick * 100).normalize():f}%"
    return f"{tick.normalize():f}" if tick else "0"


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def no_data(title: str) -> SafeString:
    return format_html(
        '<p class="chart-empty" data-testid="chart-empty">{}: {}</p>', title, _("no data for this period.")
    )


def _open_svg(*, css: str, width: int, height: int, title: str, desc: str) -> tuple[str, str]:
    chart_id = _next_id("chart")
    head = (
        f'<svg class="chart {css}" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    return head, chart_id


@dataclass(frozen=True)
class BarGeometry:
    """Where the horizontal bar chart puts things (in SVG user units)."""

    width: int = 640
    label_width: int = 170  # the names on the left
    value_width: int = 90  # the value printed after each bar
    bar_height: int = 18
    gap: int = 8
    top: int = 8
    axis_height: int = 22

    @property
    def plot_width(self) -> int:
        return self.width - self.label_width - self.value_width


def bar_chart(
    *,
    title: str,
    items: Sequence[tuple[str, Any]],
    kind: str = INT,
    desc: str = "",
    geometry: BarGeometry = BarGeometry(),  # noqa: B008 - frozen dataclass, safe as a default
) -> SafeString:
    """Horizontal bars, one per ``(label, value)``, in the given order (rankings, places, categories).

    Bar lengths are proportional to the values against an axis of round ticks that starts at zero (or below
    it, for negative values, which are drawn leftwards from the zero line).
    """
    if not items:
        return no_data(title)
    g = geometry
    values = [_decimal(value) for _, value in items]
    ticks = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    plot = Decimal(g.plot_width)

    def x(value: Decimal) -> Decimal:
        return g.label_width + (value - low) / (high - low) * plot

    height = g.top + len(items) * (g.bar_height + g.gap) + g.axis_height
    head, _chart_id = _open_svg(
        css="chart-bars", width=g.width, height=height, title=title, desc=desc or _summary(items, kind)
    )
    parts = [head]
    bottom = g.top + len(items) * (g.bar_height + g.gap)
    for tick in ticks:  # the grid and the axis labels
        tx = _num(x(tick))
        parts.append(
            f'<line class="chart-grid" x1="{tx}" y1="{g.top}" x2="{tx}" y2="{bottom}" '
            f'stroke="#d9d2c3" stroke-width="1"/>'
            f'<text class="chart-tick" x="{tx}" y="{bottom + 15}" text-anchor="middle" font-size="11" '
            f'fill="#5b6168">{escape(_tick_label(tick, kind))}</text>'
        )
    zero = x(Decimal(0))
    for index, ((label, _value), value) in enumerate(zip(items, values, strict=True)):
        y = g.top + index * (g.bar_height + g.gap)
        start, end = sorted((zero, x(value)))
        text_y = _num(y + g.bar_height * Decimal("0.72"))
        parts.append(
            f'<g class="chart-bar"><title>{escape(label)}: {escape(format_value(value, kind))}</title>'
            f'<text class="chart-label" x="{g.label_width - 6}" y="{text_y}" text-anchor="end" '
            f'font-size="12" fill="#1f2328">{escape(_truncate(str(label), 14))}</text>'
            f'<rect x="{_num(start)}" y="{y}" width="{_num(end - start)}" height="{g.bar_height}" '
            f'fill="{SHADES[0] if value >= 0 else SHADES[1]}"/>'
            f'<text class="chart-value" x="{_num(max(x(value), zero) + 4)}" y="{text_y}" font-size="12" '
            f'fill="#1f2328">{escape(format_value(value, kind))}</text></g>'
        )
    parts.append(
        f'<line class="chart-axis" x1="{_num(zero)}" y1="{g.top}" x2="{_num(zero)}" y2="{bottom}" '
        f'stroke="#1f2328" stroke-width="1"/></svg>'
    )
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()


@dataclass(frozen=True)
class ColumnGeometry:
    width: int = 640
    height: int = 220
    left: int = 56  # room for the value ticks
    right: int = 8
    top: int = 10
    bottom: int = 36  # room for the category labels

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom


def column_chart(
    *,
    title: str,
    items: Sequence[tuple[str, Any]],
    kind: str = INT,
    desc: str = "",
    geometry: ColumnGeometry = ColumnGeometry(),  # noqa: B008 - frozen dataclass, safe as a default
) -> SafeString:
    """Vertical columns for a series (days, weeks, months), with round value ticks on the left; with many
    columns only every n-th label is printed so that they never overlap."""
    if not items:
        return no_data(title)
    g = geometry
    values = [_decimal(value) for _, value in items]
    ticks = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    slot = Decimal(g.plot_width) / len(items)
    column = slot * Decimal("0.7")

    def y(value: Decimal) -> Decimal:
        return g.top + (high - value) / (high - low) * g.plot_height

    head, _chart_id = _open_svg(
        css="chart-columns", width=g.width, height=g.height, title=title, desc=desc or _summary(items, kind)
    )
    parts = [head]
    right = g.width - g.right
    for tick in ticks:
        ty = _num(y(tick))
        parts.append(
            f'<line class="chart-grid" x1="{g.left}" y1="{ty}" x2="{right}" y2="{ty}" '
            f'stroke="#d9d2c3" stroke-width="1"/>'
            f'<text class="chart-tick" x="{g.left - 6}" y="{_num(y(tick) + 4)}" text-anchor="end" '
            f'font-size="11" fill="#5b6168">{escape(_tick_label(tick, kind))}</text>'
        )
    every = max(1, -(-len(items) // 10))  # at most 10 labels
    zero = y(Decimal(0))
    for index, ((label, _value), value) in enumerate(zip(items, values, strict=True)):
        cx = g.left + slot * index + (slot - column) / 2
        top, bottom = sorted((y(value), zero))
        parts.append(
            f'<g class="chart-column"><title>{escape(label)}: {escape(format_value(value, kind))}</title>'
            f'<rect x="{_num(cx)}" y="{_num(top)}" width="{_num(column)}" height="{_num(bottom - top)}" '
            f'fill="{SHADES[0] if value >= 0 else SHADES[1]}"/></g>'
        )
        if index % every == 0:
            parts.append(
                f'<text class="chart-label" x="{_num(cx + column / 2)}" y="{g.height - g.bottom + 16}" '
                f'text-anchor="middle" font-size="11" fill="#1f2328">{escape(_truncate(str(label), 10))}</text>'
            )
    parts.append(
        f'<line class="chart-axis" x1="{g.left}" y1="{_num(zero)}" x2="{right}" y2="{_num(zero)}" '
        f'stroke="#1f2328" stroke-width="1"/></svg>'
    )
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()


def _pattern(pattern_id: str, index: int) -> str:
    shade = SHADES[index % len(SHADES)]
    kind = PATTERNS[index % len(PATTERNS)]
    marks = {
        "solid": "",
        "stripes": '<path d="M0 8L8 0" stroke="#fff" stroke-width="2"/>',
        "dots": '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
        "hatch": '<path d="M0 0L8 8M8 0L0 8" stroke="#fff" stroke-width="1.2"/>',
        "dashes": '<path d="M0 4H4" stroke="#fff" stroke-width="2"/>',
        "grid": '<path d="M0 4H8M4 0V8" stroke="#fff" stroke-width="1"/>',
    }[kind]
    return (
        f'<pattern id="{pattern_id}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{shade}"/>{marks}</pattern>'
    )


def share_chart(
    *, title: str, items: Sequence[tuple[str, Any]], kind: str = INT, desc: str = ""
) -> SafeString:
    """One bar split into the shares of its parts (shops by type, domestic and cross-border), with a legend
    of swatches, names and percentages. Zero and negative parts are left out of the bar (a share of a whole
    cannot be negative) but stay in the legend."""
    values = [_decimal(value) for _, value in items]
    total = sum((v for v in values if v > 0), Decimal(0))
    if not items or total <= 0:
        return no_data(title)
    width, bar_top, bar_height, row = 640, 4, 28, 20
    height = bar_top + bar_height + 12 + len(items) * row
    head, chart_id = _open_svg(
        css="chart-shares", width=width, height=height, title=title, desc=desc or _summary(items, kind)
    )
    defs = "".join(_pattern(f"{chart_id}-p{index}", index) for index in range(len(items)))
    parts = [head, f"<defs>{defs}</defs>"]
    x = Decimal(0)
    for index, ((label, _value), value) in enumerate(zip(items, values, strict=True)):
        if value <= 0:
            continue
        part = value / total * width
        parts.append(
            f'<rect x="{_num(x)}" y="{bar_top}" width="{_num(part)}" height="{bar_height}" '
            f'fill="url(#{chart_id}-p{index})" stroke="#fff" stroke-width="1">'
            f"<title>{escape(label)}: {escape(format_value(value, kind))}</title></rect>"
        )
        x += part
    for index, ((label, _value), value) in enumerate(zip(items, values, strict=True)):
        y = bar_top + bar_height + 12 + index * row
        share = value / total if value > 0 else Decimal(0)
        parts.append(
            f'<rect x="0" y="{y}" width="14" height="14" fill="url(#{chart_id}-p{index})" stroke="#1f2328" '
            f'stroke-width="0.5"/><text x="20" y="{y + 11}" font-size="12" fill="#1f2328">'
            f"{escape(_truncate(str(label), 40))}: {escape(format_value(value, kind))} "
            f"({escape(format_value(share, RATE))})</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()


def _label(value: Any, kind: str) -> str:
    """An item's name on a chart: dates as month-day (the table beside it has the year)."""
    if kind == DATE and isinstance(value, date):
        return f"{value:%m-%d}"
    return str(value)


def _summary(items: Sequence[tuple[str, Any]], kind: str) -> str:
    """The chart's <desc>: its first few items in words (the table beside it has them all)."""
    shown = "; ".join(f"{label}: {format_value(value, kind)}" for label, value in items[:5])
    more = len(items) - 5
    if more > 0:
        shown += "; " + _("and %(count)d more in the table") % {"count": more}
    return shown


CHARTS: dict[str, Callable[..., SafeString]] = {
    "bars": bar_chart,
    "columns": column_chart,
    "shares": share_chart,
}


def chart_for_table(
    table: Table,
    *,
    value: str | None = None,
    label: str | None = None,
    style: str = "bars",
    limit: int | None = None,
) -> SafeString:
    """The chart of one column of a dashboard table: ``label`` (default the "name" column, else the first)
    names the items,
    ``value`` is the key of the column drawn (default: the first numeric column). The title is the table's
    and the column's."""
    if not table.columns:
        return no_data(table.title)
    columns = {column.key: column for column in table.columns}
    if value not in columns:
        value = next((column.key for column in table.columns if column.kind not in (TEXT, DATE)), None)
    if value is None:
        return no_data(table.title)
    label_key = label or ("name" if "name" in columns else table.columns[0].key)
    rows = table.rows if limit is None else table.rows[:limit]
    label_kind = columns[label_key].kind if label_key in columns else TEXT
    items = [(_label(row.get(label_key, ""), label_kind), row.get(value)) for row in rows]
    column = columns.get(value)
    kind = column.kind if column else INT
    title = f"{table.title} — {column.label}" if column else table.title
    return CHARTS[style](title=title, items=items, kind=kind)
