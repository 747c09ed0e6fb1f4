"""Pure functions of the integrity records: year-over-year comparison of two declarations with
its flags, and the seeded, verifiable spot-check draw. No database here: the selectors build the
snapshots (plain values) and call these; tests call them directly.

The methods are documented in docs/supervision/integrity.md."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.utils.translation import gettext as _

ZERO = Decimal("0")

# Income kinds that are not new wealth: the proceeds of a sale are the sale's record.
NOT_INCOME = {"asset_sale"}


# --- snapshots --------------------------------------------------------------------------------


@dataclass
class Item:
    category: str  # real_estate, vehicle, deposit, security, business, liability
    key: str  # what identifies the same item across years
    label: str  # how it is named in a flag
    value: Decimal
    holder: str = ""
    relation: str = ""  # the holder's relation: self, spouse, child ("" if unknown)
    registered_unit_id: int | None = None
    registered_area: str = ""
    deals_with_unit_id: int | None = None
    deals_with: str = ""


@dataclass
class Income:
    kind: str
    amount: Decimal
    holder: str = ""
    description: str = ""


@dataclass
class Snapshot:
    """One declaration as plain values."""

    year: int
    members: list[tuple[str, str]] = field(default_factory=list)  # (name, relation)
    items: list[Item] = field(default_factory=list)
    income: list[Income] = field(default_factory=list)

    def total(self, category: str) -> Decimal:
        return sum((i.value for i in self.items if i.category == category), ZERO)

    @property
    def net_assets(self) -> Decimal:
        assets = sum((i.value for i in self.items if i.category != "liability"), ZERO)
        return assets - self.total("liability")

    @property
    def income_total(self) -> Decimal:
        """Declared income that is new wealth (sales are conversions, not income)."""
        return sum((i.amount for i in self.income if i.kind not in NOT_INCOME), ZERO)


@dataclass
class ReportSnapshot:
    """The same year's personal-matter report as plain values."""

    marriages: list[tuple[str, str, str]] = field(default_factory=list)  # person, change, partner
    businesses: list[Item] = field(default_factory=list)  # relatives' businesses
    employments: list[tuple[str, str]] = field(default_factory=list)  # name, employer


@dataclass
class Authority:
    """The cadre's area of authority: the unit they served in and its subtree."""

    unit_name: str
    unit_ids: set[int]
    # Every unit name in the subtree (normalised) → id, to match a place typed as text.
    names: dict[str, int] = field(default_factory=dict)

    def contains(self, unit_id: int | None, place: str) -> bool:
        if unit_id is not None:
            return unit_id in self.unit_ids
        text = norm(place)
        # Names shorter than two characters would match almost any place.
        return bool(text) and any(len(n) >= 2 and n in text for n in self.names)


@dataclass
class Flag:
    code: str  # unexplained_growth, undeclared_change, business_in_authority
    message: str


@dataclass
class CategoryChange:
    category: str
    previous: Decimal
    current: Decimal

    @property
    def change(self) -> Decimal:
        return self.current - self.previous


@dataclass
class Comparison:
    previous_year: int | None
    year: int
    net_previous: Decimal | None
    net_current: Decimal
    income: Decimal
    allowance: Decimal
    categories: list[CategoryChange]
    flags: list[Flag]

    @property
    def net_change(self) -> Decimal | None:
        return None if self.net_previous is None else self.net_current - self.net_previous


@dataclass
class Policy:
    """The thresholds of flag (1): living costs per family member and year, and a tolerance
    (an absolute floor, or a share of last year's gross assets, whichever is larger)."""

    living_allowance: Decimal = Decimal("30000")
    tolerance_abs: Decimal = Decimal("50000")
    tolerance_rel: Decimal = Decimal("0.05")


CATEGORIES = ["real_estate", "vehicle", "deposit", "security", "business", "liability"]


def norm(text: str) -> str:
    return "".join((text or "").split()).casefold()


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


# --- comparison -------------------------------------------------------------------------------


def compare(
    previous: Snapshot | None,
    current: Snapshot,
    *,
    report: ReportSnapshot | None = None,
    authority: Authority | None = None,
    policy: Policy | None = None,
) -> Comparison:
    """Year-over-year comparison of one cadre's declarations and the flags it raises. Flag (3)
    needs no previous year; (1) and (2) do."""
    policy = policy or Policy()
    report = report or ReportSnapshot()
    members = max(len(current.members), 1)
    allowance = policy.living_allowance * members
    categories = [
        CategoryChange(c, previous.total(c) if previous else ZERO, current.total(c))
        for c in CATEGORIES
    ]
    flags: list[Flag] = []
    if previous is not None:
        gone, sale_gain = _disappearances(previous, current, report, flags)
        _appearances(previous, current, report, flags, policy, allowance)
        _new_spouse(previous, current, report, flags)
        _growth(previous, current, flags, policy, allowance, sale_gain)
    if authority is not None:
        _in_authority(current, report, authority, flags)
    return Comparison(
        previous_year=previous.year if previous else None,
        year=current.year,
        net_previous=previous.net_assets if previous else None,
        net_current=current.net_assets,
        income=current.income_total,
        allowance=allowance,
        categories=categories,
        flags=flags,
    )


