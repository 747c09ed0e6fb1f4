"""Early warning (预警): the area of each appeal (derived once), the animal cluster rule at
intake, the hourly rise scan, and the alarm lifecycle open → acknowledged → closed. The rules
themselves (areas, clusters, rises) are in insight/warning.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal, Category
from lianxin.core import clock
from lianxin.core.access import users_with_role
from lianxin.core.audit import audit_record
from lianxin.core.calendar import LOCAL
from lianxin.core.models import Role, Unit
from lianxin.core.notify import notify_people
from lianxin.core.text import visible
from lianxin.core.transitions import commit, lock, require_permission, require_state

from .. import warning as warning_rules
from ..errors import Code
from ..models import Alarm, AlarmMember, AlarmReport, AppealArea, FieldReport

MAX_ALARM_MEMBERS = 500


def area_places() -> list[warning_rules.Place]:
    """The areas an appeal may be placed in (active streets, towns, communities, villages)."""
    units = Unit.objects.filter(kind__in=warning_rules.AREA_KINDS, is_active=True).select_related(
        "parent"
    )
    return [
        warning_rules.Place(u.pk, u.name, u.kind, u.parent.name if u.parent else "") for u in units
    ]


# What appeal_area_of reads of an appeal (and of its unit).
AREA_FIELDS = ("title", "content", "address", "unit", "unit__name", "unit__kind")


def appeal_area_of(appeal: Appeal, places: list[warning_rules.Place]) -> AppealArea:
    """The area of an appeal read with AREA_FIELDS (select_related unit), and whether an
    uncategorised appeal reads like a sick/dead-animal report: computed, not stored."""
    text = f"{appeal.title} {appeal.content}"
    unit = appeal.unit
    area_id, source = warning_rules.derive_area(
        address=appeal.address,
        text=text,
        places=places,
        unit=warning_rules.Place(unit.pk, unit.name, unit.kind) if unit else None,
    )
    return AppealArea(
        appeal=appeal,
        area_id=area_id,
        source=source,
        animal_keywords=warning_rules.is_animal_report(category_code=None, text=text) is not None,
        derived_at=clock.now(),
    )


def appeal_area_store(row: AppealArea) -> AppealArea:
    """Store (or replace) a derived area: one statement. Derived data, like a cache: not
    audited, safe to redo."""
    AppealArea.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["appeal"],
        update_fields=["area", "source", "animal_keywords", "derived_at"],
    )
    row._state.adding = False
    return row


def appeal_area_derive(
    *, appeal: Appeal | int, places: list[warning_rules.Place] | None = None
) -> AppealArea:
    """Derive and store the area of one appeal (appeal_area_of, appeal_area_store)."""
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    found = Appeal.objects.select_related("unit").only(*AREA_FIELDS).get(pk=pk)
    return appeal_area_store(appeal_area_of(found, places if places is not None else area_places()))


def appeal_areas_backfill(*, since: datetime, until: datetime, limit: int = 20000) -> int:
    """Derive the area of appeals in [since, until] that have none yet, and re-derive those
    found nowhere that have since been dispatched to a street, town, community or village."""
    missing = Appeal.objects.filter(created_at__gte=since, created_at__lte=until).filter(
        Q(warning_area__isnull=True)
        | Q(warning_area__area__isnull=True, unit__kind__in=warning_rules.AREA_KINDS)
    )
    ids = list(missing.values_list("pk", flat=True)[:limit])
    if ids:
        places = area_places()
        for pk in ids:
            appeal_area_derive(appeal=pk, places=places)
    return len(ids)


def _active_alarm(kind: str, category, area) -> Alarm | None:
    return (
        Alarm.objects.select_for_update()
        .filter(kind=kind, category=category, area=area, status__in=Alarm.ACTIVE)
        .first()
    )


def _add_members(alarm: Alarm, appeal_ids) -> None:
    have = set(alarm.members.values_list("appeal_id", flat=True))
    new = [pk for pk in dict.fromkeys(appeal_ids) if pk not in have]
    room = max(0, MAX_ALARM_MEMBERS - len(have))
    AlarmMember.objects.bulk_create(
        [AlarmMember(alarm=alarm, appeal_id=pk, added_at=clock.now()) for pk in new[:room]]
    )


def _add_reports(alarm: Alarm, report_ids) -> None:
    have = set(alarm.field_reports.values_list("report_id", flat=True))
    new = [pk for pk in dict.fromkeys(report_ids) if pk not in have]
    AlarmReport.objects.bulk_create(
        [AlarmReport(alarm=alarm, report_id=pk, added_at=clock.now()) for pk in new]
    )


def _alarm_data(alarm: Alarm) -> dict:
    return {
        "kind": alarm.kind,
        "category": alarm.category.code,
        "area": alarm.area.name,
        "count": alarm.count,
        "expected": round(alarm.expected, 3),
        "p_value": alarm.p_value,
    }


def alarm_update(
    *,
    alarm: Alarm,
    window_start: datetime,
    window_end: datetime,
    count: int,
    members: Iterable[int] = (),
    reports: Iterable[int] = (),
    baseline_count: int | None = None,
    expected: float | None = None,
    p_value: float | None = None,
) -> Alarm:
    """New figures for an active alarm (a 4th report in the cluster, a bigger rise). Audited
    only when the count changes, so the hourly scan does not fill the audit log."""
    with transaction.atomic():
        alarm = lock(
            Alarm,
            alarm,
            related=("category", "area"),
            missing=_("No such alarm."),
            missing_code=Code.UNKNOWN_ALARM,
        )
        require_state(
            alarm, Alarm.ACTIVE, message=_("This alarm is closed."), code=Code.ALARM_CLOSED
        )
        before = alarm.count
        _add_members(alarm, members)
        _add_reports(alarm, reports)
        if alarm.kind == Alarm.Kind.CLUSTER:
            # A cluster's count is its reports, recounted under the alarm's lock rather than
            # taken from a caller that counted before it (a report that lost the race to
            # raise the alarm joins it here).
            count = alarm.members.count() + alarm.field_reports.count()
        if count == before:
            return alarm
        alarm.window_start = min(alarm.window_start, window_start)
        alarm.window_end = max(alarm.window_end, window_end)
        alarm.count = count
        if baseline_count is not None:
            alarm.baseline_count = baseline_count
        if expected is not None:
            alarm.expected = expected
        alarm.p_value = p_value if p_value is not None else alarm.p_value
        alarm.updated_at = clock.now()
        # Saved and audited here rather than by transitions.commit: what moves is the count
        # (audited as from → to), not the status.
        alarm.save()
        audit_record(
            actor=None,
            actor_label="system",
            action="alarm_update",
            obj=alarm,
            from_state=str(before),
            to_state=str(count),
            data=_alarm_data(alarm),
        )
    return alarm


def alarm_raise(
    *,
    kind: str,
    category: Category,
    area: Unit,
    window_start: datetime,
    window_end: datetime,
    count: int,
    members=(),
    reports=(),
    baseline_count: int = 0,
    expected: float = 0.0,
    p_value: float | None = None,
) -> tuple[Alarm, bool]:
    """Raise an alarm, or update the active one of the same (kind, category, area): returns
    (alarm, created). A new cluster alarm tells the responsible unit's leaders and handlers at
    once (in the app and by email, after commit)."""
    members, reports = list(members), list(reports)
    for _attempt in range(3):
        with transaction.atomic():
            active = _active_alarm(kind, category, area)
            if active is not None:
                return alarm_update(
                    alarm=active,
                    window_start=window_start,
                    window_end=window_end,
                    count=count,
                    members=members,
                    reports=reports,
                    baseline_count=baseline_count,
                    expected=expected,
                    p_value=p_value,
                ), False
            try:
                with transaction.atomic():
                    now = clock.now()
                    alarm = Alarm.objects.create(
                        kind=kind,
                        category=category,
                        area=area,
                        unit=category.default_unit,
                        window_start=window_start,
                        window_end=window_end,
                        count=count,
                        baseline_count=baseline_count,
                        expected=expected,
                        p_value=p_value,
                        created_at=now,
                        updated_at=now,
                    )
            except IntegrityError:  # another scan raised it a moment ago: update that one
                continue
            _add_members(alarm, members)
            _add_reports(alarm, reports)
            audit_record(
                actor=None,
                actor_label="system",
                action="alarm_raise",
                obj=alarm,
                to_state=alarm.status,
                data=_alarm_data(alarm),
            )
            if kind == Alarm.Kind.CLUSTER and alarm.unit is not None:
                _notify_cluster(alarm, alarm.unit)
            return alarm, True
    raise AssertionError("an active alarm kept appearing and vanishing")


def _notify_cluster(alarm: Alarm, unit: Unit) -> None:
    people = set(users_with_role(Role.LEADER, unit))
    people |= set(users_with_role(Role.HANDLER, unit))
    hours = warning_rules.settings_value("CLUSTER_HOURS")
    subject = _(
        "Early warning: %(n)s reports of %(category)s in %(area)s within %(hours)s hours"
    ) % {"n": alarm.count, "category": alarm.category.name, "area": alarm.area.name, "hours": hours}
    tns = Appeal.objects.filter(pk__in=alarm.members.values("appeal_id")).values_list(
        "tracking_number", flat=True
    )
    seen = FieldReport.objects.filter(pk__in=alarm.field_reports.values("report_id"))
    body = "\n".join(
        [
            subject,
            *tns,
            *(f"{r.source_label} {r.reported_at.astimezone(LOCAL):%m-%d %H:%M}" for r in seen),
        ]
    )
    notify_people(
        sorted(people, key=lambda u: u.pk),
        subject=subject,
        body=body,
        link=f"/insight/alarms/#alarm-{alarm.pk}",
    )


def _note(note: str) -> str:
    """A handler's note, cleaned as all typed text is, and cut to a sane length."""
    return visible(note)[:2000]


