"""The credit part of seed_demo: every category, the red and black lists, an open objection, idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from credit.models import Category, CreditAudit, CreditObjection, CreditRecord, CreditScore
from gansu_mall.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_seed_demo_credit(settings, capsys):
    from vendors import services as vendor_services
    from vendors.models import Vendor, VendorApplication

    settings.DEBUG = True
    call_command("seed_demo")
    audits = CreditAudit.objects.count()
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Demo credit records: 11 new." in out
    assert "Demo credit records: 0 new." in out
    assert CreditAudit.objects.count() == audits  # the second run wrote nothing
    assert set(CreditRecord.objects.values_list("category", flat=True)) == set(Category.values)
    assert set(CreditRecord.objects.values_list("department__name", flat=True)) == {
        None,
        "国家税务总局甘肃省税务局",
        "甘肃省农业农村厅",
        "甘肃省市场监督管理局",
    }
    red = CreditScore.objects.get(red_list=True)
    assert (red.subject.name, red.score, red.grade) == ("成县红川核桃种植专业合作社", 100, "A")
    assert Vendor.objects.get(name="成县红川核桃合作社").credit_grade == "A"
    black = CreditScore.objects.get(black_list=True)
    assert (black.subject.name, black.grade) == ("兰州市七里河区西果园百合专业合作社", "D")
    assert CreditObjection.objects.get(status="open").raised_by.username == "demo_herbs"
    application = VendorApplication.objects.get(shop_name="七里河百合合作社")
    bureau = application.applicant.__class__.objects.get(username="demo_bureau")
    with pytest.raises(ApplicationError) as caught:
        vendor_services.application_approve(application=application, actor=bureau)
    assert caught.value.code == "blacklisted"
    application.refresh_from_db()
    assert application.status == "submitted"
