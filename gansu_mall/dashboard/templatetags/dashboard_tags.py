"""Template helpers of the dashboard pages: cells formatted by their column's kind, changes against the
previous period, the chart of a table and the query string of the current range."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from gansu_mall.dashboard.charts import chart_for_table, format_value
from gansu_mall.dashboard.tables import RATE, Column, Table

register = template.Library()


@register.filter
def cell(row: dict[str, Any], column: Column) -> str:
    """A row's value in a column, formatted by the column's kind (money 2 places, rates as %, …)."""
    return format_value(row.get(column.key), column.kind)


@register.filter
def fmt(value: Any, kind: str) -> str:
    return format_value(value, kind)


@register.simple_tag
def change(value: Decimal | None) -> SafeString:
    """▲ 12.5% / ▼ 3.0% / — with words for screen readers (the arrows alone are not read out)."""
    if value is None:
        return format_html(
            '<span class="change change-none">—<span class="visually-hidden"> {}</span></span>',
            _("no previous figure to compare"),
        )
    if value > 0:
        arrow, css, words = "▲", "change-up", _("up by")
    elif value < 0:
        arrow, css, words = "▼", "change-down", _("down by")
    else:
        arrow, css, words = "=", "change-flat", _("unchanged,")
    return format_html(
        '<span class="change {}"><span aria-hidden="true">{}</span><span class="visually-hidden">{}</span> {}</span>',
        css,
        arrow,
        words,
        format_value(abs(value), RATE),
    )


@register.simple_tag
def table_chart(table: Table, value: str, style: str = "bars", label: str = "", limit: int = 0) -> SafeString:
    return chart_for_table(table, value=value, label=label or None, style=style, limit=limit or None)


@register.simple_tag
def range_query(period: Any) -> str:
    """``date_from=…&date_to=…`` of a period, for links that keep the range."""
    return f"date_from={period.date_from:%Y-%m-%d}&date_to={period.date_to:%Y-%m-%d}"


@register.filter
def with_query(url: str, query: str) -> str:
    """A drill-down link keeping the range (unless the selector's URL already carries one)."""
    if not query or "date_from=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query}"


@register.filter
def header_key(table: Table) -> str:
    """The column that names a row (its row header): the drill-down column, else "name", else the first."""
    keys = [column.key for column in table.columns]
    if table.link in keys:
        return str(table.link)
    return "name" if "name" in keys else (keys[0] if keys else "")


@register.filter
def is_numeric(column: Column) -> bool:
    return column.kind not in ("text", "date")


@register.simple_tag
def table_rows(table: Table, query: str) -> SafeString:
    """The ``<tr>`` of a table's rows: the naming column as a row header (a drill-down link where the row has
    one), numbers right-aligned. Written here rather than in the template: a year's series and places are
    several hundred cells, and the template's tags and filters per cell cost some 40 ms a page."""
    header = header_key(table)
    columns = [(c, c.key == header, is_numeric(c), conditional_escape(c.key)) for c in table.columns]
    out: list[str] = []
    for row in table.rows:
        out.append('<tr data-testid="row">')
        for column, is_header, numeric, key in columns:
            text = conditional_escape(format_value(row.get(column.key), column.kind))
            if is_header:
                url = row.get("url")
                if column.key == table.link and url:
                    href = conditional_escape(with_query(url, query))
                    text = f'<a href="{href}" data-testid="drill">{text}</a>'
                out.append(f'<th scope="row" data-key="{key}">{text}</th>')
            else:
                css = ' class="num"' if numeric else ""
                out.append(f'<td{css} data-key="{key}">{text}</td>')
        out.append("</tr>")
    return mark_safe("".join(out))  # noqa: S308  (every value above is escaped)
