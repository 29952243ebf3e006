"""Models of settlement (imported by ``orders.models``, whose app owns their migrations).

Sign convention of the ledger: a posting's amount is what it adds to its account's balance, and every
journal entry's postings add up to zero. "Buyer payments clearing" therefore runs negative by everything
captured, and once every order is settled and paid out,

    paid out + commission + refunds (+ adjustments) == −clearing == everything captured.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gansu_mall.core.crypto import EncryptedTextField
from gansu_mall.core.money import MoneyField

HALF_FEN = models.Value("0.005", output_field=models.DecimalField(max_digits=4, decimal_places=3))


class AccountKind(models.TextChoices):
    CLEARING = "clearing", _("buyer payments clearing")
    SHOP_PENDING = "shop_pending", _("shop payable: pending")
    SHOP_AVAILABLE = "shop_available", _("shop payable: available")
    SHOP_PAYOUT = "shop_payout", _("shop payable: in a payout")
    SHOP_PAID_OUT = "shop_paid_out", _("paid out to the shop")
    COMMISSION = "commission", _("platform commission revenue")
    REFUNDS = "refunds", _("refunds to buyers")
    ADJUSTMENTS = "adjustments", _("adjustments")


SHOP_ACCOUNT_KINDS = (
    AccountKind.SHOP_PENDING,
    AccountKind.SHOP_AVAILABLE,
    AccountKind.SHOP_PAYOUT,
    AccountKind.SHOP_PAID_OUT,
)


class LedgerAccount(models.Model):
    """An account of the ledger: the platform's own (no shop) or one of a shop's."""

    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    vendor = models.ForeignKey(
        "vendors.Vendor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind", "vendor_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "vendor"], condition=Q(vendor__isnull=False), name="ledger_account_shop_once"
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(vendor__isnull=True), name="ledger_account_platform_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in SHOP_ACCOUNT_KINDS], vendor__isnull=False)
                | (~Q(kind__in=[k.value for k in SHOP_ACCOUNT_KINDS]) & Q(vendor__isnull=True)),
                name="ledger_account_owner_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.vendor_id or 'platform'}"


class EntryKind(models.TextChoices):
    PAYMENT = "payment", _("payment captured")
    REFUND = "refund", _("refund")
    SETTLEMENT = "settlement", _("settlement")
    PAYOUT = "payout", _("payout")
    PAYOUT_PAID = "payout_paid", _("payout paid")
    PAYOUT_FAILED = "payout_failed", _("payout failed")
    ADJUSTMENT = "adjustment", _("adjustment")


class JournalEntry(models.Model):
    """One money movement. Never updated or deleted (PostgreSQL triggers refuse it); its postings balance
    (a deferred constraint trigger checks at commit). ``idempotency_key`` makes a repeated post a no-op."""

    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    reference = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=100, unique=True)
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")

    def __str__(self) -> str:
        return self.idempotency_key


class Posting(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="postings")
    amount = MoneyField(_("amount"))

    class Meta:
        ordering = ["entry_id", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="posting_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.account_id} {self.amount}"


def _rate_field(verbose_name: str | object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=4)  # type: ignore[arg-type]


RATE_RANGE = Q(rate__gte=0) & Q(rate__lte=1)


class CommissionRate(models.Model):
    """The commission rate of a category (0.0500 = 5 %); sub-categories without one inherit the nearest
    ancestor's, and a category with none in its line pays COMMISSION_DEFAULT_RATE."""

    category = models.OneToOneField(
        "catalog.Category",
        on_delete=models.PROTECT,
        related_name="commission_rate",
        verbose_name=_("category"),
    )
    rate = _rate_field(_("commission rate"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category_id"]
        constraints = [models.CheckConstraint(condition=RATE_RANGE, name="commission_rate_in_range")]
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")

    def __str__(self) -> str:
        return f"{self.category_id}: {self.rate}"


class ShopCommission(models.Model):
    """A rate set by platform staff for one shop, over every category's."""

    vendor = models.OneToOneField(
        "vendors.Vendor", on_delete=models.PROTECT, related_name="commission_override", verbose_name=_("shop")
    )
    rate = _rate_field(_("commission rate"))
    note = models.CharField(_("reason"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vendor_id"]
        constraints = [models.CheckConstraint(condition=RATE_RANGE, name="shop_commission_in_range")]
        verbose_name = _("shop commission rate")
        verbose_name_plural = _("shop commission rates")

    def __str__(self) -> str:
        return f"{self.vendor_id}: {self.rate}"


class SettlementStatus(models.TextChoices):
    """A statement's state follows its payout's (or says that nothing was left to pay)."""

    PAYOUT_PENDING = "payout_pending", pgettext_lazy("settlement status", "payout pending")
    PAYOUT_HELD = "payout_held", pgettext_lazy("settlement status", "payout held")
    PAYOUT_EXPORTED = "payout_exported", pgettext_lazy("settlement status", "payout sent to the bank")
    PAID = "paid", pgettext_lazy("settlement status", "paid")
    PAYOUT_FAILED = "payout_failed", pgettext_lazy("settlement status", "payout failed")
    NOTHING_TO_PAY = "nothing_to_pay", pgettext_lazy("settlement status", "nothing to pay")


class Settlement(models.Model):
    """A shop's statement for one period: the orders settled in it and the refunds of settled orders."""

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="settlements")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    orders_count = models.PositiveIntegerField(_("orders"))
    gross = MoneyField(_("gross"))
    commission = MoneyField(_("commission"))
    refunds = MoneyField(_("refunds"))
    # Refunds of orders settled in an earlier period (negative, or zero).
    adjustments = MoneyField(_("adjustments"))
    net = MoneyField(_("net"))
    status = models.CharField(_("status"), max_length=16, choices=SettlementStatus.choices)
    # The entry moving the money from pending to available (none when nothing moved: every order refunded).
    entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "period_end"], name="settlement_once_per_shop_period"),
            models.CheckConstraint(condition=Q(adjustments__lte=0), name="settlement_adjustments_negative"),
            models.CheckConstraint(
                condition=Q(
                    net__gte=models.F("gross")
                    - models.F("commission")
                    - models.F("refunds")
                    + models.F("adjustments")
                    - HALF_FEN
                )
                & Q(
                    net__lte=models.F("gross")
                    - models.F("commission")
                    - models.F("refunds")
                    + models.F("adjustments")
                    + HALF_FEN
                ),
                name="settlement_net_adds_up",
            ),
        ]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.period_start}…{self.period_end}"