def _person(actor: Any) -> Any:
    """The user to record as having acted: nobody for the system itself."""
    return actor if getattr(actor, "is_authenticated", False) else None


def _alarm_move(
    alarm: Alarm | int,
    *,
    actor: Any,
    action: str,
    to: str,
    allowed: Collection[str],
    refused: str,
    refused_code: Code,
    note: str,
) -> Alarm:
    """An alarm handled by a person (or the system): locked, theirs to handle
    (insight.act_on_alarm: the alarms they see), in an allowed state; moved and audited."""
    note = _note(note)
    with transaction.atomic():
        found = lock(Alarm, alarm, missing=_("No such alarm."), missing_code=Code.UNKNOWN_ALARM)
        require_permission(
            actor,
            "insight.act_on_alarm",
            found,
            message=_("You may not handle this alarm."),
            code=Code.ALARM_FORBIDDEN,
        )
        require_state(found, allowed, message=refused, code=refused_code)
        before = found.status
        now = clock.now()
        if to == Alarm.Status.ACKNOWLEDGED:
            found.acknowledged_by, found.acknowledged_at = _person(actor), now
            fields = ["acknowledged_by", "acknowledged_at"]
        else:
            found.closed_by, found.closed_at = _person(actor), now
            fields = ["closed_by", "closed_at"]
        if note:
            found.note = f"{found.note}\n{note}".strip()
            fields.append("note")
        found.status = to
        return commit(
            found, action=action, actor=actor, fields=fields, from_state=before, reason=note
        )


