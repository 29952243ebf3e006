"""The credit score: a transparent, rule-based sum, shown to the shop and the public component by component.

The rules (one table, no hidden weights):

=============================  ==========================================================================
base                           70 points for every subject
positive record                +3 / +6 / +10 points for severity 1 / 2 / 3; all positive records together
                               add at most +30
negative record                -4 / -12 / -24 points for severity 1 / 2 / 3
repaired negative record       counts at half weight (-2 / -6 / -12)
records that do not count      revoked records, and records on or after their ``expires_on`` day
clamp                          the score stays within 0 … 100
grade                          A from 85, B from 70, C from 55, D below 55; a subject without any counting
                               record is unrated (grade "")
red list (守信激励)            grade A and no unrevoked negative record that occurred in the last 2 years
black list (失信惩戒)          any counting ``serious_violation`` or ``court_enforcement`` record (repaired or
                               not: only revocation or expiry lifts it), or grade D
=============================  ==========================================================================

Every number is an integer, so there is no rounding anywhere. Pure functions: no database, easy to test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

BASE = 70
POSITIVE_POINTS = {1: 3, 2: 6, 3: 10}
POSITIVE_CAP = 30
NEGATIVE_POINTS = {1: 4, 2: 12, 3: 24}
REPAIRED_DIVISOR = 2  # a repaired negative record weighs 1/2
GRADE_FLOORS = (("A", 85), ("B", 70), ("C", 55))
RED_LIST_CLEAN_DAYS = 730  # "no negative record in the last 2 years"
BLACK_LIST_CATEGORIES = frozenset({"serious_violation", "court_enforcement"})


@dataclass(frozen=True)
class RecordFacts:
    """What the score needs of one record."""

    id: int
    polarity: str  # "positive" | "negative"
    category: str
    severity: int
    occurred_on: date
    expires_on: date | None = None
    revoked: bool = False
    repaired: bool = False

    def counts_on(self, today: date) -> bool:
        return (
            not self.revoked
            and self.occurred_on <= today
            and (self.expires_on is None or today < self.expires_on)
        )


@dataclass(frozen=True)
class ScoreResult:
    score: int
    grade: str
    components: list[dict[str, Any]] = field(default_factory=list)
    red_list: bool = False
    black_list: bool = False
    reasons: list[dict[str, Any]] = field(default_factory=list)


def grade_for(score: int) -> str:
    for grade, floor in GRADE_FLOORS:
        if score >= floor:
            return grade
    return "D"


def compute_score(records: Iterable[RecordFacts], *, today: date) -> ScoreResult:
    """The score, grade, components and list membership of a subject with these records, on ``today``."""
    records = sorted(records, key=lambda r: (r.occurred_on, r.id))
    counting = [r for r in records if r.counts_on(today)]
    components: list[dict[str, Any]] = [{"rule": "base", "weight": "1", "points": BASE}]
    positive_total = 0
    negative_total = 0
    for record in counting:
        if record.polarity == "positive":
            points = POSITIVE_POINTS[record.severity]
            granted = min(points, POSITIVE_CAP - positive_total)
            positive_total += granted
            components.append(_component(record, weight="1", points=granted))
        else:
            full = NEGATIVE_POINTS[record.severity]
            points = full // REPAIRED_DIVISOR if record.repaired else full
            negative_total += points
            components.append(_component(record, weight="1/2" if record.repaired else "1", points=-points))
    score = max(0, min(100, BASE + positive_total - negative_total))
    grade = grade_for(score) if counting else ""

    reasons: list[dict[str, Any]] = []
    listing = [r for r in counting if r.polarity == "negative" and r.category in BLACK_LIST_CATEGORIES]
    for record in listing:
        reasons.append({"list": "black", "rule": record.category, "record_id": record.id})
    if grade == "D":
        reasons.append({"list": "black", "rule": "grade_d"})
    black_list = bool(reasons)
    since = today - timedelta(days=RED_LIST_CLEAN_DAYS)
    recent_negative = any(
        r.polarity == "negative" and not r.revoked and since < r.occurred_on <= today for r in records
    )
    red_list = grade == "A" and not recent_negative and not black_list
    if red_list:
        reasons.append({"list": "red", "rule": "grade_a_clean_2_years"})
    return ScoreResult(
        score=score,
        grade=grade,
        components=components,
        red_list=red_list,
        black_list=black_list,
        reasons=reasons,
    )


def _component(record: RecordFacts, *, weight: str, points: int) -> dict[str, Any]:
    return {
        "rule": record.polarity,
        "record_id": record.id,
        "category": record.category,
        "severity": record.severity,
        "weight": weight,
        "points": points,
    }
