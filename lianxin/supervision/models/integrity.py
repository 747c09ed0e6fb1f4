"""廉政档案: cadres' yearly asset declarations (财产申报) with their items, personal-matter
reports (个人有关事项报告), the log of every read of them, and seeded spot checks (随机抽查)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = [
    "BusinessInterest",
    "Declaration",
    "DeclarationStatus",
    "Deposit",
    "FamilyMember",
    "IncomeItem",
    "IncomeKind",
    "IntegrityReadLog",
    "Liability",
    "MarriageChange",
    "PersonalMatterReport",
    "RealEstate",
    "Relation",
    "RelativeBusiness",
    "RelativeEmployment",
    "Security",
    "SpotCheck",
    "TravelAbroad",
    "Vehicle",
]

# Sane bounds: nobody in a county declares ten billion yuan or a 100,000 m² flat; such a figure is
# a typing error (an extra zero, cents typed as yuan) and is refused rather than stored.
MONEY_MAX = Decimal("10000000000")  # 10^10 yuan
AREA_MAX = Decimal("100000")  # m²
SHARE_MAX = Decimal("100")  # %


def _money_validators():
    return [
        MinValueValidator(Decimal("0"), message=_("The amount cannot be negative.")),
        MaxValueValidator(
            MONEY_MAX,
            message=_(
                "The amount is implausibly large (more than 10,000,000,000 yuan); check the figure."
            ),
        ),
    ]


def money_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name, max_digits=14, decimal_places=2, validators=_money_validators(), **kwargs
    )


def _money_check(model: str, field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": MONEY_MAX}),
        name=f"integrity_{model}_{field}_range",
    )


class DeclarationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    LOCKED = "locked", _("Locked")


class Relation(models.TextChoices):
    SELF = "self", _("Self")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")


class IncomeKind(models.TextChoices):
    SALARY = "salary", _("Salary and allowances")
    LABOUR = "labour", _("Remuneration for services")
    RENTAL = "rental", _("Rental income")
    INVESTMENT = "investment", _("Investment income")
    INHERITANCE = "inheritance", _("Inheritance or gift")
    # Proceeds of a sale turn an asset into money: they are the sale's record, not new wealth.
    ASSET_SALE = "asset_sale", _("Sale of an asset")
    OTHER = "other", _("Other income")


class _Filing(models.Model):
    """What a declaration and a personal-matter report share: whose, for which year, where the
    cadre served at the time, and how far it has gone."""

    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cadre"),
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit at the time")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeclarationStatus.choices,
        default=DeclarationStatus.DRAFT,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-year", "cadre_id"]

    @property
    def is_draft(self) -> bool:
        return self.status == DeclarationStatus.DRAFT


class Declaration(_Filing):
    """A cadre's yearly asset declaration (财产申报) for themself, spouse and children."""

    class Meta(_Filing.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "year"], name="integrity_declaration_one_per_year"
            )
        ]
        indexes = [models.Index(fields=["year", "unit"], name="integrity_decl_year_unit")]
        verbose_name = _("asset declaration")
        verbose_name_plural = _("asset declarations")

    def __str__(self) -> str:
        return f"{self.cadre} · {self.year}"


class PersonalMatterReport(_Filing):
    """个人有关事项报告: marriage changes, travel abroad, relatives' employment and businesses."""

    class Meta(_Filing.Meta):
        constraints = [
            models.UniqueConstraint(fields=["cadre", "year"], name="integrity_report_one_per_year")
        ]
        verbose_name = _("personal-matter report")
        verbose_name_plural = _("personal-matter reports")

    def __str__(self) -> str:
        return f"{self.cadre} · {self.year}"


# --- declaration items ------------------------------------------------------------------------


class _Item(models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="%(class)s_items"
    )
    # The family member's name as listed among the declaration's family members.
    holder = models.CharField(_("holder"), max_length=50, blank=True)

    class Meta:
        abstract = True
        ordering = ["id"]