def alarm_acknowledge(*, alarm: Alarm | int, actor: Any, note: str = "") -> Alarm:
    """Someone has seen the alarm and is looking into it (open → acknowledged)."""
    return _alarm_move(
        alarm,
        actor=actor,
        action="alarm_acknowledge",
        to=Alarm.Status.ACKNOWLEDGED,
        allowed=(Alarm.Status.OPEN,),
        refused=_("Only an open alarm can be acknowledged."),
        refused_code=Code.ALARM_NOT_OPEN,
        note=note,
    )


def alarm_close(*, alarm: Alarm | int, actor: Any, note: str = "") -> Alarm:
    """The alarm is dealt with or was a false alarm (open/acknowledged → closed). While the
    closed episode's window lasts, the same key does not alarm again."""
    return _alarm_move(
        alarm,
        actor=actor,
        action="alarm_close",
        to=Alarm.Status.CLOSED,
        allowed=Alarm.ACTIVE,
        refused=_("This alarm is already closed."),
        refused_code=Code.ALARM_CLOSED,
        note=note,
    )


def _last_closed(kind: str, category_id: int, area_id: int) -> datetime | None:
    return (
        Alarm.objects.filter(
            kind=kind, category_id=category_id, area_id=area_id, status=Alarm.Status.CLOSED
        )
        .order_by("-closed_at")
        .values_list("closed_at", flat=True)
        .first()
    )


