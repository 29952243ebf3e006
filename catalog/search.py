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
from typing import Any

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


# The vector the GIN index ``catalog_product_scoped_gin`` holds (migration 0012): the search tokens and two of
# the product's own columns as tokens, its category ("~c12") and its origin county ("~r621221"). A search
# filtered by category or prefecture is then one index condition, ``'核桃' & ('~c1' | '~c2' | '~c3')``,
# instead of two bitmaps (the words' and the category's, a B-tree scan of every product in the category)
# combined. The tokens are computed from the columns in the index expression itself: never stale, whether a
# product moves to another category or a category moves in the tree (the filter's ids are the tree's current
# descendants). They start with "~", which no query word can (words are [a-z0-9] or Chinese), so a search
# for "c" never matches them.
SCOPED_VECTOR = (
    "(catalog_product.search_vector || array_to_tsvector(ARRAY["
    "'~c' || catalog_product.category_id::text, '~r' || catalog_product.origin_county_id::text]))"
)


def _scope_tsquery(categories: list[int] | None, counties: list[str] | None) -> str:
    """The tsquery of ``categories`` (any of them) and ``counties`` (any of them); "" for no scope."""
    groups = []
    if categories is not None:
        groups.append([f"'~c{int(pk)}'" for pk in categories])
    if counties is not None:
        groups.append([f"'~r{code}'" for code in counties if str(code).isdigit()])
    # An empty group (an unknown category) matches nothing, as the filter's empty IN list did.
    return " & ".join("(" + " | ".join(group) + ")" if group else "'~none'" for group in groups)


def search_products(
    products: QuerySet[Product],
    query: str,
    *,
    categories: list[int] | None = None,
    counties: list[str] | None = None,
) -> QuerySet[Product]:
    """Filter ``products`` to those matching every word of ``query``, annotated with ``relevance`` (True
    when the product's own name matches) and ordered by relevance, then popularity. ``categories`` and
    ``counties``, when given, also restrict the products to those ids and county codes (on PostgreSQL, in the
    same index condition as the words: see SCOPED_VECTOR)."""
    terms = query_terms(query, synonym_map())
    if not terms:
        if query.strip():
            return products.none()
        return _scoped_by_columns(products, categories, counties)
    if connection.vendor == "postgresql":
        # The tsquery is written out and cast, again without the parser: tokens match lexemes exactly,
        # ASCII ones as prefixes.
        tsquery = _tsquery(terms)
        scope = _scope_tsquery(categories, counties)
        matched = products.annotate(
            relevance=RawSQL(
                "catalog_product.name_vector @@ %s::tsquery", [tsquery], output_field=BooleanField()
            ),
        ).filter(
            _Match(
                f"{SCOPED_VECTOR} @@ %s::tsquery",
                [f"{tsquery} & {scope}" if scope else tsquery],
                output_field=BooleanField(),
                scope=scope,
            )
        )
    else:
        matched = (
            _scoped_by_columns(products, categories, counties)
            .filter(_substring_match("search_text", terms))
            .annotate(
                relevance=Case(
                    When(_substring_match("search_name", terms), then=True),
                    default=False,
                    output_field=BooleanField(),
                )
            )
        )
    return matched.order_by("-relevance", "-popularity", "-id")


def _scoped_by_columns(
    products: QuerySet[Product], categories: list[int] | None, counties: list[str] | None
) -> QuerySet[Product]:
    if categories is not None:
        products = products.filter(category_id__in=categories)
    if counties is not None:
        products = products.filter(origin_county_id__in=counties)
    return products


class _Match(RawSQL):
    """The whole-index condition of a PostgreSQL search (a marker class, so ``search_tiers`` can find it),
    with the tsquery of its category and county scope, if any."""

    def __init__(self, sql: str, params: list[str], output_field: BooleanField, scope: str = "") -> None:
        super().__init__(sql, params, output_field=output_field)
        self.scope = scope


def _without_match(results: QuerySet[Product]) -> QuerySet[Product]:
    """``results`` less its ``_Match`` condition (but with its category and county scope). The product's own
    names are a subset of its index tokens, so where the name condition holds the match condition holds too;
    leaving it in would only make the planner take the two as independent, expect a few hundred rows where
    there are thousands, and rank every match instead of walking the popularity index (60 ms against 1.5 ms
    for "danggui")."""
    clone = results.all()
    where = clone.query.where
    if where.connector != AND or where.negated:
        return results
    matches: list[_Match] = []
    for child in where.children:
        condition = getattr(child, "lhs", child)
        if isinstance(condition, _Match):
            matches.append(condition)
    if not matches:
        return results
    where.children = [c for c in where.children if not isinstance(getattr(c, "lhs", c), _Match)]
    for scope in (match.scope for match in matches):
        if scope:
            clone = clone.filter(
                RawSQL(f"{SCOPED_VECTOR} @@ %s::tsquery", [scope], output_field=BooleanField())  # noqa: S611
            )
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


