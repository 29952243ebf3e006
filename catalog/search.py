"""Chinese, pinyin and English search over products.

Indexing: the product's name, English name, category and origin county are segmented with rjieba
(jieba-rs, search mode), and every Chinese word also gets its pinyin in full and as initials ("核桃" →
"hetao", "ht"); English is lower-cased. Synonyms are expanded to their canonical word (黄耆 → 黄芪), so a
search for either finds both. The result is ``Product.search_text``, a space-separated token list.

On PostgreSQL a ``tsvector`` (config ``simple``: no stemming, the tokens are already words) is stored from
it and GIN-indexed; queries AND the words of the query, each word ORing its alternatives, ASCII words as
prefixes (``walnut`` finds ``walnuts``, ``het`` finds ``hetao``), and rank by ``ts_rank`` then sales.
Elsewhere (the SQLite demo) the same tokens are matched with substring tests: the same API, less speed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import rjieba
from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from pypinyin import Style, lazy_pinyin, load_phrases_dict

from catalog.models import Product, Synonym

# Place names whose reading pypinyin gets wrong out of context (the same fixes as regions/data).
load_phrases_dict(
    {
        "武都": [["wǔ"], ["dū"]],
        "宕昌": [["tàn"], ["chāng"]],
        "崆峒": [["kōng"], ["tóng"]],
        "民乐": [["mín"], ["lè"]],
    }
)

HAN = re.compile(r"[\u3400-\u9fff]")
WORD = re.compile(r"[\u3400-\u9fff]+|[A-Za-z0-9]+")
ASCII_WORD = re.compile(r"^[a-z0-9]+$")


def synonym_map() -> dict[str, str]:
    return dict(Synonym.objects.values_list("term", "canonical"))


def _pinyin(word: str) -> list[str]:
    return ["".join(lazy_pinyin(word)), "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))]


def text_tokens(text: str, synonyms: dict[str, str]) -> list[str]:
    """The index tokens of a piece of text (order kept, duplicates dropped)."""
    tokens: list[str] = []
    for chunk in WORD.findall(text or ""):
        if HAN.match(chunk):
            words = set(rjieba.cut_for_search(chunk)) | {chunk}
            for word in sorted(words):
                if not HAN.search(word):
                    continue
                tokens.append(word)
                canonical = synonyms.get(word)
                if canonical:
                    tokens.append(canonical)
                    tokens.extend(_pinyin(canonical))
                tokens.extend(_pinyin(word))
        else:
            tokens.append(chunk.lower())
    return list(dict.fromkeys(t for t in tokens if t))


def product_search_text(product: Product, synonyms: dict[str, str]) -> str:
    parts: Iterable[str] = (
        product.name,
        product.name_en,
        product.category.name,
        product.category.name_en,
        product.category.parent.name if product.category.parent else "",
        product.origin_county.name,
        product.origin_county.name_en,
    )
    # Spaces at both ends let the substring fallback match whole tokens: " 核桃 ".
    return " " + " ".join(text_tokens(" ".join(parts), synonyms)) + " "


def product_reindex(*, product_ids: list[int]) -> int:
    """Rebuild the search text (and, on PostgreSQL, the vector) of these products."""
    synonyms = synonym_map()
    products = Product.objects.filter(pk__in=product_ids).select_related("category__parent", "origin_county")
    for product in products:
        product.search_text = product_search_text(product, synonyms)
        product.save(update_fields=["search_text"])
    if connection.vendor == "postgresql":
        # array_to_tsvector takes the tokens as they are: no parser, so no dependence on the database's
        # locale (PostgreSQL's parser drops Chinese characters under a plain "C" ctype).
        Product.objects.filter(pk__in=product_ids).update(
            search_vector=RawSQL("array_to_tsvector(string_to_array(btrim(search_text), ' '))", [])
        )
    return len(product_ids)


def query_terms(query: str, synonyms: dict[str, str]) -> list[list[str]]:
    """For each word of the query, its alternatives (the word, its canonical synonym)."""
    terms: list[list[str]] = []
    for chunk in WORD.findall(query or ""):
        if HAN.match(chunk):
            words = [w for w in rjieba.cut(chunk) if HAN.search(w)]
        else:
            words = [chunk.lower()]
        for word in words:
            alternatives = [word]
            if word in synonyms:
                alternatives.append(synonyms[word])
            terms.append(list(dict.fromkeys(alternatives)))
    return terms[:10]


def _tsquery(terms: list[list[str]]) -> str:
    def quote(token: str) -> str:
        token = re.sub(r"[^\w\u3400-\u9fff]", "", token)  # words only: nothing of tsquery's syntax
        return f"'{token}':*" if ASCII_WORD.match(token) else f"'{token}'"

    return " & ".join("(" + " | ".join(quote(t) for t in alternatives) + ")" for alternatives in terms)


def search_products(products: QuerySet[Product], query: str) -> QuerySet[Product]:
    """Filter ``products`` to those matching every word of ``query`` and order them by relevance."""
    terms = query_terms(query, synonym_map())
    if not terms:
        return products.none() if query.strip() else products
    if connection.vendor == "postgresql":
        # The tsquery is written out and cast, again without the parser: tokens match lexemes exactly,
        # ASCII ones as prefixes.
        tsquery = _tsquery(terms)
        return (
            products.annotate(
                matched=RawSQL(
                    "catalog_product.search_vector @@ %s::tsquery", [tsquery], output_field=BooleanField()
                ),
                relevance=RawSQL(
                    "ts_rank(catalog_product.search_vector, %s::tsquery)",
                    [tsquery],
                    output_field=FloatField(),
                ),
            )
            .filter(matched=True)
            .order_by("-relevance", "-sales", "-id")
        )
    condition = Q()
    for alternatives in terms:
        any_of = Q()
        for token in alternatives:
            # ASCII words match as prefixes of a token, Chinese words as whole tokens.
            any_of |= Q(search_text__icontains=f" {token}" if ASCII_WORD.match(token) else f" {token} ")
        condition &= any_of
    return products.filter(condition).annotate(relevance=Value(0)).order_by("-sales", "-id")
