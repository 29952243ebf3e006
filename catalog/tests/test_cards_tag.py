"""The product cards and facet rows written by catalog/templatetags/catalog_cards.py."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation

CARD = {
    "id": 7,
    "name": "成县<核桃>",
    "name_en": "Chengxian walnuts",
    "price": "38.00",
    "vendor": {"slug": "a", "name": "A&B 合作社", "credit_grade": "A"},
    "origin_county": {"code": "621221", "name": "成县", "name_en": "Cheng County"},
    "thumbnail_url": "/media/t/7.webp",
    "gi_certified": True,
    "rating": "4.50",
    "rating_count": 2,
    "in_stock": False,
}


def _render(source: str, **context) -> str:
    return Template("{% load catalog_cards %}" + source).render(Context(context))


def test_a_card_in_chinese_escaped_with_its_badges_and_rating():
    with translation.override("zh-hans"):
        html = _render("{% product_cards cards %}", cards=[CARD])
    assert html == (
        '<li class="product-card"><img class="card-photo" src="/media/t/7.webp" alt="" width="240" height="180"'
        ' loading="lazy"><a href="/products/7/"><strong>成县&lt;核桃&gt;</strong></a>'
        '<span class="price">¥38.00</span><span class="rating" data-testid="rating"><span aria-hidden="true">'
        '★ 4.50 (2)</span><span class="visually-hidden">2 条评价，平均 4.50 分（满分 5 分）</span></span>'
        '<span class="muted">成县 · A&amp;B 合作社</span><span class="badge">地标</span>'
        '<span class="badge">缺货</span></li>\n'
    )


def test_a_card_in_english_with_the_view_s_url_and_no_rating():
    card = {**CARD, "url": "/p/7?x=1&y=2", "rating_count": 0, "in_stock": True, "gi_certified": False}
    card["thumbnail_url"] = None
    with translation.override("en"):
        html = _render("{% product_cards cards %}", cards=[card])
    assert html == (
        '<li class="product-card"><a href="/p/7?x=1&amp;y=2"><strong>Chengxian walnuts</strong></a>'
        '<span class="price">¥38.00</span><span class="muted">Cheng County · A&amp;B 合作社</span></li>\n'
    )


def test_no_cards_shows_the_empty_text_or_nothing():
    assert _render("{% product_cards cards empty %}", cards=[], empty="Nothing <here>") == (
        '<li class="muted">Nothing &lt;here&gt;</li>'
    )
    assert _render("{% product_cards cards %}", cards=[]) == ""


def test_facet_rows():
    rows = [("nuts", "坚果 & 炒货", "12", True), ("tea", "茶", "0", False)]
    assert _render('{% facet_radios "category" rows %}', rows=rows) == (
        '<label><input type="radio" name="category" value="nuts" checked> 坚果 &amp; 炒货'
        ' <span class="muted">(12)</span></label>\n'
        '<label><input type="radio" name="category" value="tea"> 茶 <span class="muted">(0)</span></label>\n'
    )
    assert _render("{% facet_options rows %}", rows=rows) == (
        '<option value="nuts" selected>坚果 &amp; 炒货 (12)</option>\n<option value="tea">茶 (0)</option>\n'
    )
