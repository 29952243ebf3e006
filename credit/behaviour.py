"""Platform behaviour: a shop's calendar month on the platform, judged by one fixed table, written as at most
one ``platform_behaviour`` record per legal identity and month (``services.platform_behaviour_record``).

The figures come from orders and logistics, read by the orchestrating layer (``orders.tasks.
credit_platform_behaviour`` through ``orders.selectors.shop_behaviour_month``); credit imports neither and
only sees :class:`MonthFigures`. What each figure counts is documented there; in short: orders paid in the
month, orders whose ship-by time fell in the month and how many of them shipped in time, cancellations the
shop caused, buyer-requested refunds granted, refunds taken to the bureau, complaints the bureau upheld for
the buyer, reviews written.

The table (every comparison is done on integers, so there is no rounding at a threshold):

=====================  ==============================================================================
positive, severity 1   at least 20 orders paid, at least one order due and ≥ 95 % of them shipped on
                       time, refund rate ≤ 5 %, no shop-caused cancellation, no upheld complaint, at
                       least 3 reviews averaging ≥ 4.5
negative, severity 2   3 or more upheld complaints; or, with at least 5 orders due, < 60 % on time; or,
                       with at least 5 orders paid, a refund rate > 40 %
negative, severity 1   otherwise any upheld complaint; or, with at least 5 orders due, < 80 % on time;
                       or, with at least 5 orders paid, a refund rate > 20 % or shop-caused
                       cancellations > 10 % of the orders paid
nothing                everything in between, and a month without orders or complaints
=====================  ==============================================================================

A positive record expires after ``POSITIVE_MONTHS`` (12) months; a negative one after the policy period of
its severity, like every negative record (settings ``CREDIT_NEGATIVE_EXPIRY_YEARS``). Pure functions: no
database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

POSITIVE_MIN_ORDERS = 20
POSITIVE_ON_TIME_PERCENT = 95
POSITIVE_MAX_REFUND_PERCENT = 5
POSITIVE_MIN_REVIEWS = 3
POSITIVE_MIN_REVIEW_AVERAGE = Decimal("4.5")
NEGATIVE_MIN_ORDERS = 5  # the rate rules need at least this many orders (due, or paid)
NEGATIVE_ON_TIME_PERCENT = (80, 60)  # below: severity 1, severity 2
NEGATIVE_REFUND_PERCENT = (20, 40)  # above: severity 1, severity 2
NEGATIVE_CANCELLATION_PERCENT = 10  # above: severity 1
NEGATIVE_UPHELD_SEVERE = 3  # this many upheld complaints: severity 2 (one is enough for severity 1)
POSITIVE_MONTHS = 12


def _percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class MonthFigures:
    """One shop's (or one identity's) month; every field a count, so that two shops' months add up."""

    orders_paid: int = 0
    orders_due: int = 0  # orders whose ship-by time fell in the month (not cancelled before it)
    shipped_on_time: int = 0  # of those, shipped by their ship-by time
    shop_cancellations: int = 0
    refunds: int = 0  # buyer-requested refunds granted in the month
    disputes: int = 0  # refunds taken to the bureau in the month
    upheld_complaints: int = 0  # escalated refunds the bureau decided for the buyer in the month
    review_count: int = 0
    review_total: int = 0  # the sum of the ratings

    def __add__(self, other: MonthFigures) -> MonthFigures:
        mine, theirs = asdict(self), asdict(other)
        return MonthFigures(**{name: mine[name] + theirs[name] for name in mine})

    @property
    def on_time_percent(self) -> Decimal | None:
        return _percent(self.shipped_on_time, self.orders_due)

    @property
    def refund_percent(self) -> Decimal | None:
        return _percent(self.refunds, self.orders_paid)

    @property
    def dispute_percent(self) -> Decimal | None:
        return _percent(self.disputes, self.orders_paid)

    @property
    def review_average(self) -> Decimal | None:
        if not self.review_count:
            return None
        return (Decimal(self.review_total) / self.review_count).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    def as_json(self) -> dict[str, Any]:
        """The counts and the derived rates (as strings: exact decimals), as stored on the record."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return asdict(self) | {
            "on_time_percent": text(self.on_time_percent),
            "refund_percent": text(self.refund_percent),
            "dispute_percent": text(self.dispute_percent),
            "review_average": text(self.review_average),
        }


@dataclass(frozen=True)
class Verdict:
    polarity: str  # "positive" | "negative"
    severity: int
    rules: list[str] = field(default_factory=list)  # the rules that decided it, e.g. "on_time_below_80"


def _below(part: int, whole: int, percent: int) -> bool:
    return part * 100 < percent * whole


def _above(part: int, whole: int, percent: int) -> bool:
    return part * 100 > percent * whole


def judge(figures: MonthFigures) -> Verdict | None:
    """The record a month earns by the table above: positive, negative (severity 1 or 2), or None."""
    f = figures
    severe: list[str] = []
    bad: list[str] = []
    if f.upheld_complaints >= NEGATIVE_UPHELD_SEVERE:
        severe.append("upheld_complaints")
    elif f.upheld_complaints:
        bad.append("upheld_complaints")
    if f.orders_due >= NEGATIVE_MIN_ORDERS:
        if _below(f.shipped_on_time, f.orders_due, NEGATIVE_ON_TIME_PERCENT[1]):
            severe.append(f"on_time_below_{NEGATIVE_ON_TIME_PERCENT[1]}")
        elif _below(f.shipped_on_time, f.orders_due, NEGATIVE_ON_TIME_PERCENT[0]):
            bad.append(f"on_time_below_{NEGATIVE_ON_TIME_PERCENT[0]}")
    if f.orders_paid >= NEGATIVE_MIN_ORDERS:
        if _above(f.refunds, f.orders_paid, NEGATIVE_REFUND_PERCENT[1]):
            severe.append(f"refunds_above_{NEGATIVE_REFUND_PERCENT[1]}")
        elif _above(f.refunds, f.orders_paid, NEGATIVE_REFUND_PERCENT[0]):
            bad.append(f"refunds_above_{NEGATIVE_REFUND_PERCENT[0]}")
        if _above(f.shop_cancellations, f.orders_paid, NEGATIVE_CANCELLATION_PERCENT):
            bad.append(f"cancellations_above_{NEGATIVE_CANCELLATION_PERCENT}")
    if severe or bad:
        return Verdict(polarity="negative", severity=2 if severe else 1, rules=severe + bad)
    average = f.review_average
    if (
        f.orders_paid >= POSITIVE_MIN_ORDERS
        and f.orders_due >= 1
        and not _below(f.shipped_on_time, f.orders_due, POSITIVE_ON_TIME_PERCENT)
        and not _above(f.refunds, f.orders_paid, POSITIVE_MAX_REFUND_PERCENT)
        and f.shop_cancellations == 0
        and f.upheld_complaints == 0
        and f.review_count >= POSITIVE_MIN_REVIEWS
        and average is not None
        and average >= POSITIVE_MIN_REVIEW_AVERAGE
    ):
        return Verdict(polarity="positive", severity=1, rules=["good_month"])
    return None


def _dash(value: Decimal | None) -> str:
    return "—" if value is None else str(value)


def describe(figures: MonthFigures, verdict: Verdict, *, month: date) -> tuple[str, str]:
    """The record's title and legal basis: which figures, against which thresholds (in the active language)."""
    f = figures
    label = f"{month:%Y-%m}"
    if verdict.polarity == "positive":
        title = _("Platform behaviour %(month)s: good standing") % {"month": label}
    else:
        title = _("Platform behaviour %(month)s: below the platform's standards") % {"month": label}
    parts = [
        _("%(n)d orders paid") % {"n": f.orders_paid},
        _("shipped on time %(on_time)d of %(due)d (%(percent)s %%)")
        % {"on_time": f.shipped_on_time, "due": f.orders_due, "percent": _dash(f.on_time_percent)},
        _("refund rate %(percent)s %%") % {"percent": _dash(f.refund_percent)},
        _("dispute rate %(percent)s %%") % {"percent": _dash(f.dispute_percent)},
        _("shop-caused cancellations %(n)d") % {"n": f.shop_cancellations},
        _("upheld complaints %(n)d") % {"n": f.upheld_complaints},
        _("reviews %(n)d, average %(average)s") % {"n": f.review_count, "average": _dash(f.review_average)},
    ]
    rules = {
        "good_month": _(
            "positive: at least %(orders)d orders, at least %(on_time)d %% on time, refunds at most "
            "%(refunds)d %%, no shop-caused cancellation or upheld complaint, at least %(reviews)d reviews "
            "averaging at least %(average)s"
        )
        % {
            "orders": POSITIVE_MIN_ORDERS,
            "on_time": POSITIVE_ON_TIME_PERCENT,
            "refunds": POSITIVE_MAX_REFUND_PERCENT,
            "reviews": POSITIVE_MIN_REVIEWS,
            "average": POSITIVE_MIN_REVIEW_AVERAGE,
        },
        "upheld_complaints": _("upheld complaints (%(n)d or more: severity 2)")
        % {"n": NEGATIVE_UPHELD_SEVERE},
    }
    for percent in NEGATIVE_ON_TIME_PERCENT:
        rules[f"on_time_below_{percent}"] = _("on time below %(percent)d %%") % {"percent": percent}
    for percent in NEGATIVE_REFUND_PERCENT:
        rules[f"refunds_above_{percent}"] = _("refund rate above %(percent)d %%") % {"percent": percent}
    rules[f"cancellations_above_{NEGATIVE_CANCELLATION_PERCENT}"] = _(
        "shop-caused cancellations above %(percent)d %% of the orders paid"
    ) % {"percent": NEGATIVE_CANCELLATION_PERCENT}
    basis = _("Platform rules for shops: %(rules)s. Figures of %(month)s: %(figures)s.") % {
        "rules": "; ".join(str(rules[r]) for r in verdict.rules),
        "month": label,
        "figures": "; ".join(parts),
    }
    return title[:200], basis[:500]