# A tier of at most this many products is paged by reading all of it through the GIN indexes and sorting it
# (a top-N sort of a few thousand rows: ~1-2 ms); a larger one by walking the popularity index, which passes
# about (page end) x (products) / (tier size) rows before its page is full: with 100,000 products, page 3 of a
# tier of 2,000 walks some 3,000. A filtered search (a category, a prefecture) is usually small and scattered
# thinly over the popularity index, where the walk cost several milliseconds for a page.
SORT_MAX = 2000


def _fence() -> str:
    """``AS MATERIALIZED`` on PostgreSQL: the matches are read on their own (bitmap scans of the GIN
    indexes), never by walking a sort index in the outer query's order."""
    return "MATERIALIZED " if connection.vendor == "postgresql" else ""


class SortedIds:
    """The ids of ``results`` (a queryset), sliced by reading every match and sorting them by popularity, the
    same order as ``results.order_by("-popularity", "-id")``; for tiers of at most SORT_MAX products."""

    ordered = True

    def __init__(self, results: QuerySet[Product]) -> None:
        self.results = results

    def count(self) -> int:
        return self.results.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[int]:
        if not isinstance(item, slice) or item.step not in (None, 1) or item.stop is None:
            raise TypeError("SortedIds takes bounded plain slices")
        start = item.start or 0
        if item.stop <= start:
            return []
        inner = self.results.order_by().values_list("pk", "popularity")
        try:
            sql, params = inner.query.sql_with_params()
        except EmptyResultSet:
            return []
        statement = (
            f"WITH m (id, popularity) AS {_fence()}({sql}) "  # noqa: S608  (Django-compiled SQL, its params apart)
            "SELECT id FROM m ORDER BY popularity DESC, id DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, [*params, item.stop - start, start])
            return [row[0] for row in cursor.fetchall()]


def search_matches_sql(results: QuerySet[Product]) -> tuple[str, tuple[Any, ...]] | None:
    """The SQL of a ``search_products`` result's matches as (id, category_id, county, relevance,
    popularity), unordered; None for a result that cannot match (an empty search)."""
    inner = results.order_by().values_list("pk", "category_id", "origin_county_id", "relevance", "popularity")
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def search_facets_and_page(
    matches: tuple[str, tuple[Any, ...]], *, start: int, stop: int
) -> tuple[list[tuple[int, str, bool, int]], list[int]]:
    """For the matches of ``search_matches_sql``: their counts by (category, origin county, relevance) and
    the ids of the slice [start:stop) in the result's order (relevance, popularity, id), from one statement
    that reads the matches once: the grouped counts and the page were two reads of the same rows."""
    sql, params = matches
    statement = (
        f"WITH m (id, category_id, county, relevance, popularity) AS {_fence()}({sql}) "  # noqa: S608
        "SELECT 0, category_id, county, relevance, COUNT(*) FROM m GROUP BY category_id, county, relevance "
        "UNION ALL SELECT * FROM (SELECT 1, id, CAST(NULL AS TEXT), CAST(NULL AS BOOLEAN), CAST(NULL AS BIGINT)"
        " FROM m ORDER BY relevance DESC, popularity DESC, id DESC LIMIT %s OFFSET %s) page"
    )
    rows: list[tuple[int, str, bool, int]] = []
    ids: list[int] = []
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, max(stop - start, 0), start])
        for kind, first, county, relevance, n in cursor.fetchall():
            if kind == 0:
                rows.append((first, county, bool(relevance), n))
            else:
                ids.append(first)
    return rows, ids


def search_tiers(results: QuerySet[Product]) -> list[QuerySet[Product]]:
    """The relevance tiers of a ``search_products`` result, each ordered by popularity: read one after the
    other they give the same order as ``results``, but each page comes off an index."""
    if "relevance" not in results.query.annotations:
        return [results]
    return [
        _without_match(results).filter(relevance=True).order_by("-popularity", "-id"),
        results.filter(relevance=False).order_by("-popularity", "-id"),
    ]