def _cluster_category(code: str | None) -> Category | None:
    return (
        Category.objects.filter(code=code).select_related("default_unit").first() if code else None
    )


# What warning_cluster_check needs of an appeal it is given (select_related category).
CLUSTER_FIELDS = ("created_at", "category", "category__code")


def warning_cluster_check(*, appeal: Appeal | int, area: AppealArea | None = None) -> Alarm | None:
    """The cluster rule for one new appeal: when it is an animal report (its category, or an
    uncategorised text with the keywords) and its area now has WARNING_CLUSTER_REPORTS such
    reports within WARNING_CLUSTER_HOURS up to it, raise (or grow) the cluster alarm. Reports
    from before the last closed alarm of that area start no new one. An appeal given as an
    instance is taken as read (CLUSTER_FIELDS), and `area` as its stored area: the analysis
    sweeper has both at hand, and the rule then reads nothing for the many appeals that are
    no animal report."""
    if isinstance(appeal, Appeal):
        new = appeal
    else:
        new = Appeal.objects.select_related("category").only(*CLUSTER_FIELDS).get(pk=appeal)
    area_row = (
        area or AppealArea.objects.filter(appeal=new).first() or appeal_area_derive(appeal=new.pk)
    )
    if area_row.area_id is None:
        return None
    codes = tuple(warning_rules.settings_value("CLUSTER_CATEGORIES"))
    code = new.category.code if new.category is not None else None
    code = (
        warning_rules.is_animal_report(category_code=code, text="", cluster_codes=codes)
        if code
        else (codes[0] if area_row.animal_keywords and codes else None)
    )
    category = _cluster_category(code)
    unit = area_row.area if category is not None else None  # read only when needed
    if category is None or unit is None:
        return None
    return _cluster_at(category=category, area=unit, at=new.created_at, appeals=[new.pk])


