"""The score table of credit/scoring.py: fixed examples with exact numbers, and properties."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from credit.scoring import RecordFacts, compute_score, grade_for

TODAY = date(2026, 11, 26)


def rec(
    n, polarity, severity, *, category=None, days_ago=100, expires_in=None, revoked=False, repaired=False
):
    occurred = TODAY - timedelta(days=days_ago)
    return RecordFacts(
        id=n,
        polarity=polarity,
        category=category or ("award" if polarity == "positive" else "administrative_penalty"),
        severity=severity,
        occurred_on=occurred,
        expires_on=TODAY + timedelta(days=expires_in) if expires_in is not None else None,
        revoked=revoked,
        repaired=repaired,
    )


def test_no_records_is_unrated_at_the_base():
    result = compute_score([], today=TODAY)
    assert (result.score, result.grade, result.red_list, result.black_list) == (70, "", False, False)
    assert result.components == [{"rule": "base", "weight": "1", "points": 70}]


def test_fixed_examples():
    # 70 + 10 + 6 - 12 = 74 -> B
    result = compute_score([rec(1, "positive", 3), rec(2, "positive", 2), rec(3, "negative", 2)], today=TODAY)
    assert (result.score, result.grade) == (74, "B")
    assert [c["points"] for c in result.components] == [70, 10, 6, -12]
    # 70 + 10 + 10 = 90 -> A, no negative record: red list
    result = compute_score([rec(1, "positive", 3), rec(2, "positive", 3)], today=TODAY)
    assert (result.score, result.grade, result.red_list) == (90, "A", True)
    assert result.reasons == [{"list": "red", "rule": "grade_a_clean_2_years"}]
    # positive records add at most 30: four severity-3 awards give 100, not 110; the fourth gives 0
    result = compute_score([rec(n, "positive", 3) for n in range(1, 5)], today=TODAY)
    assert result.score == 100
    assert [c["points"] for c in result.components[1:]] == [10, 10, 10, 0]
    # 70 - 24 = 46 -> D, black list by grade D
    result = compute_score([rec(1, "negative", 3)], today=TODAY)
    assert (result.score, result.grade, result.black_list) == (46, "D", True)
    assert result.reasons == [{"list": "black", "rule": "grade_d"}]
    # repaired: half weight, 70 - 12 = 58 -> C
    result = compute_score([rec(1, "negative", 3, repaired=True)], today=TODAY)
    assert (result.score, result.grade, result.black_list) == (58, "C", False)
    assert result.components[1] == {
        "rule": "negative",
        "record_id": 1,
        "category": "administrative_penalty",
        "severity": 3,
        "weight": "1/2",
        "points": -12,
    }
    # clamp at 0
    assert compute_score([rec(n, "negative", 3) for n in range(1, 5)], today=TODAY).score == 0


def test_grade_floors():
    assert [grade_for(s) for s in (100, 85, 84, 70, 69, 55, 54, 0)] == [
        "A",
        "A",
        "B",
        "B",
        "C",
        "C",
        "D",
        "D",
    ]


def test_black_list_by_serious_violation_even_with_a_good_score():
    records = [rec(n, "positive", 3) for n in range(1, 4)] + [
        rec(9, "negative", 1, category="serious_violation")
    ]
    result = compute_score(records, today=TODAY)
    assert (result.score, result.grade, result.black_list, result.red_list) == (96, "A", True, False)
    assert result.reasons == [{"list": "black", "rule": "serious_violation", "record_id": 9}]


def test_red_list_needs_two_clean_years():
    awards = [rec(n, "positive", 3) for n in range(1, 4)]
    old_negative = rec(9, "negative", 1, days_ago=800, expires_in=-1)  # expired, and 800 days ago
    recent_expired = rec(9, "negative", 1, days_ago=400, expires_in=-1)  # expired, but within 2 years
    assert compute_score([*awards, old_negative], today=TODAY).red_list is True
    assert compute_score([*awards, recent_expired], today=TODAY).red_list is False
    revoked = rec(9, "negative", 1, days_ago=10, revoked=True)
    assert compute_score([*awards, revoked], today=TODAY).red_list is True


def test_expiry_day_is_the_first_day_it_no_longer_counts():
    counting = rec(1, "negative", 2, expires_in=1)
    expired = rec(1, "negative", 2, expires_in=0)
    assert compute_score([counting], today=TODAY).score == 58
    assert compute_score([expired], today=TODAY).score == 70


records_strategy = st.lists(
    st.builds(
        rec,
        n=st.integers(1, 10_000),
        polarity=st.sampled_from(["positive", "negative"]),
        severity=st.integers(1, 3),
        category=st.sampled_from(
            [
                "administrative_penalty",
                "serious_violation",
                "tax_credit",
                "inspection",
                "award",
                "certification",
            ]
        ),
        days_ago=st.integers(0, 3000),
        expires_in=st.one_of(st.none(), st.integers(-2000, 2000)),
        revoked=st.booleans(),
        repaired=st.booleans(),
    ),
    max_size=12,
)


@given(records=records_strategy, severity=st.integers(1, 3), days_ago=st.integers(0, 3000))
def test_adding_a_positive_record_never_lowers_the_score(records, severity, days_ago):
    before = compute_score(records, today=TODAY)
    after = compute_score([*records, rec(99_999, "positive", severity, days_ago=days_ago)], today=TODAY)
    assert after.score >= before.score
    assert 0 <= after.score <= 100


@given(
    records=records_strategy, polarity=st.sampled_from(["positive", "negative"]), severity=st.integers(1, 3)
)
def test_an_expired_or_revoked_record_no_longer_counts(records, polarity, severity):
    before = compute_score(records, today=TODAY)
    expired = rec(99_999, polarity, severity, days_ago=500, expires_in=-1)
    revoked = rec(99_998, polarity, severity, revoked=True)
    after = compute_score([*records, expired, revoked], today=TODAY)
    assert after.score == before.score
    assert after.black_list == before.black_list
