"""What the outreach pages and the coverage command read: nothing here writes."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import OFFICIAL_ROLES, may, subtree_q, units_where
from lianxin.core.errors import InvalidInput
from lianxin.core.masking import mask_name, mask_phone
from lianxin.core.models import Role, Unit, UnitKind

from .errors import Code
from .models import (
    HOLDING,
    Booking,
    BookingStatus,
    ContactPoint,
    Difficulty,
    Household,
    HouseholdImport,
    Pairing,
    ReceptionDay,
    ReceptionMatter,
    ReceptionSlot,
    ReceptionStatus,
    Visit,
    VisitPhoto,
)


def managed_units(user: Any) -> list[Unit]:
    return units_where(user, Role.LEADER, Role.ADMIN)


def household_person(user: Any, household: Household) -> dict[str, str]:
    """The household's name, phone and address as this user may see them (PIPL: masked for
    those who check the work without contacting the people)."""
    if may(user, "outreach.see_personal_data", household):
        return {"name": household.head_name, "phone": household.phone, "address": household.address}
    return {
        "name": mask_name(household.head_name),
        "phone": mask_phone(household.phone),
        "address": "",
    }


def registry_units(user: Any) -> list[Unit]:
    """The units whose registry the user reads: those they lead, administer or oversee."""
    return units_where(user, Role.LEADER, Role.ADMIN, Role.SUPERVISOR)


def registry_households(user: Any, *, active: bool = True) -> QuerySet[Household]:
    """The registry as the user may read it: the households of the units they manage or
    oversee (names masked for overseers, by `household_person`)."""
    units = registry_units(user)
    return (
        Household.objects.filter(subtree_q(units, "unit"), is_active=active)
        .select_related("unit")
        .order_by("unit__name", "head_name", "pk")
    )


def village_choices(user: Any) -> list[Unit]:
    """The villages and communities a leader may list households in."""
    units = managed_units(user)
    if not units:
        return []
    under = Q(pk__in=[])
    for unit in units:
        under |= Q(path__startswith=unit.path)
    return Unit.objects.filter(
        under, is_active=True, kind__in=[UnitKind.VILLAGE, UnitKind.COMMUNITY]
    ).in_tree_order()


def imports_of(user: Any) -> QuerySet[HouseholdImport]:
    """Registry imports into the units the user manages, newest first."""
    return HouseholdImport.objects.filter(subtree_q(managed_units(user), "unit")).select_related(
        "unit", "uploaded_by"
    )


def unpaired_households(user: Any) -> QuerySet[Household]:
    """Households in the user's units without a current cadre: for the unit leader to pair."""
    return (
        Household.objects.filter(subtree_q(managed_units(user), "unit"), is_active=True)
        .exclude(pk__in=Pairing.objects.filter(ends_on__isnull=True).values("household_id"))
        .select_related("unit")
    )


