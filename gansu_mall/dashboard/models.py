"""The dashboards' daily rollups: what the bureau's pages and the summary API read, never the raw orders.

A day is a calendar day in the platform's time zone (Asia/Shanghai). Sales figures are booked on the day the
order was paid, refunds on the day the money went back, shipments on the day the parcel left. Places are the
shop's county (where the seller is registered) and its prefecture; ``poverty_relief`` is that county's flag
when the row was computed. Each table is rebuilt from the raw data by ``manage.py rebuild_rollups`` and kept
current cell by cell (``dashboard.rollups``) after every change that touches it.

References to shops, products and categories are plain ids to the database (no foreign-key constraint and
no index of their own): a rebuild writes millions of rows, and each constraint or index costs every row.
The indexes the dashboards query by are declared below.
"""

from __future__ import annotations

from django.db import models

from gansu_mall.core.money import MoneyField


class PlaceMixin(models.Model):
    county_code = models.CharField(max_length=6)
    prefecture_code = models.CharField(max_length=6)

    class Meta:
        abstract = True


# The additive figures of a ShopDay / CountyDay cell (the fields of SalesFigures), for the code that sums them.
SALES_FIELDS = (
    "orders",
    "gmv",
    "items_total",
    "group_orders",
    "cross_border_orders",
    "cross_border_gmv",
    "refunds",
    "refund_amount",
    "shipped",
    "shipped_on_time",
    "hub_shipped",
    "hub_on_time",
    "ship_seconds",
)
MONEY_FIELDS = frozenset({"gmv", "items_total", "cross_border_gmv", "refund_amount"})  # of them, the money


class SalesFigures(models.Model):
    """Additive figures of one cell: sums and counts that add up across days, shops and places."""

    orders = models.PositiveIntegerField(default=0)  # orders paid that day
    gmv = MoneyField(default=0)  # the sum of their totals (items + shipping)
    items_total = MoneyField(default=0)
    group_orders = models.PositiveIntegerField(default=0)  # of them, group-buy orders
    cross_border_orders = models.PositiveIntegerField(
        default=0
    )  # of them, to addresses outside mainland China
    cross_border_gmv = MoneyField(default=0)
    refunds = models.PositiveIntegerField(default=0)  # refunds paid back that day
    refund_amount = MoneyField(default=0)
    shipped = models.PositiveIntegerField(default=0)  # orders shipped that day
    shipped_on_time = models.PositiveIntegerField(default=0)  # of them, by their ship-by time
    hub_shipped = models.PositiveIntegerField(default=0)  # of them, shipped by the hub
    hub_on_time = models.PositiveIntegerField(default=0)
    ship_seconds = models.BigIntegerField(default=0)  # the sum of payment-to-shipment times of ``shipped``

    class Meta:
        abstract = True