def _cluster_at(
    *,
    category: Category,
    area: Unit,
    at: datetime,
    appeals: Collection[int] = (),
    reports: Collection[int] = (),
) -> Alarm | None:
    """The cluster rule for one new report of `category` in `area` seen at `at`: an appeal,
    or a field report (sick or dead animals seen on a farm visit), which count alike. Usually
    the new report is the latest and the window ends with it; a field report filed late (a
    visit logged offline) may also complete a window ending with a later report."""
    codes = tuple(warning_rules.settings_value("CLUSTER_CATEGORIES"))
    needed = warning_rules.settings_value("CLUSTER_REPORTS")
    span = timedelta(hours=warning_rules.settings_value("CLUSTER_HOURS"))
    same = Q(category=category)
    if codes and category.code == codes[0]:
        same |= Q(category__isnull=True, warning_area__animal_keywords=True)
    kin = Appeal.objects.filter(same, warning_area__area_id=area.pk)
    field = FieldReport.objects.filter(category=category, area=area)
    with transaction.atomic():
        active = _active_alarm(Alarm.Kind.CLUSTER, category, area)
        if active is not None:  # a further report in an alarmed area: the alarm grows
            in_appeals = set(active.members.values_list("appeal_id", flat=True)) | set(appeals)
            in_reports = set(active.field_reports.values_list("report_id", flat=True))
            return alarm_update(
                alarm=active,
                window_start=min(active.window_start, at),
                window_end=max(active.window_end, at),
                count=len(in_appeals) + len(in_reports | set(reports)),
                members=appeals,
                reports=reports,
            )
    floor = at - span
    closed = _last_closed(Alarm.Kind.CLUSTER, category.pk, area.pk)
    if closed is not None and closed > floor:
        floor = closed
    if floor >= at:
        return None
    # (is an appeal, id, time) of every report that could share a window with the new one.
    rows = sorted(
        [
            (True, pk, t)
            for pk, t in kin.filter(created_at__gt=floor, created_at__lt=at + span).values_list(
                "pk", "created_at"
            )
        ]
        + [
            (False, pk, t)
            for pk, t in field.filter(reported_at__gt=floor, reported_at__lt=at + span).values_list(
                "pk", "reported_at"
            )
        ],
        key=lambda row: row[2],
    )
    for end in sorted({at} | {t for _a, _pk, t in rows if t > at}):
        inside = [row for row in rows if max(floor, end - span) < row[2] <= end]
        times = [t for _a, _pk, t in inside]
        if warning_rules.find_cluster(
            times, at=end, reports=needed, hours=span / timedelta(hours=1)
        ):
            break
    else:
        return None
    alarm, _created = alarm_raise(
        kind=Alarm.Kind.CLUSTER,
        category=category,
        area=area,
        window_start=inside[0][2],
        window_end=end,
        count=len(inside),
        members=[pk for is_appeal, pk, _t in inside if is_appeal],
        reports=[pk for is_appeal, pk, _t in inside if not is_appeal],
    )
    return alarm


def field_report_file(
    *,
    source_ref: str,
    source_label: str,
    area: Unit,
    reported_at: datetime,
    sick: int,
    dead: int,
    actor: Any = None,
) -> FieldReport | None:
    """File sick or dead animals seen in the field with early warning, to count like a
    citizen's report of them (the first WARNING_CLUSTER_CATEGORIES category, 动物疫病) in the
    area (`area`, or the nearest village, community, street or town above it) at `reported_at`;
    the cluster rule runs at once, in the caller's transaction, so what was seen and the
    warning it raises stand or fall together. Files nothing when no animal is sick or dead, or
    there is no such category or area. The same `source_ref` again returns the stored report.

    The caller (outreach's visit service) passes no personal data: `source_label` names the
    source as every reader of the alarm may see it ("走访：大湾村生猪养殖场"). No link to the
    household: most readers of an alarm may not open it, and insight cannot ask outreach's
    rules who may."""
    if sick < 0 or dead < 0 or sick + dead == 0:
        return None
    existing = FieldReport.objects.filter(source_ref=source_ref).first()
    if existing is not None:
        return existing
    place: Unit | None = area
    while place is not None and place.kind not in warning_rules.AREA_KINDS:
        place = place.parent
    codes = tuple(warning_rules.settings_value("CLUSTER_CATEGORIES"))
    category = _cluster_category(codes[0] if codes else None)
    if place is None or category is None:
        return None
    with transaction.atomic():
        report = FieldReport.objects.create(
            source_ref=source_ref,
            source_label=visible(source_label)[:120],
            category=category,
            area=place,
            reported_at=reported_at,
            sick_count=sick,
            dead_count=dead,
            created_at=clock.now(),
        )
        audit_record(
            actor=_person(actor),
            actor_label="" if _person(actor) else "system",
            action="field_report_file",
            obj=report,
            data={
                "source": source_ref,
                "category": category.code,
                "area": place.name,
                "sick": sick,
                "dead": dead,
            },
        )
        _cluster_at(category=category, area=place, at=reported_at, reports=[report.pk])
    return report


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL)


