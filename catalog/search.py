"""Chinese, pinyin and English search over products.

Indexing: the product's name, English name, category and origin county are segmented with rjieba
(jieba-rs, search mode), and every Chinese word also gets its pinyin in full and as initials ("核桃" →
"hetao", "ht"); English is lower-cased. Synonyms are expanded to their canonical word (黄耆 → 黄芪), so a
search for either finds both. The result is ``Product.search_text``, a space-separated token list.

The product's own names get a second, smaller token list, ``Product.search_name``.

On PostgreSQL a ``tsvector`` (config ``simple``: no stemming, the tokens are already words) is stored from
each and GIN-indexed; queries AND the words of the query, each word ORing its alternatives, ASCII words as
prefixes (``walnut`` finds ``walnuts``, ``het`` finds ``hetao``). Relevance has two tiers: products whose
own name matches come before those that match only by category or county; within a tier, popularity (sales
weighted by the shop's credit grade) decides. ``search_tiers`` splits a result into its tiers so that each
page is read straight off the popularity index instead of ranking every match (a common word such as 核桃
matches one product in nine). Elsewhere (the SQLite demo) the same tokens are matched with substring
tests: the same API, less speed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import rjieba
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Case, Count, Q, QuerySet, When
from django.db.models.expressions import RawSQL
from django.db.models.sql.where import AND
from pypinyin import Style, lazy_pinyin, load_phrases_dict

from catalog.models import Product
from catalog.reference import reference
from gansu_mall.core.api.pagination import COUNT_CACHE_MIN, COUNT_CACHE_SECONDS, cached_count

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
    return dict(reference().synonyms)


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


def _spaced(tokens: list[str]) -> str:
    # Spaces at both ends let the substring fallback match whole tokens: " 核桃 ".
    return " " + " ".join(tokens) + " "


def product_search_name(product: Product, synonyms: dict[str, str]) -> str:
    return _spaced(text_tokens(f"{product.name} {product.name_en}", synonyms))


def _ancestor_names(product: Product) -> list[str]:
    """Chinese and English names of the category's ancestors (a product filed under a sub-category of
    中药材 is found by 中药材)."""
    names: list[str] = []
    node = product.category.parent
    for _depth in range(5):
        if node is None:
            break
        names += [node.name, node.name_en]
        node = node.parent
    return names


def product_search_text(product: Product, synonyms: dict[str, str]) -> str:
    parts: Iterable[str] = (
        product.name,
        product.name_en,
        product.category.name,
        product.category.name_en,
        *_ancestor_names(product),
        product.origin_county.name,
        product.origin_county.name_en,
    )
    return _spaced(text_tokens(" ".join(parts), synonyms))


def product_reindex(*, product_ids: list[int]) -> int:
    """Rebuild the search text (and, on PostgreSQL, the vector) of these products."""
    synonyms = synonym_map()
    products = Product.objects.filter(pk__in=product_ids).select_related(
        "category__parent__parent", "origin_county"
    )
    for product in products:
        product.search_text = product_search_text(product, synonyms)
        product.search_name = product_search_name(product, synonyms)
        product.save(update_fields=["search_text", "search_name"])
    if connection.vendor == "postgresql":
        Product.objects.filter(pk__in=product_ids).update(
            # array_to_tsvector takes the tokens as they are: no parser, so no dependence on the database's
            # locale (PostgreSQL's parser drops Chinese characters under a plain "C" ctype).
            search_vector=RawSQL("array_to_tsvector(string_to_array(btrim(search_text), ' '))", []),
            name_vector=RawSQL("array_to_tsvector(string_to_array(btrim(search_name), ' '))", []),
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


def _substring_match(field: str, terms: list[list[str]]) -> Q:
    condition = Q()
    for alternatives in terms:
        any_of = Q()
        for token in alternatives:
            # ASCII words match as prefixes of a token, Chinese words as whole tokens.
            needle = f" {token}" if ASCII_WORD.match(token) else f" {token} "
            any_of |= Q(**{f"{field}__icontains": needle})
        condition &= any_of
    return condition


def search_products(products: QuerySet[Product], query: str) -> QuerySet[Product]:
    """Filter ``products`` to those matching every word of ``query``, annotated with ``relevance`` (True
    when the product's own name matches) and ordered by relevance, then popularity."""
    terms = query_terms(query, synonym_map())
    if not terms:
        return products.none() if query.strip() else products
    if connection.vendor == "postgresql":
        # The tsquery is written out and cast, again without the parser: tokens match lexemes exactly,
        # ASCII ones as prefixes.
        tsquery = _tsquery(terms)
        matched = products.annotate(
            relevance=RawSQL(
                "catalog_product.name_vector @@ %s::tsquery", [tsquery], output_field=BooleanField()
            ),
        ).filter(
            _Match("catalog_product.search_vector @@ %s::tsquery", [tsquery], output_field=BooleanField())
        )
    else:
        matched = products.filter(_substring_match("search_text", terms)).annotate(
            relevance=Case(
                When(_substring_match("search_name", terms), then=True),
                default=False,
                output_field=BooleanField(),
            )
        )
    return matched.order_by("-relevance", "-popularity", "-id")


class _Match(RawSQL):
    """The whole-index condition of a PostgreSQL search (a marker class, so ``search_tiers`` can find it)."""


def _without_match(results: QuerySet[Product]) -> QuerySet[Product]:
    """``results`` less its ``_Match`` condition. The product's own names are a subset of its index tokens,
    so where the name condition holds the match condition holds too; leaving it in would only make the
    planner take the two as independent, expect a few hundred rows where there are thousands, and rank
    every match instead of walking the popularity index (60 ms against 1.5 ms for "danggui")."""
    clone = results.all()
    where = clone.query.where
    if where.connector != AND or where.negated:
        return results
    kept = [child for child in where.children if not isinstance(getattr(child, "lhs", child), _Match)]
    if len(kept) == len(where.children):
        return results
    where.children = kept
    return clone


def tier_counts(results: QuerySet[Product]) -> list[int]:
    """The size of each of ``search_tiers(results)``, from one grouped query over the matches (two counts
    would read every match twice); cached like other large counts (see ``cached_count``)."""
    if "relevance" not in results.query.annotations:
        return [cached_count(results)]
    grouped = results.order_by().values_list("relevance").annotate(n=Count("pk"))
    try:
        sql, params = grouped.query.sql_with_params()
    except EmptyResultSet:
        return [0, 0]
    key = "tiers:" + hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
    counts = cache.get(key)
    if counts is None:
        by_relevance = {bool(relevance): n for relevance, n in grouped}
        counts = [by_relevance.get(True, 0), by_relevance.get(False, 0)]
        if sum(counts) >= COUNT_CACHE_MIN:
            cache.set(key, counts, COUNT_CACHE_SECONDS)
    return list(counts)


def search_tiers(results: QuerySet[Product]) -> list[QuerySet[Product]]:
    """The relevance tiers of a ``search_products`` result, each ordered by popularity: read one after the
    other they give the same order as ``results``, but each page comes off an index."""
    if "relevance" not in results.query.annotations:
        return [results]
    return [
        _without_match(results).filter(relevance=True).order_by("-popularity", "-id"),
        results.filter(relevance=False).order_by("-popularity", "-id"),
    ]