class ShopDay(PlaceMixin, SalesFigures):
    """One shop's figures for one day (rows only for days with something to count)."""

    day = models.DateField()
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    vendor_type = models.CharField(max_length=12)
    poverty_relief = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vendor", "day"], name="shop_day_once")]
        indexes = [
            # Covering (PostgreSQL): the period's rows by shop read from the index alone (top shops, group-buy
            # merchants); other databases get the plain index.
            models.Index(
                fields=["day"],
                name="shop_day_day",
                include=["vendor_id", "county_code", "gmv", "orders", "refund_amount", "group_orders"],
            ),
            models.Index(fields=["county_code", "day"], name="shop_day_county"),
            # The few rows with group-buy orders (the group-buy merchants of a period), and a shop's rows by
            # day with the figures the group-buy merchants' row sums.
            models.Index(
                fields=["day"],
                name="shop_day_group",
                include=["vendor_id", "county_code"],
                condition=models.Q(group_orders__gt=0),
            ),
            models.Index(fields=["vendor", "day"], name="shop_day_vendor", include=["gmv", "orders"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} shop {self.vendor_id}"


class CountyDay(PlaceMixin, SalesFigures):
    """The sum of ``ShopDay`` over the shops of one county and one vendor type, for one day: the overview's
    table (a few thousand rows a month, however many shops)."""

    day = models.DateField()
    vendor_type = models.CharField(max_length=12)
    poverty_relief = models.BooleanField(default=False)
    # Figures that are not sums of the shops' rows:
    buyers = models.PositiveIntegerField(
        default=0
    )  # distinct buyers who paid that day (this county and type)
    group_shops = models.PositiveIntegerField(default=0)  # shops with a group-buy order paid that day

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county_code", "vendor_type", "day"], name="county_day_once")
        ]
        indexes = [models.Index(fields=["day"], name="county_day_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.county_code} {self.vendor_type}"


class CountyMonth(PlaceMixin, SalesFigures):
    """The sum of ``CountyDay`` over a calendar month (per county, vendor type and poverty-relief flag): a
    range's whole months are read from these rows, its other days from CountyDay (a year is 12 rows per
    cell instead of 365). Kept from the CountyDay rows whenever they change."""

    month = models.DateField()  # its first day
    vendor_type = models.CharField(max_length=12)
    poverty_relief = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "vendor_type", "poverty_relief", "month"], name="county_month_once"
            )
        ]
        indexes = [models.Index(fields=["month"], name="county_month_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.county_code} {self.vendor_type}"


class BuyerDay(PlaceMixin, models.Model):
    """That a buyer paid for an order of a shop on a day: distinct buyers of any range and area are counted
    from these rows (distinct counts do not add up across days)."""

    day = models.DateField()
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    vendor_type = models.CharField(max_length=12)
    buyer_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vendor", "day", "buyer_id"], name="buyer_day_once")]
        indexes = [
            models.Index(
                fields=["day", "buyer_id"], name="buyer_day_day", include=["county_code", "prefecture_code"]
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} shop {self.vendor_id} buyer {self.buyer_id}"


class BuyerMonth(models.Model):
    """The buyers who paid in a calendar month, as a bitmap of their user ids (bit n set: user n paid for an
    order of a shop there), for all of Gansu (``prefecture_code`` "") and for each prefecture. The distinct
    buyers of a range that holds whole months are counted by OR-ing these and adding the BuyerDay buyers of
    its remaining days who are not in them: a year is twelve bitmaps and a few weeks of rows, where hashing
    its 600,000 BuyerDay rows took a quarter of a second. Kept from the BuyerDay rows of the month."""

    month = models.DateField()  # its first day
    prefecture_code = models.CharField(max_length=6, blank=True)  # "": the whole province
    buyers = models.BinaryField()  # little-endian bits, no trailing zero bytes
    count = models.PositiveIntegerField(default=0)  # bits set

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefecture_code", "month"], name="buyer_month_once")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.prefecture_code or 'province'}: {self.count} buyers"


class BuyerDaySet(models.Model):
    """The buyers who paid on a day, as a zlib-compressed bitmap of their user ids (``BuyerMonth``'s bitmap,
    compressed: a day's buyers are a few thousand of hundreds of thousands of ids), for all of Gansu
    (``prefecture_code`` "") and for each prefecture. The days of a range outside its whole months are OR-ed
    from these instead of hashing their BuyerDay rows; BuyerMonth is OR-ed from them. Kept from the day's
    BuyerDay rows."""

    day = models.DateField()
    prefecture_code = models.CharField(max_length=6, blank=True)  # "": the whole province
    buyers = models.BinaryField()  # zlib.compress of the little-endian bitmap (as BuyerMonth.buyers)
    count = models.PositiveIntegerField(default=0)  # bits set

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefecture_code", "day"], name="buyer_day_set_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.prefecture_code or 'province'}: {self.count} buyers"


class ProvinceDay(SalesFigures):
    """The sum of ``CountyDay`` over every county of a day, per vendor type and poverty-relief flag: what
    the province's staff see (the overview's figures and series) without summing 86 counties' rows."""

    day = models.DateField()
    vendor_type = models.CharField(max_length=12)
    poverty_relief = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor_type", "poverty_relief", "day"], name="province_day_once")
        ]
        indexes = [models.Index(fields=["day"], name="province_day_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.vendor_type}"


class DestinationDay(PlaceMixin, models.Model):
    """Orders paid on a day by destination province (domestic and cross-border), per shop county."""

    day = models.DateField()
    vendor_type = models.CharField(max_length=12)
    province_code = models.CharField(max_length=6)  # where the parcel goes
    outside_mainland = models.BooleanField(default=False)
    orders = models.PositiveIntegerField(default=0)
    gmv = MoneyField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "vendor_type", "province_code", "day"], name="destination_day_once"
            )
        ]
        indexes = [models.Index(fields=["day"], name="destination_day_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.county_code} → {self.province_code}"


class DestinationMonth(PlaceMixin, models.Model):
    """The sum of ``DestinationDay`` over a calendar month per shop county and destination, as CountyMonth is
    of CountyDay (without the vendor types, which the destinations table does not split by)."""

    month = models.DateField()  # its first day
    province_code = models.CharField(max_length=6)
    orders = models.PositiveIntegerField(default=0)
    gmv = MoneyField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "province_code", "month"], name="destination_month_once"
            )
        ]
        indexes = [models.Index(fields=["month"], name="destination_month_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.county_code} → {self.province_code}"


class ProvinceDestinationDay(models.Model):
    """The sum of ``DestinationDay`` over every county and vendor type of a day, per destination: the
    province's destinations table."""

    day = models.DateField()
    province_code = models.CharField(max_length=6)
    orders = models.PositiveIntegerField(default=0)
    gmv = MoneyField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["province_code", "day"], name="prov_destination_day_once")
        ]
        indexes = [models.Index(fields=["day"], name="prov_destination_day_day")]

    def __str__(self) -> str:
        return f"{self.day} → {self.province_code}"