def cadre_choices(user: Any) -> QuerySet[Any]:
    """The people a leader may pair households with: officials in the leader's units."""
    return (
        get_user_model()
        .objects.filter(
            subtree_q(managed_units(user), "roles__unit"),
            roles__role__in=OFFICIAL_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def my_pairings(user: Any) -> QuerySet[Pairing]:
    """The cadre's current households, with the date of each one's last visit."""
    return (
        Pairing.objects.filter(cadre=user, ends_on__isnull=True, household__is_active=True)
        .select_related("household__unit")
        .annotate(last_visit=Max("visits__visited_on"))
        .order_by("household__unit__name", "household__head_name")
    )


def interval_months(household: Household) -> int:
    """How often the household must be visited, in calendar months: the one place it is
    decided (settings OUTREACH_VISIT_INTERVAL_MONTHS, OUTREACH_SEVERE_INTERVAL_MONTHS)."""
    if household.difficulty == Difficulty.SEVERE:
        return int(settings.OUTREACH_SEVERE_INTERVAL_MONTHS)
    return int(settings.OUTREACH_VISIT_INTERVAL_MONTHS)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def is_overdue(pairing: Pairing, last_visit: date | None, today: date | None = None) -> bool:
    """No visit within the household's interval (counted from the pairing's start if none)."""
    today = today or timezone.localdate(clock.now())
    since = last_visit or pairing.starts_on
    return today > add_months(since, interval_months(pairing.household))


def overdue_pairings(user: Any, today: date | None = None) -> list[Pairing]:
    """Current pairings in the user's units whose household waits too long for a visit."""
    rows = (
        Pairing.objects.filter(
            subtree_q(managed_units(user), "household__unit"),
            ends_on__isnull=True,
            household__is_active=True,
        )
        .select_related("household__unit", "cadre")
        .annotate(last_visit=Max("visits__visited_on"))
        .order_by("household__unit__name", "household__head_name")
    )
    return [p for p in rows if is_overdue(p, p.last_visit, today)]


def household_visits(household: Household) -> QuerySet[Visit]:
    return (
        Visit.objects.filter(pairing__household=household)
        .select_related("pairing__cadre", "appeal")
        .prefetch_related("photos")
    )


def visit_photo_for(viewer: Any, pk: int) -> VisitPhoto | None:
    """A visit's photo, for whoever may see its household (the same rule as the household's
    page), else None: a photo shows the household's home and is never public."""
    photo = (
        VisitPhoto.objects.select_related("visit__pairing__household__unit").filter(pk=pk).first()
    )
    if photo is None or not may(viewer, "outreach.view_household", photo.visit.pairing.household):
        return None
    return photo


def household_with_pairings(pk: int) -> Household | None:
    return (
        Household.objects.select_related("unit")
        .prefetch_related(Prefetch("pairings", queryset=Pairing.objects.select_related("cadre")))
        .filter(pk=pk)
        .first()
    )


# --- coverage (覆盖) ---------------------------------------------------------------------------

PERIOD_RE = re.compile(r"^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))$")


def period_bounds(period: str) -> tuple[date, date]:
    """The first and last day of "2026Q4" (a quarter) or "2026-11" (a month)."""
    match = PERIOD_RE.match(period.strip())
    if not match:
        raise InvalidInput(_("A period is written like 2026Q4 or 2026-11."), code=Code.BAD_PERIOD)
    year = int(match.group(1))
    if match.group(2):
        first_month = (int(match.group(2)) - 1) * 3 + 1
        last_month = first_month + 2
    else:
        first_month = last_month = int(match.group(3))
    return (
        date(year, first_month, 1),
        date(year, last_month, calendar.monthrange(year, last_month)[1]),
    )


def _months(start: date, end: date) -> list[tuple[int, int]]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _block(year: int, month: int, months: int) -> int:
    """The number of the `months`-long block of the calendar holding the month: blocks start
    in January (months divides 12), so 3 gives the quarters and 1 the months."""
    return (year * 12 + month - 1) // months


def pairing_covered(pairing: Pairing, visit_dates: list[date], start: date, end: date) -> bool:
    """Visited in every interval block (a quarter; a month for a household in severe
    difficulty) that the part of the period the pairing was current touches."""
    since = max(start, pairing.starts_on)
    until = min(end, pairing.ends_on) if pairing.ends_on else end
    months = interval_months(pairing.household)
    seen = {_block(d.year, d.month, months) for d in visit_dates if since <= d <= until}
    due = {_block(year, month, months) for year, month in _months(since, until)}
    return seen >= due


@dataclass
class UnitCoverage:
    unit: Unit
    due: int = 0
    covered: int = 0
    cadres: dict[str, list[int]] = field(default_factory=dict)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.due if self.due else 100.0


def coverage(period: str, units: list[Unit] | None = None) -> list[UnitCoverage]:
    """Coverage per unit (the households' village or community) in `period`, recounted from
    the raw visits: every pairing current during some of the period is due once."""
    start, end = period_bounds(period)
    pairings = (
        Pairing.objects.filter(starts_on__lte=end, household__is_active=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .select_related("household__unit", "cadre")
    )
    if units is not None:
        pairings = pairings.filter(subtree_q(units, "household__unit"))
    dates: dict[int, list[date]] = {}
    for pairing_id, visited_on in Visit.objects.filter(
        pairing__in=pairings, visited_on__range=(start, end)
    ).values_list("pairing_id", "visited_on"):
        dates.setdefault(pairing_id, []).append(visited_on)
    per_unit: dict[int, UnitCoverage] = {}
    for pairing in pairings:
        unit = pairing.household.unit
        row = per_unit.setdefault(unit.pk, UnitCoverage(unit))
        covered = pairing_covered(pairing, dates.get(pairing.pk, []), start, end)
        row.due += 1
        row.covered += covered
        cadre = row.cadres.setdefault(pairing.cadre.get_username(), [0, 0])
        cadre[0] += 1
        cadre[1] += covered
    return sorted(per_unit.values(), key=lambda r: r.unit.path)


# --- contact points and reception days (联系点、接访日) -------------------------------------


def public_contact_points() -> QuerySet[ContactPoint]:
    return ContactPoint.objects.filter(is_public=True).select_related("leader", "unit", "village")


def _slots_with_places() -> QuerySet[ReceptionSlot]:
    return ReceptionSlot.objects.annotate(
        taken=Count("bookings", filter=Q(bookings__status__in=HOLDING))
    )


def coming_receptions(points: Any, today: date) -> QuerySet[ReceptionDay]:
    """Scheduled reception days from `today` on, each slot with `taken`, its places held."""
    return (
        ReceptionDay.objects.filter(
            contact_point__in=points, day__gte=today, status=ReceptionStatus.SCHEDULED
        )
        .select_related("contact_point")
        .prefetch_related(Prefetch("slots", queryset=_slots_with_places()))
        .order_by("day", "pk")
    )


def past_receptions(point: ContactPoint) -> QuerySet[ReceptionDay]:
    """Receptions held, newest first, with what was raised and the appeals made of it: what
    the public page shows (titles, states and public replies only, never who came)."""
    return (
        ReceptionDay.objects.filter(contact_point=point, status=ReceptionStatus.HELD)
        .annotate(
            came=Count("slots__bookings", filter=Q(slots__bookings__status=BookingStatus.ATTENDED))
        )
        .prefetch_related(
            Prefetch(
                "matters",
                queryset=ReceptionMatter.objects.select_related("appeal__unit").order_by("pk"),
            )
        )
        .order_by("-day", "-pk")
    )


def reception_points_for(user: Any) -> QuerySet[ContactPoint]:
    """The contact points whose bookings `user` may see: their own as the leader, their unit's
    (staff and supervisors over it)."""
    if not getattr(user, "is_authenticated", False):
        return ContactPoint.objects.none()
    units = units_where(user, Role.HANDLER, Role.LEADER, Role.ADMIN, Role.SUPERVISOR)
    return (
        ContactPoint.objects.filter(Q(leader=user) | subtree_q(units, "unit"))
        .select_related("leader", "unit")
        .distinct()
    )


def reception_bookings(reception: ReceptionDay) -> QuerySet[Booking]:
    return Booking.objects.filter(slot__reception=reception).select_related("slot", "booked_by")