def _growth(previous, current, flags, policy, allowance, sale_gain):
    growth = current.net_assets - previous.net_assets
    gross_previous = sum((i.value for i in previous.items if i.category != "liability"), ZERO)
    tolerance = max(policy.tolerance_abs, policy.tolerance_rel * gross_previous)
    explained = max(current.income_total - allowance, ZERO) + max(sale_gain, ZERO)
    if growth > explained + tolerance:
        flags.append(
            Flag(
                "unexplained_growth",
                _(
                    "Net assets grew by %(growth)s yuan from %(prev)d to %(year)d, but declared income "
                    "was %(income)s yuan; after a living-cost allowance of %(allowance)s yuan and a "
                    "tolerance of %(tolerance)s yuan, %(gap)s yuan of the growth is not explained."
                )
                % {
                    "growth": yuan(growth),
                    "prev": previous.year,
                    "year": current.year,
                    "income": yuan(current.income_total),
                    "allowance": yuan(allowance),
                    "tolerance": yuan(tolerance),
                    "gap": yuan(growth - explained - tolerance),
                },
            )
        )


SOLD_CATEGORIES = {"real_estate", "vehicle", "business"}


def _disappearances(previous, current, report, flags) -> tuple[list[Item], Decimal]:
    """Real estate, vehicles and business interests that were declared last year and are gone:
    explained by a sale recorded as income naming the item (address, plate or company) — or,
    for a business, by the personal-matter report. Returns the gone items and the gain made
    on recorded sales (proceeds above last year's declared value)."""
    now = {(i.category, i.key) for i in current.items}
    sales = [i for i in current.income if i.kind == "asset_sale"]
    reported = {norm(b.label) for b in report.businesses}
    gone: list[Item] = []
    proceeds = ZERO
    sold_value = ZERO
    for item in previous.items:
        if item.category not in SOLD_CATEGORIES or (item.category, item.key) in now:
            continue
        gone.append(item)
        sale = next((s for s in sales if item.key and item.key in norm(s.description)), None)
        if sale is not None:
            proceeds += sale.amount
            sold_value += item.value
            continue
        if item.category == "business" and norm(item.label) in reported:
            continue
        flags.append(
            Flag(
                "undeclared_change",
                _(
                    "%(what)s “%(item)s” (declared in %(prev)d, %(value)s yuan) is no longer declared "
                    "in %(year)d, and no sale of it is recorded."
                )
                % {
                    "what": category_label(item.category),
                    "item": item.label,
                    "prev": previous.year,
                    "value": yuan(item.value),
                    "year": current.year,
                },
            )
        )
    return gone, proceeds - sold_value


def _appearances(previous, current, report, flags, policy, allowance):
    """New real estate and vehicles must be paid for by the year's income (after living costs),
    savings drawn down, new loans or recorded sales; a relative's new business must appear in
    the personal-matter report."""
    before = {(i.category, i.key) for i in previous.items}
    new = [i for i in current.items if (i.category, i.key) not in before]
    liquid_drawn = max(
        (previous.total("deposit") + previous.total("security"))
        - (current.total("deposit") + current.total("security")),
        ZERO,
    )
    new_debt = max(current.total("liability") - previous.total("liability"), ZERO)
    sales = sum((s.amount for s in current.income if s.kind == "asset_sale"), ZERO)
    funds = max(current.income_total - allowance, ZERO) + liquid_drawn + new_debt + sales
    purchases = [i for i in new if i.category in ("real_estate", "vehicle")]
    spent = ZERO
    for item in sorted(purchases, key=lambda i: i.value):
        spent += item.value
        if spent > funds + policy.tolerance_abs:
            flags.append(
                Flag(
                    "undeclared_change",
                    _(
                        "New %(what)s “%(item)s” (%(value)s yuan) appears in %(year)d; declared income "
                        "after living costs, savings drawn down, new loans and recorded sales "
                        "(%(funds)s yuan in all) do not pay for it."
                    )
                    % {
                        "what": category_label(item.category),
                        "item": item.label,
                        "value": yuan(item.value),
                        "year": current.year,
                        "funds": yuan(funds),
                    },
                )
            )
    reported = {norm(b.label) for b in report.businesses}
    for item in new:
        if item.category != "business" or item.relation == "self":
            continue
        if norm(item.label) not in reported:
            flags.append(
                Flag(
                    "undeclared_change",
                    _(
                        "A new business interest of %(holder)s in “%(item)s” appears in the %(year)d "
                        "declaration but not in that year's personal-matter report."
                    )
                    % {
                        "holder": item.holder or _("a family member"),
                        "item": item.label,
                        "year": current.year,
                    },
                )
            )


