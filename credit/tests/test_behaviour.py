"""Platform behaviour in credit: the table that judges a month, the service that writes at most one record
per identity and month (idempotent, audited, the score follows), the credit page's block, and the effects
still missing from the first increment: the nightly run suspends a newly black-listed identity's shop as
the platform, and a black-listed identity's shop is not reinstated."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from conftest import auth_client
from credit import services
from credit.behaviour import MonthFigures, Verdict, judge
from credit.models import CreditAudit, CreditRecord, CreditScore, CreditSubject
from credit.tests.conftest import record_input
from vendors.tests.factories import make_uscc

pytestmark = pytest.mark.django_db

GOOD = MonthFigures(
    orders_paid=20,
    orders_due=20,
    shipped_on_time=19,  # exactly 95 %
    refunds=1,  # exactly 5 %
    disputes=1,
    review_count=3,
    review_total=14,  # 4.67
)
OCTOBER = date(2026, 10, 1)


# --- The table --------------------------------------------------------------------------------------


def test_a_good_month_at_every_threshold_is_positive():
    assert judge(GOOD) == Verdict(polarity="positive", severity=1, rules=["good_month"])
    assert GOOD.on_time_percent == Decimal("95.0")
    assert GOOD.refund_percent == Decimal("5.0")
    assert GOOD.review_average == Decimal("4.67")


@pytest.mark.parametrize(
    "change",
    [
        {"orders_paid": 19},
        {"shipped_on_time": 18},  # 90 %
        {"refunds": 2},  # 10 %
        {"shop_cancellations": 1},
        {"review_count": 2, "review_total": 10},
        {"review_total": 13},  # 4.33
        {"orders_due": 0, "shipped_on_time": 0},
    ],
)
def test_one_figure_short_of_good_and_none_bad_earns_nothing(change):
    figures = MonthFigures(**(GOOD.__dict__ | change))
    assert judge(figures) is None


@pytest.mark.parametrize(
    ("figures", "severity", "rules"),
    [
        (MonthFigures(upheld_complaints=1), 1, ["upheld_complaints"]),
        (MonthFigures(upheld_complaints=3), 2, ["upheld_complaints"]),
        (MonthFigures(orders_due=5, shipped_on_time=3), 1, ["on_time_below_80"]),  # 60 %
        (MonthFigures(orders_due=5, shipped_on_time=2), 2, ["on_time_below_60"]),  # 40 %
        (MonthFigures(orders_paid=5, refunds=2), 1, ["refunds_above_20"]),  # 40 %
        (MonthFigures(orders_paid=5, refunds=3), 2, ["refunds_above_40"]),  # 60 %
        (MonthFigures(orders_paid=10, shop_cancellations=2), 1, ["cancellations_above_10"]),
        (
            MonthFigures(orders_paid=10, orders_due=10, shipped_on_time=5, refunds=3, upheld_complaints=1),
            2,
            ["on_time_below_60", "upheld_complaints", "refunds_above_20"],
        ),
    ],
)
def test_bad_months_are_negative_with_the_rules_that_decided(figures, severity, rules):
    assert judge(figures) == Verdict(polarity="negative", severity=severity, rules=rules)


@pytest.mark.parametrize(
    "figures",
    [
        MonthFigures(),
        MonthFigures(orders_due=5, shipped_on_time=4),  # exactly 80 %
        MonthFigures(orders_paid=5, refunds=1),  # exactly 20 %
        MonthFigures(orders_paid=10, shop_cancellations=1),  # exactly 10 %
        MonthFigures(orders_due=4, shipped_on_time=0, orders_paid=4, refunds=4),  # too few orders to judge
    ],
)
def test_in_between_and_small_months_earn_nothing(figures):
    assert judge(figures) is None


def test_figures_add_up_across_shops():
    total = MonthFigures(orders_paid=3, review_count=1, review_total=5) + MonthFigures(
        orders_paid=2, refunds=1
    )
    assert total == MonthFigures(orders_paid=5, refunds=1, review_count=1, review_total=5)


# --- The service ------------------------------------------------------------------------------------


def behaviour(code: str, figures: MonthFigures, month: date = OCTOBER):
    from credit.identity import identity_hash

    return services.platform_behaviour_record(
        identity_hash=identity_hash(code),
        month=month,
        figures=figures,
        subject_code=code,
        subject_name="某合作社",
    )


def test_a_good_month_writes_a_public_platform_record_audited_and_the_score_follows(on_commit):
    code = make_uscc()
    outcome = on_commit(behaviour, code, GOOD, date(2026, 10, 17))
    record = outcome.record
    assert outcome.created is True
    assert (record.polarity, record.category, record.severity, record.public) == (
        "positive",
        "platform_behaviour",
        1,
        True,
    )
    assert (record.department, record.created_by, record.period) == (None, None, OCTOBER)
    assert (record.occurred_on, record.expires_on) == (date(2026, 10, 31), date(2027, 11, 1))
    assert record.title == "平台经营行为 2026-10：表现良好"
    assert record.figures["on_time_percent"] == "95.0"
    assert record.figures["rules"] == ["good_month"]
    assert (record.subject.name, record.subject.kind) == ("某合作社", "uscc")
    audit = CreditAudit.objects.get(action="record_created")
    assert (audit.actor, audit.object_id, audit.before) == (None, record.pk, None)
    assert audit.after["figures"]["orders_paid"] == 20
    assert audit.after["period"] == "2026-10-01"
    score = CreditScore.objects.get()
    assert (score.score, score.grade) == (73, "B")


def test_a_bad_month_is_negative_with_the_policy_expiry(on_commit, settings):
    outcome = on_commit(behaviour, make_uscc(), MonthFigures(orders_due=5, shipped_on_time=2))
    record = outcome.record
    assert (record.polarity, record.severity) == ("negative", 2)
    assert record.expires_on == date(2029, 10, 31)  # severity 2: 3 years
    assert record.title == "平台经营行为 2026-10：未达到平台标准"
    assert CreditScore.objects.get().score == 58


def test_an_in_between_month_writes_nothing_not_even_a_subject(on_commit):
    outcome = on_commit(behaviour, make_uscc(), MonthFigures(orders_paid=5, refunds=1))
    assert (outcome.record, outcome.created) == (None, False)
    assert CreditSubject.objects.count() == 0
    assert CreditAudit.objects.count() == 0


def test_running_the_month_again_changes_nothing_even_with_other_figures(
    on_commit, django_capture_on_commit_callbacks
):
    code = make_uscc()
    first = on_commit(behaviour, code, GOOD).record
    audits = CreditAudit.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = behaviour(code, MonthFigures(upheld_complaints=3), date(2026, 10, 31))
    assert (again.record, again.created) == (first, False)
    assert callbacks == []
    assert CreditRecord.objects.count() == 1
    assert CreditAudit.objects.count() == audits
    nxt = on_commit(behaviour, code, GOOD, date(2026, 11, 1))  # another month: another record
    assert nxt.created is True
    assert CreditRecord.objects.count() == 2


def test_the_unique_key_holds_one_record_per_subject_and_month(on_commit):
    from django.db import IntegrityError, transaction

    record = on_commit(behaviour, make_uscc(), GOOD).record
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditRecord.objects.create(
            subject=record.subject,
            polarity="positive",
            category="platform_behaviour",
            severity=1,
            title="twice",
            occurred_on=record.occurred_on,
            period=OCTOBER,
        )
    assert CreditRecord.objects.count() == 1


def test_an_identity_the_registry_does_not_know_is_skipped_without_its_code():
    outcome = services.platform_behaviour_record(identity_hash="0" * 64, month=OCTOBER, figures=GOOD)
    assert (outcome.record, outcome.created) == (None, False)
    assert CreditRecord.objects.count() == 0


# --- The credit page ----------------------------------------------------------------------------------


def test_the_credit_page_shows_the_months_figures_in_both_languages(shop, on_commit):
    figures = MonthFigures(
        orders_paid=24,
        orders_due=22,
        shipped_on_time=21,
        refunds=1,
        disputes=0,
        review_count=5,
        review_total=23,
    )
    on_commit(behaviour, shop.uscc, figures)
    english = Client().get(f"/credit/{shop.slug}/?lang=en").content.decode()
    assert '<h2 id="platform-behaviour">Platform behaviour</h2>' in english
    row = english.split('data-testid="behaviour-2026-10"')[1].split("</tr>")[0]
    cells = [" ".join(c.split("</td>")[0].split()) for c in row.split("<td>")[1:]]
    assert cells == [
        "2026-10",
        "24",
        "95.5 % (21/22)",
        "0",
        "4.2 % (1)",
        "0.0 % (0)",
        "0",
        "4.60 from 5 reviews",
        "positive · severity 1",
    ]
    chinese = Client().get(f"/credit/{shop.slug}/").content.decode()
    assert '<h2 id="platform-behaviour">平台经营行为</h2>' in chinese
    row = chinese.split('data-testid="behaviour-2026-10"')[1].split("</tr>")[0]
    cells = [" ".join(c.split("</td>")[0].split()) for c in row.split("<td>")[1:]]
    assert cells == [
        "2026-10",
        "24",
        "95.5 % (21/22)",
        "0",
        "4.2 % (1)",
        "0.0 % (0)",
        "0",
        "5 条评价，平均 4.60",
        "守信 · 严重程度 1",
    ]


def test_the_credit_page_without_behaviour_records_says_so(shop):
    html = Client().get(f"/credit/{shop.slug}/?lang=en").content.decode()
    assert "No platform-behaviour records yet." in html


def test_the_credit_page_query_count_does_not_grow_with_the_months(shop, on_commit):
    on_commit(behaviour, shop.uscc, GOOD)
    with CaptureQueriesContext(connection) as one:
        assert Client().get(f"/credit/{shop.slug}/").status_code == 200
    for month in range(1, 8):
        on_commit(behaviour, shop.uscc, GOOD, date(2026, month, 1))
    with CaptureQueriesContext(connection) as many:
        html = Client().get(f"/credit/{shop.slug}/").content.decode()
    assert len(many.captured_queries) == len(one.captured_queries)
    assert html.count('data-testid="behaviour-') == 6  # the last six months
    assert 'data-testid="behaviour-2026-10"' in html
    assert 'data-testid="behaviour-2026-03"' in html
    assert 'data-testid="behaviour-2026-02"' not in html


# --- Effects: the nightly suspension and the reinstatement refusal --------------------------------------


@pytest.fixture
def listed_overnight(market, shop, on_commit):
    """A shop whose identity stands at C only thanks to a positive record that then expires: the nightly run
    finds it at D (black list) with nobody having written anything."""
    from credit.tasks import credit_scores_nightly

    positive = on_commit(
        services.record_create,
        actor=market,
        data=record_input(
            shop.uscc, polarity="positive", category="certification", severity=3, title="绿色食品"
        ),
    )
    on_commit(
        services.record_create, actor=market, data=record_input(shop.uscc, severity=2, title="标签不合格")
    )
    on_commit(
        services.record_create, actor=market, data=record_input(shop.uscc, severity=1, title="未公示执照")
    )
    shop.refresh_from_db()
    assert (shop.status, shop.credit_grade) == ("active", "C")  # 70 + 10 - 12 - 4 = 64
    CreditRecord.objects.filter(pk=positive.pk).update(
        occurred_on=date(2024, 1, 1), expires_on=date(2025, 1, 1)
    )
    with translation.override("zh-hans"):  # as on the worker: the site's language
        assert credit_scores_nightly() == 1
    shop.refresh_from_db()
    return shop


def test_the_nightly_run_suspends_a_newly_black_listed_identitys_shop_as_the_platform(listed_overnight):
    from catalog.selectors import products_public

    shop = listed_overnight
    assert (shop.status, shop.credit_grade) == ("suspended", "D")
    change = shop.status_changes.get()
    assert (change.from_status, change.to_status, change.actor) == ("active", "suspended", None)
    assert change.reason == "在失信黑名单上（grade_d）。"
    assert list(products_public().filter(vendor=shop)) == []


def test_a_black_listed_identitys_shop_is_not_reinstated_by_api(listed_overnight, bureau):
    shop = listed_overnight
    response = auth_client(bureau).post(
        f"/api/v1/vendors/{shop.slug}/reinstate/", {"reason": "整改完成"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "blacklisted"
    shop.refresh_from_db()
    assert shop.status == "suspended"
    assert shop.status_changes.count() == 1


def test_a_black_listed_identitys_shop_is_not_reinstated_on_the_page(listed_overnight, bureau):
    shop = listed_overnight
    client = Client()
    client.force_login(bureau)
    response = client.post(
        "/bureau/shops/?lang=en",
        {"slug": shop.slug, "action": "reinstate", "reason": "整改完成"},
        follow=True,
    )
    html = response.content.decode()
    assert "on the credit black list; it cannot be reinstated." in html
    shop.refresh_from_db()
    assert shop.status == "suspended"
    assert shop.status_changes.count() == 1


def test_once_the_identity_is_off_the_black_list_the_shop_is_reinstated(
    listed_overnight, bureau, market, on_commit
):
    from vendors import services as vendor_services

    shop = listed_overnight
    record = CreditRecord.objects.get(title="标签不合格")
    on_commit(services.record_revoke, record=record, actor=market, reason="录入错误")
    vendor_services.vendor_set_status(vendor=shop, action="reinstate", actor=bureau, reason="整改完成")
    shop.refresh_from_db()
    assert shop.status == "active"
    assert [c.actor for c in shop.status_changes.all()] == [None, bureau]


def test_reinstating_a_shop_of_an_identity_unknown_to_the_registry_is_allowed(shop, bureau):
    from vendors import services as vendor_services

    vendor_services.vendor_set_status(vendor=shop, action="suspend", actor=bureau, reason="检查")
    vendor_services.vendor_set_status(vendor=shop, action="reinstate", actor=bureau, reason="整改完成")
    shop.refresh_from_db()
    assert shop.status == "active"
    assert shop.status_changes.count() == 2


def test_the_public_api_gives_the_months_figures_with_the_record(shop, on_commit):
    on_commit(behaviour, shop.uscc, GOOD)
    response = Client().get(f"/api/v1/credit/vendors/{shop.slug}/")
    assert response.status_code == 200
    (record,) = response.json()["records"]
    assert (record["category"], record["polarity"], record["period"]) == (
        "platform_behaviour",
        "positive",
        "2026-10-01",
    )
    assert record["figures"] == GOOD.as_json() | {"rules": ["good_month"]}
    assert record["department"] is None