class SettlementLine(models.Model):
    """An order on a statement, with its figures frozen: gross (the order's total), refunds executed before
    settlement, commission (``commission_detail`` has each item's rate and amount), net."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="lines")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="settlement_line")
    gross = MoneyField(_("gross"))
    commission = MoneyField(_("commission"))
    refunds = MoneyField(_("refunds"))
    net = MoneyField(_("net"))
    commission_detail = models.JSONField(default=list)

    class Meta:
        ordering = ["settlement_id", "order_id"]

    def __str__(self) -> str:
        return f"{self.settlement_id}: {self.order_id}"


class SettledRefund(models.Model):
    """Which statement counted an executed refund: on its order's line, or (``adjustment``) as a negative
    adjustment because its order had been settled in an earlier period."""

    refund = models.OneToOneField("orders.Refund", on_delete=models.PROTECT, related_name="settled")
    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="settled_refunds")
    amount = MoneyField(_("amount"))
    adjustment = models.BooleanField(default=False)

    class Meta:
        ordering = ["settlement_id", "refund_id"]

    def __str__(self) -> str:
        return f"{self.settlement_id}: {self.refund_id}"


class PayoutStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("payout status", "waiting to be sent")
    HELD = "held", pgettext_lazy("payout status", "held (credit black list)")
    EXPORTED = "exported", pgettext_lazy("payout status", "sent to the bank")
    PAID = "paid", pgettext_lazy("payout status", "paid")
    FAILED = "failed", pgettext_lazy("payout status", "failed")


class PayoutBatch(models.Model):
    """One bank-transfer batch file: the payouts exported together."""

    number = models.CharField(_("batch number"), max_length=32, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    total = MoneyField(_("total"))
    count = models.PositiveIntegerField(_("payouts"))

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class Payout(models.Model):
    """Money sent to a shop's bank account. The account is copied when the payout is exported (the number
    encrypted), so that the batch file and the payout agree even if the shop changes its account later."""

    number = models.CharField(_("payout number"), max_length=32, unique=True)
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="payouts")
    settlement = models.OneToOneField(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="payout"
    )
    amount = MoneyField(_("amount"))
    status = models.CharField(
        _("status"), max_length=8, choices=PayoutStatus.choices, default=PayoutStatus.PENDING
    )
    batch = models.ForeignKey(
        PayoutBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    holder = models.CharField(_("account holder"), max_length=100, blank=True)
    account_number = EncryptedTextField(_("account number"), blank=True)
    account_last4 = models.CharField(max_length=4, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive")]
        indexes = [models.Index(fields=["status", "created_at"], name="payout_status_created")]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")

    def __str__(self) -> str:
        return self.number


class PayoutEvent(models.Model):
    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=8, blank=True)
    to_status = models.CharField(max_length=8, choices=PayoutStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.payout_id}: {self.from_status} → {self.to_status}"
