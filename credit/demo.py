"""Demo credit data (seed_demo): three departments (market regulation with its account), records of every category about the demo
shops' legal identities, a shop on the red list, an identity on the black list (the pending application of
七里河百合合作社, which the bureau therefore cannot approve), a repaired record and an open objection.

Idempotent: a record is created only if its subject has no record of that title yet. Runs after the shops
and products exist, so their grades and the products' popularity follow at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from credit import services
from credit.behaviour import MonthFigures
from credit.identity import identity_hash, uscc_check
from credit.models import CreditObjection, CreditRecord, CreditSubject
from credit.tasks import subject_score_refresh
from gansu_mall.accounts.models import User
from gansu_mall.accounts.services import department_get_or_create

MARKET = "甘肃省市场监督管理局"  # the department of the existing demo_department account
TAX = "国家税务总局甘肃省税务局"
AGRICULTURE = "甘肃省农业农村厅"


# Legal identities of the demo shops (vendors/demo.py): USCC bodies, the check character is computed.
COOP = "93621221MA7HX0001"  # 成县红川核桃合作社, approved: the red list
HERBS = "91621122MA7HX0002"  # 陇西黄芪药业, approved: an open objection
TRADE = "91620102MA7HX0007"  # approved: a repaired penalty
LILY = "93620103MA7HX0006"  # 七里河百合合作社, application pending: the black list


@dataclass(frozen=True)
class DemoRecord:
    body: str
    name: str
    department: str  # the source department ("" for the bureau's own records)
    polarity: str
    category: str
    severity: int
    title: str
    days_ago: int
    legal_basis: str = ""
    public: bool = True


DEMO_RECORDS: tuple[DemoRecord, ...] = (
    DemoRecord(
        COOP,
        "成县红川核桃种植专业合作社",
        AGRICULTURE,
        "positive",
        "gi_authorisation",
        3,
        "成县核桃地理标志使用授权",
        400,
        "《地理标志产品保护规定》",
    ),
    DemoRecord(
        COOP,
        "成县红川核桃种植专业合作社",
        AGRICULTURE,
        "positive",
        "certification",
        3,
        "绿色食品认证（核桃仁）",
        200,
        "《绿色食品标志管理办法》",
    ),
    DemoRecord(COOP, "成县红川核桃种植专业合作社", "", "positive", "award", 3, "省级农民合作社示范社", 120),
    DemoRecord(
        HERBS,
        "陇西县岐黄中药材有限公司",
        TAX,
        "positive",
        "tax_credit",
        2,
        "纳税信用A级纳税人",
        300,
        "《纳税信用管理办法》",
    ),
    DemoRecord(
        HERBS,
        "陇西县岐黄中药材有限公司",
        MARKET,
        "negative",
        "inspection",
        1,
        "黄芪片抽检水分超标",
        45,
        "《食品安全抽样检验管理办法》",
    ),
    DemoRecord(
        TRADE,
        "",
        MARKET,
        "negative",
        "administrative_penalty",
        1,
        "未按规定公示营业执照",
        300,
        "《电子商务法》第十五条",
    ),
    DemoRecord(
        TRADE,
        "",
        "",
        "positive",
        "platform_behaviour",
        1,
        "按时发货率 99%（平台行为）",
        20,
        public=True,
    ),
    DemoRecord(
        LILY,
        "兰州市七里河区西果园百合专业合作社",
        MARKET,
        "negative",
        "serious_violation",
        3,
        "销售假冒地理标志百合",
        90,
        "《商标法》第五十七条",
    ),
    DemoRecord(
        LILY,
        "兰州市七里河区西果园百合专业合作社",
        "",
        "negative",
        "court_enforcement",
        2,
        "失信被执行人（拒不履行判决）",
        60,
        "《民事诉讼法》",
    ),
)


# Last month's platform behaviour of two demo shops (illustrative figures: the demo's own orders are all of
# this month, and credit cannot read orders; ``manage.py credit_platform_behaviour`` computes real ones).
# The walnut co-operative earns a positive record; the herb company's month is in between: no record.
DEMO_BEHAVIOUR: tuple[tuple[str, MonthFigures], ...] = (
    (
        COOP,
        MonthFigures(
            orders_paid=32,
            orders_due=31,
            shipped_on_time=31,
            refunds=1,
            disputes=0,
            review_count=12,
            review_total=57,
        ),
    ),
    (
        TRADE,
        MonthFigures(orders_paid=24, orders_due=24, shipped_on_time=23, review_count=5, review_total=23),
    ),
    (
        HERBS,
        MonthFigures(
            orders_paid=18,
            orders_due=17,
            shipped_on_time=15,
            refunds=2,
            disputes=1,
            review_count=6,
            review_total=26,
        ),
    ),
)


def _last_month(today: date) -> date:
    first = today.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def _code(body: str) -> str:
    return body + uscc_check(body)


def seed_demo_credit() -> int:
    """Create what is missing; returns how many records were new (with last month's platform behaviour).

    Market regulation writes through its own account (demo_department); the tax and agriculture
    departments' records are entered by the bureau on their behalf (they have no demo account).
    """
    departments = {name: department_get_or_create(name=name) for name in (MARKET, TAX, AGRICULTURE)}
    bureau = User.objects.get(username="demo_bureau")
    market = User.objects.get(username="demo_department")
    today = timezone.localdate()
    created = 0
    with transaction.atomic():
        for demo in DEMO_RECORDS:
            code = _code(demo.body)
            if CreditRecord.objects.filter(
                subject__identity_hash=identity_hash(code), title=demo.title
            ).exists():
                continue
            own = demo.department == MARKET
            record = services.record_create(
                actor=market if own else bureau,
                on_behalf_of=None if own or not demo.department else departments[demo.department],
                data=services.RecordInput(
                    subject_code=code,
                    subject_name=demo.name,
                    polarity=demo.polarity,
                    category=demo.category,
                    severity=demo.severity,
                    title=demo.title,
                    occurred_on=today - timedelta(days=demo.days_ago),
                    legal_basis=demo.legal_basis,
                    public=demo.public,
                ),
                today=today,
            )
            created += 1
            if demo.body == TRADE and demo.category == "administrative_penalty":
                services.record_repair(record=record, actor=bureau, today=today)
        _open_objection()
        month = _last_month(today)
        for body, figures in DEMO_BEHAVIOUR:
            code = _code(body)
            outcome = services.platform_behaviour_record(
                identity_hash=identity_hash(code), month=month, figures=figures, subject_code=code
            )
            created += outcome.created
    for subject_id in CreditSubject.objects.order_by("pk").values_list("pk", flat=True):
        subject_score_refresh(subject_id)  # now, whether or not Celery runs: shops follow their grade
    return created


def _open_objection() -> None:
    record = CreditRecord.objects.filter(
        subject__identity_hash=identity_hash(_code(HERBS)), category="inspection"
    ).first()
    owner = User.objects.filter(username="demo_herbs").first()
    if record is None or owner is None or CreditObjection.objects.filter(record=record).exists():
        return
    services.objection_create(
        record=record,
        user=owner,
        owned_identity_hashes={record.subject.identity_hash},
        reason="抽检样品在运输中受潮，复检合格，附复检报告。",
    )


__all__ = ["seed_demo_credit"]
