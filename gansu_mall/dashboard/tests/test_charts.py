"""The server-side SVG charts: exact geometry for simple inputs, round ticks, escaping of user data, empty and
negative data, and the chart of a dashboard table."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.utils import translation

from gansu_mall.dashboard.charts import (
    BarGeometry,
    ColumnGeometry,
    bar_chart,
    chart_for_table,
    column_chart,
    format_value,
    nice_ticks,
    share_chart,
)
from gansu_mall.dashboard.tables import DATE, HOURS, INT, MONEY, RATE, Column, Table

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    """The chart as XML (it must be well-formed to parse at all)."""
    return ElementTree.fromstring(str(svg))  # noqa: S314 - our own output, no entities


def rects(svg: str) -> list[dict[str, str]]:
    return [dict(rect.attrib) for rect in parse(svg).iter(f"{SVG}rect")]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 10, ["0", "2", "4", "6", "8", "10"]),
        (0, 7, ["0", "2", "4", "6", "8"]),
        (0, 455.45, ["0", "100", "200", "300", "400", "500"]),
        (0, Decimal("0.8333"), ["0", "0.2", "0.4", "0.6", "0.8", "1"]),
        (-3, 7, ["-4", "-2", "0", "2", "4", "6", "8"]),
        (0, 0, ["0", "1"]),
        (-5, 0, ["-5", "-4", "-3", "-2", "-1", "0"]),
        (0, 12345, ["0", "5000", "10000", "15000"]),
    ],
)
def test_axis_ticks_are_round_numbers_covering_the_values_and_zero(low, high, expected):
    assert [f"{tick:f}" for tick in nice_ticks(Decimal(str(low)), Decimal(str(high)))] == expected


def test_bar_lengths_are_proportional_to_the_values():
    """Values 10 and 5 on an axis 0…10: the plot is 640 − 170 − 90 = 380 wide, so 380 and 190."""
    svg = bar_chart(title="Prefectures", items=[("兰州市", 10), ("陇南市", 5)])
    bars = rects(svg)
    assert [(b["x"], b["y"], b["width"], b["height"]) for b in bars] == [
        ("170", "8", "380", "18"),
        ("170", "34", "190", "18"),
    ]
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 640 82"  # 8 + 2 × (18 + 8) + 22
    assert root.find(f"{SVG}title").text == "Prefectures"
    assert root.find(f"{SVG}desc").text == "兰州市: 10; 陇南市: 5"
    assert (
        root.get("aria-labelledby")
        == f"{root.find(f'{SVG}title').get('id')} {root.find(f'{SVG}desc').get('id')}"
    )
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-tick"]
    assert ticks == ["0", "2", "4", "6", "8", "10"]
    values = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    assert values == ["10", "5"]


def test_bar_values_are_printed_in_their_kind():
    svg = bar_chart(title="GMV", items=[("a", Decimal("455.45")), ("b", Decimal("39.9"))], kind=MONEY)
    values = [t.text for t in parse(svg).iter(f"{SVG}text") if t.get("class") == "chart-value"]
    assert values == ["455.45", "39.90"]
    widths = [b["width"] for b in rects(svg)]
    assert widths == ["346.1", "30.3"]  # 455.45 / 500 × 380 = 346.142; 39.9 / 500 × 380 = 30.324


def test_a_custom_geometry_scales_the_bars():
    geometry = BarGeometry(width=300, label_width=50, value_width=50)
    bars = rects(bar_chart(title="t", items=[("a", 4), ("b", 1)], geometry=geometry))
    assert [b["width"] for b in bars] == ["200", "50"]  # plot 200, axis 0…4 (steps of 1)


def test_names_are_escaped_everywhere():
    evil = '<script>alert("x")</script> & co'
    for chart in (bar_chart, column_chart, share_chart):
        svg = str(chart(title=f"T {evil}", items=[(evil, 3), ("ok", 1)]))
        assert "<script>" not in svg
        assert "&lt;script&gt;" in svg
        root = parse(svg)  # still well-formed
        assert root.find(f"{SVG}title").text == f"T {evil}"


def test_no_data_is_a_message_not_a_chart():
    for chart in (bar_chart, column_chart, share_chart):
        html = str(chart(title="Top products", items=[]))
        assert (
            html
            == '<p class="chart-empty" data-testid="chart-empty">Top products: no data for this period.</p>'
        )


def test_shares_of_nothing_are_no_data_too():
    assert "chart-empty" in share_chart(title="t", items=[("a", 0), ("b", 0)])


def test_zero_values_draw_zero_length_bars():
    bars = rects(bar_chart(title="t", items=[("a", 0), ("b", 0)]))
    assert [(b["x"], b["width"]) for b in bars] == [("170", "0"), ("170", "0")]  # axis 0…1


def test_negative_values_are_drawn_left_of_the_zero_line():
    """Axis −4…8 over 380 units: zero at 170 + 4/12 × 380 = 296.7; −3 → 201.7 … 296.7; 7 → 296.7 … 518.3."""
    svg = bar_chart(title="t", items=[("loss", -3), ("gain", 7)])
    bars = rects(svg)
    assert [(b["x"], b["width"]) for b in bars] == [("201.7", "95"), ("296.7", "221.7")]
    assert bars[0]["fill"] != bars[1]["fill"]
    axis = next(line for line in parse(svg).iter(f"{SVG}line") if line.get("class") == "chart-axis")
    assert axis.get("x1") == "296.7"


def test_columns_of_a_series():
    """Two columns, 3 and 1, axis 0…3 over a plot of 174 high (220 − 10 − 36), 576 wide (640 − 56 − 8):
    slots of 288, columns 70 % of it (201.6) centred."""
    svg = column_chart(title="By day", items=[("11-01", 3), ("11-02", 1)])
    bars = rects(svg)
    assert [(b["x"], b["y"], b["width"], b["height"]) for b in bars] == [
        ("99.2", "10", "201.6", "174"),
        ("387.2", "126", "201.6", "58"),
    ]
    labels = [t.text for t in parse(svg).iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert labels == ["11-01", "11-02"]


def test_a_long_series_prints_at_most_ten_labels():
    items = [(f"d{n}", n) for n in range(31)]
    svg = column_chart(title="t", items=items, geometry=ColumnGeometry())
    labels = [t.text for t in parse(svg).iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert labels == [f"d{n}" for n in range(0, 31, 4)]
    assert len(rects(svg)) == 31


def test_negative_columns_hang_below_the_axis():
    bars = rects(column_chart(title="t", items=[("a", 3), ("b", -1)]))
    # Axis −1…3 over 174: zero at 10 + 3/4 × 174 = 140.5.
    assert [(b["y"], b["height"]) for b in bars] == [("10", "130.5"), ("140.5", "43.5")]


def test_shares_split_one_bar_and_carry_patterns_for_greyscale():
    svg = share_chart(
        title="Destinations", items=[("Domestic", Decimal("335.45")), ("Cross-border", 120)], kind=MONEY
    )
    root = parse(svg)
    patterns = list(root.iter(f"{SVG}pattern"))
    assert len(patterns) == 2
    assert len(list(patterns[1])) == 2  # a shade and a mark (stripes) over it
    segments = [r for r in rects(svg) if r.get("height") == "28"]
    assert [(s["x"], s["width"]) for s in segments] == [
        ("0", "471.4"),
        ("471.4", "168.6"),
    ]  # 335.45 / 455.45 × 640 = 471.37
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert legend == ["Domestic: 335.45 (73.7%)", "Cross-border: 120.00 (26.3%)"]


def test_negative_shares_stay_in_the_legend_only():
    svg = share_chart(title="t", items=[("a", 3), ("b", -1), ("c", 1)])
    segments = [r for r in rects(svg) if r.get("height") == "28"]
    assert [s["width"] for s in segments] == ["480", "160"]
    assert [t.text for t in parse(svg).iter(f"{SVG}text")][1] == "b: -1 (0.0%)"


def test_ids_are_unique_across_charts_of_a_page():
    first, second = (
        str(share_chart(title="a", items=[("x", 1)])),
        str(share_chart(title="b", items=[("x", 1)])),
    )
    ids = re.findall(r'id="([^"]+)"', first + second)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (Decimal("455.445"), MONEY, "455.45"),
        (Decimal("0"), MONEY, "0.00"),
        (Decimal("0.8333"), RATE, "83.3%"),
        (Decimal("1.0000"), RATE, "100.0%"),
        (Decimal("5.04"), HOURS, "5.0"),
        (7, INT, "7"),
        (None, RATE, "—"),
        ("陇南市", "text", "陇南市"),
    ],
)
def test_values_are_formatted_by_kind(value, kind, text):
    assert format_value(value, kind) == text


def test_the_chart_of_a_table_uses_its_names_and_a_column():
    table = Table(
        slug="prefectures",
        title="Prefectures",
        columns=[Column("code", "Code"), Column("name", "Prefecture"), Column("gmv", "GMV", MONEY)],
        rows=[
            {"code": "620100", "name": "兰州市", "gmv": Decimal("300.00")},
            {"code": "621200", "name": "陇南市", "gmv": Decimal("155.45")},
        ],
    )
    root = parse(chart_for_table(table, value="gmv"))
    assert root.find(f"{SVG}title").text == "Prefectures — GMV"
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert labels == ["兰州市", "陇南市"]
    # Without a value column named, the first numeric one; with a limit, the first rows only.
    root = parse(chart_for_table(table, limit=1))
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"] == ["300.00"]


def test_dates_are_named_by_month_and_day_on_charts():
    table = Table(
        slug="series-day",
        title="By day",
        columns=[Column("date", "Date", DATE), Column("gmv", "GMV", MONEY)],
        rows=[{"date": date(2026, 11, 1), "gmv": Decimal("100.50")}, {"date": date(2026, 11, 2), "gmv": 0}],
    )
    root = parse(chart_for_table(table, style="columns"))
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label"] == ["11-01", "11-02"]
    assert root.find(f"{SVG}desc").text == "11-01: 100.50; 11-02: 0.00"


def test_the_chart_of_a_table_without_numbers_is_no_data():
    table = Table(slug="t", title="Dates", columns=[Column("date", "Date", DATE)], rows=[{"date": "x"}])
    assert "chart-empty" in chart_for_table(table)
    assert "chart-empty" in chart_for_table(Table(slug="e", title="Empty", columns=[]))