class CategoryFigures(models.Model):
    """Goods sold in a category (CategoryDay, CategoryMonth, ProvinceCategoryDay)."""

    category = models.ForeignKey(
        "catalog.Category", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    # The category's parent when the row was computed (None: a top-level category), for drilling down.
    parent = models.ForeignKey(
        "catalog.Category",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    orders = models.PositiveIntegerField(default=0)
    gmv = MoneyField(default=0)  # line totals (goods; shipping is not split across categories)
    quantity = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class CategoryDay(PlaceMixin, CategoryFigures):
    """Goods sold on a day in a category and in each of its ancestors (an order counts once per category it
    bought from, so a parent's orders are not the sum of its children's), per shop county and vendor type."""

    day = models.DateField()
    vendor_type = models.CharField(max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "vendor_type", "category", "day"], name="category_day_once"
            )
        ]
        indexes = [models.Index(fields=["day", "parent"], name="category_day_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.county_code} category {self.category_id}"


class CategoryMonth(PlaceMixin, CategoryFigures):
    """The sum of ``CategoryDay`` over a calendar month (per county, vendor type, category and the parent it
    had: a category moved within the month has a row under each parent), as CountyMonth is of CountyDay."""

    month = models.DateField()  # its first day
    vendor_type = models.CharField(max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "vendor_type", "category", "parent", "month"],
                name="category_month_once",
            )
        ]
        indexes = [models.Index(fields=["month", "parent"], name="category_month_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.county_code} category {self.category_id}"


class ProductDay(PlaceMixin, models.Model):
    """Goods of one product sold on one day."""

    day = models.DateField()
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    vendor_type = models.CharField(max_length=12)
    category = models.ForeignKey(
        "catalog.Category", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    orders = models.PositiveIntegerField(default=0)
    gmv = MoneyField(default=0)
    quantity = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "day"], name="product_day_once")]
        indexes = [
            models.Index(
                fields=["day"],
                name="product_day_day",
                include=["product_id", "county_code", "category_id", "gmv", "orders", "quantity"],
            ),
            models.Index(fields=["vendor", "day"], name="product_day_vendor"),
        ]

    def __str__(self) -> str:
        return f"{self.day} product {self.product_id}"


class ShopChangeDay(PlaceMixin, models.Model):
    """Shops opened and closed on a day, per county and vendor type: the number of shops at any date is the
    sum of openings minus closings (plus reopenings) up to it."""

    day = models.DateField()
    vendor_type = models.CharField(max_length=12)
    opened = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)  # closed shops reinstated that day

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county_code", "vendor_type", "day"], name="shop_change_day_once")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.county_code} {self.vendor_type}"


class ApplicationDay(PlaceMixin, models.Model):
    """Shop applications per day, county and vendor type: submitted that day, and decided that day with the
    sum of their times from submission to the decision."""

    day = models.DateField()
    vendor_type = models.CharField(max_length=12)
    submitted = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    approval_seconds = models.BigIntegerField(default=0)  # the sum over ``approved``

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county_code", "vendor_type", "day"], name="application_day_once")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.county_code} {self.vendor_type}"


class ProvinceApplicationDay(models.Model):
    """The sum of ``ApplicationDay`` over every county and vendor type of a day: the province's applications
    and approval times."""

    day = models.DateField(unique=True)
    submitted = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    approval_seconds = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.submitted} submitted"


class ProvinceCategoryDay(CategoryFigures):
    """The sum of ``CategoryDay`` over every county and vendor type of a day, per category: the province's
    categories (an order still counts once per category and ancestor, as in CategoryDay)."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "parent", "day"], name="province_category_day_once")
        ]
        indexes = [models.Index(fields=["day", "parent"], name="province_category_day_day")]

    def __str__(self) -> str:
        return f"{self.day} category {self.category_id}"