class FamilyMember(models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="familymember_items"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)

    class Meta:
        ordering = ["id"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")

    def __str__(self) -> str:
        return self.name


class RealEstate(_Item):
    address = models.CharField(_("address"), max_length=200)
    area = models.DecimalField(
        _("area (m²)"),
        max_digits=9,
        decimal_places=2,
        validators=[
            MinValueValidator(Decimal("0"), message=_("The area cannot be negative.")),
            MaxValueValidator(
                AREA_MAX,
                message=_(
                    "The area is implausibly large (more than 100,000 m²); check the figure."
                ),
            ),
        ],
    )
    value = money_field(_("value (yuan)"))

    class Meta(_Item.Meta):
        constraints = [
            _money_check("realestate", "value"),
            models.CheckConstraint(
                condition=Q(area__gte=0) & Q(area__lte=AREA_MAX),
                name="integrity_realestate_area_range",
            ),
        ]
        verbose_name = _("real estate")
        verbose_name_plural = _("real estate")

    def __str__(self) -> str:
        return str(self.address)


class Vehicle(_Item):
    description = models.CharField(_("make and model"), max_length=100)
    plate = models.CharField(_("plate number"), max_length=20, blank=True)
    value = money_field(_("value (yuan)"))

    class Meta(_Item.Meta):
        constraints = [_money_check("vehicle", "value")]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return str(self.description)


class Deposit(_Item):
    bank = models.CharField(_("bank"), max_length=100)
    amount = money_field(_("amount (yuan)"))

    class Meta(_Item.Meta):
        constraints = [_money_check("deposit", "amount")]
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")

    def __str__(self) -> str:
        return str(self.bank)


class Security(_Item):
    name = models.CharField(_("stock, fund or bond"), max_length=100)
    value = money_field(_("market value (yuan)"))

    class Meta(_Item.Meta):
        constraints = [_money_check("security", "value")]
        verbose_name = _("security")
        verbose_name_plural = _("securities")

    def __str__(self) -> str:
        return str(self.name)


class Liability(_Item):
    lender = models.CharField(_("lender (mortgage, loan)"), max_length=100)
    amount = money_field(_("amount owed (yuan)"))

    class Meta(_Item.Meta):
        constraints = [_money_check("liability", "amount")]
        verbose_name = _("liability")
        verbose_name_plural = _("liabilities")

    def __str__(self) -> str:
        return str(self.lender)


def _share_field():
    return models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[
            MinValueValidator(Decimal("0"), message=_("The share cannot be negative.")),
            MaxValueValidator(SHARE_MAX, message=_("The share cannot be more than 100 percent.")),
        ],
    )


class BusinessInterest(_Item):
    company = models.CharField(_("company"), max_length=200)
    role = models.CharField(_("role"), max_length=50, blank=True)
    share = _share_field()
    investment = money_field(_("capital invested (yuan)"), default=0)
    registered_area = models.CharField(_("registered in (place)"), max_length=100, blank=True)
    # Set when the place is one of our units, so "inside the area of authority" is exact;
    # otherwise the comparison matches `registered_area` against unit names.
    registered_unit = models.ForeignKey(
        "core.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered in (unit)"),
    )
    deals_with = models.CharField(_("does business with"), max_length=200, blank=True)
    deals_with_unit = models.ForeignKey(
        "core.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("does business with (unit)"),
    )

    class Meta(_Item.Meta):
        constraints = [
            _money_check("business", "investment"),
            models.CheckConstraint(
                condition=Q(share__gte=0) & Q(share__lte=SHARE_MAX),
                name="integrity_business_share_range",
            ),
        ]
        verbose_name = _("business interest")
        verbose_name_plural = _("business interests")

    def __str__(self) -> str:
        return str(self.company)


class IncomeItem(_Item):
    kind = models.CharField(_("kind"), max_length=15, choices=IncomeKind.choices)
    amount = money_field(_("amount (yuan)"))
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta(_Item.Meta):
        constraints = [_money_check("income", "amount")]
        verbose_name = _("income")
        verbose_name_plural = _("incomes")

    def __str__(self) -> str:
        return str(self.kind)


# --- personal-matter report items -------------------------------------------------------------