def _new_spouse(previous, current, report, flags):
    before = {norm(name) for name, rel in previous.members if rel == "spouse"}
    married = {
        norm(partner) for _person, change, partner in report.marriages if change == "married"
    }
    for name, rel in current.members:
        if rel == "spouse" and norm(name) not in before and norm(name) not in married:
            flags.append(
                Flag(
                    "undeclared_change",
                    _(
                        "A new spouse, %(name)s, is declared in %(year)d without a marriage in that "
                        "year's personal-matter report."
                    )
                    % {"name": name, "year": current.year},
                )
            )


def _in_authority(current, report, authority, flags):
    seen: set[str] = set()
    for item in [i for i in current.items if i.category == "business"] + report.businesses:
        key = norm(item.label)
        if key in seen:
            continue
        holder = item.holder or _("a family member")
        if authority.contains(item.registered_unit_id, item.registered_area):
            seen.add(key)
            flags.append(
                Flag(
                    "business_in_authority",
                    _(
                        "“%(item)s”, a business of %(holder)s, is registered in %(place)s, inside the "
                        "cadre's area of authority (%(unit)s)."
                    )
                    % {
                        "item": item.label,
                        "holder": holder,
                        "place": item.registered_area or _("a unit of that area"),
                        "unit": authority.unit_name,
                    },
                )
            )
        elif (item.deals_with_unit_id is not None or item.deals_with) and authority.contains(
            item.deals_with_unit_id, item.deals_with
        ):
            seen.add(key)
            flags.append(
                Flag(
                    "business_in_authority",
                    _(
                        "“%(item)s”, a business of %(holder)s, does business with %(other)s, inside the "
                        "cadre's area of authority (%(unit)s)."
                    )
                    % {
                        "item": item.label,
                        "holder": holder,
                        "other": item.deals_with or _("a unit of that area"),
                        "unit": authority.unit_name,
                    },
                )
            )


def category_label(category: str) -> str:
    return {
        "real_estate": _("Real estate"),
        "vehicle": _("Vehicle"),
        "deposit": _("Deposits"),
        "security": _("Securities"),
        "business": _("Business interest"),
        "liability": _("Liabilities"),
    }[category]


# --- spot-check draw --------------------------------------------------------------------------


def eligible_hash(keys: list[str]) -> str:
    """SHA-256 (hex) of the sorted, de-duplicated keys joined by newlines (UTF-8)."""
    return hashlib.sha256("\n".join(sorted(set(keys))).encode()).hexdigest()


def draw_count(n: int, share: Decimal | str | float) -> int:
    """ceil(share × n), computed in decimal so that 0.1 × 30 is exactly 3."""
    share = Decimal(str(share))
    if not ZERO < share <= 1:
        raise ValueError("share must be in (0, 1]")
    return int((share * n).to_integral_value(rounding=ROUND_CEILING))


def seeded_draw_score(seed: str, key: str) -> str:
    """The rank of `key` in the draw: HMAC-SHA256 keyed with the *published* seed, in hex.

    Not a secret MAC, so not core.keys.mac: the seed is announced before the draw precisely so
    that anyone can recompute every score (docs/supervision/integrity.md gives the one-liner);
    HMAC is only a well-known, unbiased way to turn (seed, username) into an order nobody can
    steer before the seed is known. A server-side key would make the draw unverifiable."""
    return hmac.new(seed.encode(), key.encode(), hashlib.sha256).hexdigest()


def draw(seed: str, keys: list[str], share: Decimal | str | float) -> list[str]:
    """The spot-check draw: sort the eligible keys (usernames) by HMAC-SHA256(seed, key) in hex
    (ties, which do not happen in practice, by the key) and take the first ceil(share × n).
    Deterministic in (seed, set of keys, share): anyone with the three can re-run it."""
    unique = sorted(set(keys))
    ranked = sorted(unique, key=lambda k: (seeded_draw_score(seed, k), k))
    return ranked[: draw_count(len(unique), share)]