def warning_rise_scan(*, at: datetime | None = None) -> dict:
    """The rise rule over every category×area pair with reports in the last window + baseline
    (one GROUP BY day query), a street or town also counting its villages and communities.
    Raises or updates rise alarms; returns a summary."""
    at = at or clock.now()
    window = warning_rules.settings_value("RISE_WINDOW_DAYS")
    baseline_days = warning_rules.settings_value("RISE_BASELINE_DAYS")
    alpha, min_count = (
        warning_rules.settings_value("RISE_ALPHA"),
        warning_rules.settings_value("RISE_MIN_COUNT"),
    )
    day = at.astimezone(LOCAL).date()
    since = _day_start(day - timedelta(days=window - 1 + baseline_days))
    derived = appeal_areas_backfill(since=since, until=at)
    rows = (
        Appeal.objects.filter(
            created_at__gte=since,
            created_at__lte=at,
            category__isnull=False,
            warning_area__area__isnull=False,
        )
        .annotate(day=TruncDate("created_at", tzinfo=LOCAL))
        .values("category_id", "warning_area__area_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    series: dict[tuple[int, int], Counter] = {}
    for r in rows:
        key = (r["category_id"], r["warning_area__area_id"])
        series.setdefault(key, Counter())[r["day"]] = r["n"]
    # Sick or dead animals seen on farm visits count like citizens' reports of them.
    seen = (
        FieldReport.objects.filter(reported_at__gte=since, reported_at__lte=at)
        .annotate(day=TruncDate("reported_at", tzinfo=LOCAL))
        .values("category_id", "area_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for f in seen:
        series.setdefault((f["category_id"], f["area_id"]), Counter())[f["day"]] += f["n"]
    # Villages and communities also count towards their street or town.
    parent_of = dict(
        Unit.objects.filter(
            pk__in={area for _c, area in series},
            kind__in=("village", "community"),
            parent__kind__in=("street", "town"),
        ).values_list("pk", "parent_id")
    )
    pairs = warning_rules.with_parent_counts(series, parent_of)
    parents = set(parent_of.values())
    fired_below: set[tuple[int, int]] = set()
    raised = updated = 0
    # Children first: a town whose rise one of its villages already explains gets no alarm of
    # its own, the village's says where.
    for (category_id, area_id), daily in sorted(pairs.items(), key=lambda kv: kv[0][1] in parents):
        rise = warning_rules.rise_check(
            daily,
            day=day,
            window_days=window,
            baseline_days=baseline_days,
            alpha=alpha,
            min_count=min_count,
        )
        if rise is None or (category_id, area_id) in fired_below:
            continue
        if area_id in parent_of:
            fired_below.add((category_id, parent_of[area_id]))
        window_start = _day_start(rise.window_start)
        closed = _last_closed(Alarm.Kind.RISE, category_id, area_id)
        if closed is not None and closed >= window_start:
            continue  # someone closed this episode; its window has not passed yet
        areas = [area_id, *(child for child, parent in parent_of.items() if parent == area_id)]
        members = list(
            Appeal.objects.filter(
                category_id=category_id,
                warning_area__area_id__in=areas,
                created_at__gte=window_start,
                created_at__lte=at,
            )
            .order_by("created_at")
            .values_list("pk", flat=True)[:MAX_ALARM_MEMBERS]
        )
        field = FieldReport.objects.filter(
            category_id=category_id,
            area_id__in=areas,
            reported_at__gte=window_start,
            reported_at__lte=at,
        ).values_list("pk", flat=True)
        _alarm, created = alarm_raise(
            kind=Alarm.Kind.RISE,
            category=Category.objects.select_related("default_unit").get(pk=category_id),
            area=Unit.objects.get(pk=area_id),
            window_start=window_start,
            window_end=at,
            count=rise.count,
            members=members,
            reports=list(field),
            baseline_count=rise.baseline_count,
            expected=rise.expected,
            p_value=rise.p_value,
        )
        raised += created
        updated += not created
    return {"pairs": len(pairs), "raised": raised, "updated": updated, "areas_derived": derived}