class _ReportItem(models.Model):
    report = models.ForeignKey(
        PersonalMatterReport, on_delete=models.CASCADE, related_name="%(class)s_items"
    )

    class Meta:
        abstract = True
        ordering = ["id"]


class MarriageChange(_ReportItem):
    class Change(models.TextChoices):
        MARRIED = "married", _("Married")
        DIVORCED = "divorced", _("Divorced")
        WIDOWED = "widowed", _("Widowed")

    person = models.CharField(_("whose marriage"), max_length=50)
    change = models.CharField(_("change"), max_length=10, choices=Change.choices)
    date = models.DateField(_("date"))
    partner = models.CharField(_("partner's name"), max_length=50, blank=True)

    class Meta(_ReportItem.Meta):
        verbose_name = _("marriage change")
        verbose_name_plural = _("marriage changes")

    def __str__(self) -> str:
        return str(self.person)


class TravelAbroad(_ReportItem):
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    destination = models.CharField(_("destination"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=200)

    class Meta(_ReportItem.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="integrity_travel_dates_order"
            )
        ]
        verbose_name = _("travel abroad")
        verbose_name_plural = _("travel abroad")

    def __str__(self) -> str:
        return str(self.destination)


class RelativeEmployment(_ReportItem):
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=30)
    employer = models.CharField(_("employer"), max_length=200)
    position = models.CharField(_("position"), max_length=100, blank=True)

    class Meta(_ReportItem.Meta):
        verbose_name = _("relative's employment")
        verbose_name_plural = _("relatives' employment")

    def __str__(self) -> str:
        return str(self.name)


class RelativeBusiness(_ReportItem):
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=30)
    company = models.CharField(_("company"), max_length=200)
    role = models.CharField(_("role"), max_length=50, blank=True)
    share = _share_field()
    registered_area = models.CharField(_("registered in (place)"), max_length=100, blank=True)
    registered_unit = models.ForeignKey(
        "core.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered in (unit)"),
    )

    class Meta(_ReportItem.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gte=0) & Q(share__lte=SHARE_MAX),
                name="integrity_relbusiness_share_range",
            )
        ]
        verbose_name = _("relative's business")
        verbose_name_plural = _("relatives' businesses")

    def __str__(self) -> str:
        return str(self.company)


# --- reads and spot checks --------------------------------------------------------------------


class IntegrityReadLog(models.Model):
    """One read of a declaration or a personal-matter report by someone other than its cadre."""

    class Kind(models.TextChoices):
        DETAIL = "detail", _("Opened")
        LIST = "list", _("Listed with flags")
        EXPORT = "export", _("Exported")

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reads",
        verbose_name=_("asset declaration"),
    )
    report = models.ForeignKey(
        PersonalMatterReport,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reads",
        verbose_name=_("personal-matter report"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("read by"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DETAIL)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(declaration__isnull=False) | Q(report__isnull=False),
                name="integrity_readlog_has_object",
            )
        ]
        verbose_name = _("integrity read")
        verbose_name_plural = _("integrity reads")

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.declaration_id or self.report_id}"


class SpotCheck(models.Model):
    """A random spot check (随机抽查): the seed is announced first, the draw made later, both
    kept so anyone can re-run the draw (see lianxin/supervision/integrity.py `draw`)."""

    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("Seed announced")
        DRAWN = "drawn", _("Drawn")

    year = models.PositiveSmallIntegerField(_("year"))
    unit = models.ForeignKey(
        "core.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("among the cadres of"),
    )
    seed = models.CharField(_("seed"), max_length=200)
    share = models.DecimalField(_("share"), max_digits=5, decimal_places=4)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ANNOUNCED
    )
    eligible_hash = models.CharField(_("SHA-256 of the eligible list"), max_length=64, blank=True)
    eligible = models.JSONField(_("eligible cadres"), default=list, blank=True)
    drawn = models.JSONField(_("drawn cadres"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("seed announced at"))
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "unit", "seed"], name="integrity_spotcheck_unique_seed"
            ),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1), name="integrity_spotcheck_share_range"
            ),
        ]
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")

    def __str__(self) -> str:
        return f"{self.year} {self.seed}"
