"""The dashboard's template helpers: the rows of a table written in Python (dashboard_tags.table_rows)."""

from __future__ import annotations

from decimal import Decimal

from gansu_mall.dashboard.tables import INT, MONEY, TEXT, Column, Table
from gansu_mall.dashboard.templatetags.dashboard_tags import table_rows


def _table(url):
    return Table(
        slug="places",
        title="Places",
        columns=[
            Column("code", "Code", TEXT),
            Column("name", "Name", TEXT),
            Column("gmv", "GMV", MONEY),
            Column("orders", "Orders", INT),
        ],
        rows=[{"code": "621221", "name": "成县 <b>&", "gmv": Decimal("1234.5"), "orders": 7, "url": url}],
        link="name",
    )


def test_rows_name_the_place_link_the_drill_down_and_escape_text():
    html = table_rows(_table("/bureau/dashboard/places/621221/"), "date_from=2026-11-01&date_to=2026-11-10")
    assert html == (
        '<tr data-testid="row">'
        '<td data-key="code">621221</td>'
        '<th scope="row" data-key="name"><a href="/bureau/dashboard/places/621221/?date_from=2026-11-01&amp;'
        'date_to=2026-11-10" data-testid="drill">成县 &lt;b&gt;&amp;</a></th>'
        '<td class="num" data-key="gmv">1234.50</td>'
        '<td class="num" data-key="orders">7</td>'
        "</tr>"
    )


def test_a_row_without_a_link_has_a_plain_row_header():
    html = table_rows(_table(None), "")
    assert '<th scope="row" data-key="name">成县 &lt;b&gt;&amp;</th>' in html
    assert "<a " not in html
