"""Every write of the insight app: training, storing and activating category routers; early
warning's areas and alarms; the duplicate finder's fingerprints, suggestions and dismissals."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import Substr, TruncDate
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal, Category
from lianxin.core import clock
from lianxin.core.access import has_role, users_with_role
from lianxin.core.audit import audit_record
from lianxin.core.calendar import LOCAL
from lianxin.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from lianxin.core.models import Role, Unit
from lianxin.core.notify import notify_people

from . import duplicates, router
from . import warning as warning_rules
from .models import Alarm, AlarmMember, AppealArea, DuplicateCandidate, DuplicateKey, RouterModel


def models_dir() -> Path:
    path = Path(settings.VAR_DIR) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def router_model_train(
    *,
    texts: list[str],
    labels: list[str],
    actor=None,
    source: str = "",
    params: dict | None = None,
    folds: int = 5,
    activate: bool = True,
) -> RouterModel:
    """Cross-validate and fit a router, store it as the next version and (by default) make it
    the active one. Invalid data raises InvalidInput and stores nothing."""
    try:
        result = router.train(texts, labels, params=params, folds=folds)
    except router.TrainingError as exc:
        raise InvalidInput(str(exc), code="bad_training_data") from exc
    data = router.dump(result.pipeline)
    digest = router.sha256_of(data)
    directory = models_dir()
    # Written before the row (under a name no row uses yet) and removed if the row is not.
    temp = directory / f".router-{digest[:16]}-{os.getpid()}.tmp"
    temp.write_bytes(data)
    final: Path | None = None
    try:
        with transaction.atomic():
            # Serialise version numbering with other trainings (the active row's lock is not
            # enough when no row exists yet).
            list(RouterModel.objects.select_for_update().values_list("pk", flat=True))
            version = (RouterModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
            final = directory / f"router-v{version}-{digest[:12]}.joblib"
            os.replace(temp, final)
            model = RouterModel.objects.create(
                version=version,
                file_name=final.name,
                sha256=digest,
                labels=result.labels,
                training_rows=result.rows,
                metrics=result.metrics,
                params=result.params,
                source=source[:500],
            )
            audit_record(
                actor=actor,
                action="router_train",
                obj=model,
                reason=source[:200],
                data={"version": version, "macro_f1": result.metrics["macro_f1"],
                      "rows": result.rows, "sha256": digest},
            )
            if activate:
                _activate(model, actor=actor)
    except BaseException:
        temp.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)
        raise
    return model


def router_model_activate(*, version: int, actor=None) -> RouterModel:
    """Make one stored version the active router (the previous one stays, inactive). The file
    must still match its hash."""
    with transaction.atomic():
        model = RouterModel.objects.select_for_update().filter(version=version).first()
        if model is None:
            raise NotFound(_("No router model with version %(v)s.") % {"v": version},
                           code="unknown_router_version")
        try:
            router.load(models_dir() / model.file_name, model.sha256)
        except router.TamperedModel as exc:
            raise InvalidInput(str(exc), code="tampered_router_model") from exc
        _activate(model, actor=actor)
    return model


def _activate(model: RouterModel, *, actor) -> None:
    previous = RouterModel.objects.select_for_update().filter(is_active=True).exclude(pk=model.pk)
    previous_versions = list(previous.values_list("version", flat=True))
    previous.update(is_active=False)
    if not model.is_active:
        model.is_active = True
        model.save(update_fields=["is_active"])
    audit_record(actor=actor, action="router_activate", obj=model,
                 from_state=",".join(map(str, previous_versions)), to_state=str(model.version),
                 data={"version": model.version})
    from .suggest import forget_router

    transaction.on_commit(forget_router)


# --- early warning -------------------------------------------------------------------------
# 预警: the area of each appeal (derived once), the animal cluster rule at intake, the hourly
# rise scan, and the alarm lifecycle open → acknowledged → closed. Rules: insight/warning.py.

MAX_ALARM_MEMBERS = 500


def _places() -> list[warning_rules.Place]:
    units = Unit.objects.filter(kind__in=warning_rules.AREA_KINDS, is_active=True).select_related("parent")
    return [warning_rules.Place(u.pk, u.name, u.kind, u.parent.name if u.parent_id else "") for u in units]


def appeal_area_derive(*, appeal: Appeal | int, places: list[warning_rules.Place] | None = None) -> AppealArea:
    """Derive and store the area of one appeal (and whether an uncategorised appeal reads like
    a sick/dead-animal report). Derived data, like a cache: not audited, safe to redo."""
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    appeal = Appeal.objects.select_related("unit").get(pk=pk)
    text = f"{appeal.title} {appeal.content}"
    unit = appeal.unit
    area_id, source = warning_rules.derive_area(
        address=appeal.address, text=text, places=places if places is not None else _places(),
        unit=warning_rules.Place(unit.pk, unit.name, unit.kind) if unit else None,
    )
    animal = warning_rules.is_animal_report(category_code=None, text=text) is not None
    row, _created = AppealArea.objects.update_or_create(
        appeal=appeal,
        defaults={"area_id": area_id, "source": source, "animal_keywords": animal,
                  "derived_at": clock.now()},
    )
    return row


def appeal_areas_backfill(*, since: datetime, until: datetime, limit: int = 20000) -> int:
    """Derive the area of appeals in [since, until] that have none yet, and re-derive those
    found nowhere that have since been dispatched to a street, town, community or village."""
    missing = Appeal.objects.filter(created_at__gte=since, created_at__lte=until).filter(
        Q(warning_area__isnull=True)
        | Q(warning_area__area__isnull=True, unit__kind__in=warning_rules.AREA_KINDS)
    )
    ids = list(missing.values_list("pk", flat=True)[:limit])
    if ids:
        places = _places()
        for pk in ids:
            appeal_area_derive(appeal=pk, places=places)
    return len(ids)


def _active_alarm(kind: str, category, area) -> Alarm | None:
    return (Alarm.objects.select_for_update()
            .filter(kind=kind, category=category, area=area, status__in=Alarm.ACTIVE).first())


def _add_members(alarm: Alarm, appeal_ids) -> None:
    have = set(alarm.members.values_list("appeal_id", flat=True))
    new = [pk for pk in dict.fromkeys(appeal_ids) if pk not in have]
    room = max(0, MAX_ALARM_MEMBERS - len(have))
    AlarmMember.objects.bulk_create(
        [AlarmMember(alarm=alarm, appeal_id=pk, added_at=clock.now()) for pk in new[:room]]
    )


def _alarm_data(alarm: Alarm) -> dict:
    return {"kind": alarm.kind, "category": alarm.category.code, "area": alarm.area.name,
            "count": alarm.count, "expected": round(alarm.expected, 3), "p_value": alarm.p_value}


def alarm_update(
    *, alarm: Alarm, window_start: datetime, window_end: datetime, count: int,
    members=(), baseline_count: int | None = None, expected: float | None = None,
    p_value: float | None = None,
) -> Alarm:
    """New figures for an active alarm (a 4th report in the cluster, a bigger rise). Audited
    only when the count changes, so the hourly scan does not fill the audit log."""
    with transaction.atomic():
        alarm = Alarm.objects.select_for_update().select_related("category", "area").get(pk=alarm.pk)
        if not alarm.is_active:
            raise InvalidTransition(_("This alarm is closed."), code="alarm_closed")
        before = alarm.count
        _add_members(alarm, members)
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
        alarm.save()
        audit_record(actor=None, actor_label="system", action="alarm_update", obj=alarm,
                     from_state=str(before), to_state=str(count), data=_alarm_data(alarm))
    return alarm


def alarm_raise(
    *, kind: str, category: Category, area: Unit, window_start: datetime,
    window_end: datetime, count: int, members=(), baseline_count: int = 0,
    expected: float = 0.0, p_value: float | None = None,
) -> tuple[Alarm, bool]:
    """Raise an alarm, or update the active one of the same (kind, category, area): returns
    (alarm, created). A new cluster alarm tells the responsible unit's leaders and handlers at
    once (in the app and by email, after commit)."""
    figures = {"window_start": window_start, "window_end": window_end, "count": count,
               "members": list(members), "baseline_count": baseline_count,
               "expected": expected, "p_value": p_value}
    for _attempt in range(3):
        with transaction.atomic():
            active = _active_alarm(kind, category, area)
            if active is not None:
                return alarm_update(alarm=active, **figures), False
            try:
                with transaction.atomic():
                    now = clock.now()
                    alarm = Alarm.objects.create(
                        kind=kind, category=category, area=area, unit=category.default_unit,
                        window_start=window_start, window_end=window_end, count=count,
                        baseline_count=baseline_count, expected=expected, p_value=p_value,
                        created_at=now, updated_at=now,
                    )
            except IntegrityError:  # another scan raised it a moment ago: update that one
                continue
            _add_members(alarm, figures["members"])
            audit_record(actor=None, actor_label="system", action="alarm_raise", obj=alarm,
                         to_state=alarm.status, data=_alarm_data(alarm))
            if kind == Alarm.Kind.CLUSTER and alarm.unit is not None:
                _notify_cluster(alarm)
            return alarm, True
    raise AssertionError("an active alarm kept appearing and vanishing")


def _notify_cluster(alarm: Alarm) -> None:
    people = set(users_with_role(Role.LEADER, alarm.unit))
    people |= set(users_with_role(Role.HANDLER, alarm.unit))
    hours = warning_rules.settings_value("CLUSTER_HOURS")
    subject = _("Early warning: %(n)s reports of %(category)s in %(area)s within %(hours)s hours") % {
        "n": alarm.count, "category": alarm.category.name, "area": alarm.area.name, "hours": hours}
    tns = Appeal.objects.filter(pk__in=alarm.members.values("appeal_id")).values_list(
        "tracking_number", flat=True)
    body = subject + "\n" + "\n".join(tns)
    notify_people(sorted(people, key=lambda u: u.pk), subject=subject, body=body,
                   link=f"/insight/alarms/#alarm-{alarm.pk}")


def _lock_for(alarm: Alarm | int, actor) -> Alarm:
    pk = alarm.pk if isinstance(alarm, Alarm) else alarm
    alarm = Alarm.objects.select_for_update().filter(pk=pk).first()
    if alarm is None:
        raise NotFound(_("No such alarm."), code="unknown_alarm")
    is_system = actor is not None and not getattr(actor, "is_authenticated", False) and (
        getattr(actor, "get_username", lambda: "")() == "system")
    if not is_system and not Alarm.objects.visible_to(actor).filter(pk=pk).exists():
        raise PermissionDenied(_("You may not handle this alarm."), code="alarm_forbidden")
    return alarm


def _note(note: str) -> str:
    return (note or "").strip()[:2000]


def alarm_acknowledge(*, alarm: Alarm | int, actor, note: str = "") -> Alarm:
    """Someone has seen the alarm and is looking into it (open → acknowledged)."""
    with transaction.atomic():
        alarm = _lock_for(alarm, actor)
        if alarm.status != Alarm.Status.OPEN:
            raise InvalidTransition(_("Only an open alarm can be acknowledged."),
                                     code="alarm_not_open")
        before = alarm.status
        alarm.status = Alarm.Status.ACKNOWLEDGED
        alarm.acknowledged_by = actor if getattr(actor, "is_authenticated", False) else None
        alarm.acknowledged_at = alarm.updated_at = clock.now()
        if note := _note(note):
            alarm.note = f"{alarm.note}\n{note}".strip()
        alarm.save()
        audit_record(actor=actor, action="alarm_acknowledge", obj=alarm, from_state=before,
                     to_state=alarm.status, reason=_note(note))
    return alarm


def alarm_close(*, alarm: Alarm | int, actor, note: str = "") -> Alarm:
    """The alarm is dealt with or was a false alarm (open/acknowledged → closed). While the
    closed episode's window lasts, the same key does not alarm again."""
    with transaction.atomic():
        alarm = _lock_for(alarm, actor)
        if alarm.status == Alarm.Status.CLOSED:
            raise InvalidTransition(_("This alarm is already closed."), code="alarm_closed")
        before = alarm.status
        alarm.status = Alarm.Status.CLOSED
        alarm.closed_by = actor if getattr(actor, "is_authenticated", False) else None
        alarm.closed_at = alarm.updated_at = clock.now()
        if note := _note(note):
            alarm.note = f"{alarm.note}\n{note}".strip()
        alarm.save()
        audit_record(actor=actor, action="alarm_close", obj=alarm, from_state=before,
                     to_state=alarm.status, reason=_note(note))
    return alarm


def _last_closed(kind: str, category_id: int, area_id: int) -> datetime | None:
    return (Alarm.objects.filter(kind=kind, category_id=category_id, area_id=area_id,
                                 status=Alarm.Status.CLOSED)
            .order_by("-closed_at").values_list("closed_at", flat=True).first())


def warning_cluster_check(*, appeal: Appeal | int) -> Alarm | None:
    """The cluster rule for one new appeal: when it is an animal report (its category, or an
    uncategorised text with the keywords) and its area now has WARNING_CLUSTER_REPORTS such
    reports within WARNING_CLUSTER_HOURS up to it, raise (or grow) the cluster alarm. Reports
    from before the last closed alarm of that area start no new one."""
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    appeal = Appeal.objects.select_related("category").get(pk=pk)
    area_row = AppealArea.objects.filter(appeal=appeal).first() or appeal_area_derive(appeal=appeal)
    if area_row.area_id is None:
        return None
    codes = tuple(warning_rules.settings_value("CLUSTER_CATEGORIES"))
    code = appeal.category.code if appeal.category_id else None
    code = warning_rules.is_animal_report(category_code=code, text="", cluster_codes=codes) if code else (
        codes[0] if area_row.animal_keywords and codes else None)
    category = Category.objects.filter(code=code).select_related("default_unit").first() if code else None
    if category is None:
        return None
    at = appeal.created_at
    reports, hours = warning_rules.settings_value("CLUSTER_REPORTS"), warning_rules.settings_value("CLUSTER_HOURS")
    same = Q(category=category)
    if code == codes[0]:
        same |= Q(category__isnull=True, warning_area__animal_keywords=True)
    kin = Appeal.objects.filter(same, warning_area__area_id=area_row.area_id)
    with transaction.atomic():
        active = _active_alarm(Alarm.Kind.CLUSTER, category, area_row.area)
        if active is not None:  # a further report in an alarmed area: the alarm grows
            members = set(active.members.values_list("appeal_id", flat=True)) | {appeal.pk}
            return alarm_update(alarm=active, window_start=min(active.window_start, at),
                                window_end=max(active.window_end, at), count=len(members),
                                members=[appeal.pk])
    start = at - timedelta(hours=hours)
    closed = _last_closed(Alarm.Kind.CLUSTER, category.pk, area_row.area_id)
    if closed is not None and closed > start:
        start = closed
    inside = list(kin.filter(created_at__gt=start, created_at__lte=at)
                  .order_by("created_at").values_list("pk", "created_at"))
    if warning_rules.find_cluster([t for _pk, t in inside], at=at, reports=reports, hours=hours) is None:
        return None
    alarm, _created = alarm_raise(
        kind=Alarm.Kind.CLUSTER, category=category, area=area_row.area,
        window_start=inside[0][1], window_end=at, count=len(inside),
        members=[pk for pk, _t in inside],
    )
    return alarm


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL)


def warning_rise_scan(*, at: datetime | None = None) -> dict:
    """The rise rule over every category×area pair with reports in the last window + baseline
    (one GROUP BY day query), a street or town also counting its villages and communities.
    Raises or updates rise alarms; returns a summary."""
    at = at or clock.now()
    window = warning_rules.settings_value("RISE_WINDOW_DAYS")
    baseline_days = warning_rules.settings_value("RISE_BASELINE_DAYS")
    alpha, min_count = warning_rules.settings_value("RISE_ALPHA"), warning_rules.settings_value("RISE_MIN_COUNT")
    day = at.astimezone(LOCAL).date()
    since = _day_start(day - timedelta(days=window - 1 + baseline_days))
    derived = appeal_areas_backfill(since=since, until=at)
    rows = (Appeal.objects
            .filter(created_at__gte=since, created_at__lte=at, category__isnull=False,
                    warning_area__area__isnull=False)
            .annotate(day=TruncDate("created_at", tzinfo=LOCAL))
            .values("category_id", "warning_area__area_id", "day")
            .annotate(n=Count("pk")).order_by())
    series: dict[tuple[int, int], Counter] = {}
    for r in rows:
        key = (r["category_id"], r["warning_area__area_id"])
        series.setdefault(key, Counter())[r["day"]] = r["n"]
    # Villages and communities also count towards their street or town.
    parent_of = dict(Unit.objects.filter(
        pk__in={area for _c, area in series}, kind__in=("village", "community"),
        parent__kind__in=("street", "town")).values_list("pk", "parent_id"))
    pairs = warning_rules.with_parent_counts(series, parent_of)
    parents = set(parent_of.values())
    fired_below: set[tuple[int, int]] = set()
    raised = updated = 0
    # Children first: a town whose rise one of its villages already explains gets no alarm of
    # its own, the village's says where.
    for (category_id, area_id), daily in sorted(pairs.items(), key=lambda kv: kv[0][1] in parents):
        rise = warning_rules.rise_check(daily, day=day, window_days=window, baseline_days=baseline_days,
                             alpha=alpha, min_count=min_count)
        if rise is None or (category_id, area_id) in fired_below:
            continue
        if area_id in parent_of:
            fired_below.add((category_id, parent_of[area_id]))
        window_start = _day_start(rise.window_start)
        closed = _last_closed(Alarm.Kind.RISE, category_id, area_id)
        if closed is not None and closed >= window_start:
            continue  # someone closed this episode; its window has not passed yet
        areas = [area_id, *(child for child, parent in parent_of.items() if parent == area_id)]
        members = list(Appeal.objects.filter(
            category_id=category_id, warning_area__area_id__in=areas,
            created_at__gte=window_start, created_at__lte=at,
        ).order_by("created_at").values_list("pk", flat=True)[:MAX_ALARM_MEMBERS])
        _alarm, created = alarm_raise(
            kind=Alarm.Kind.RISE, category=Category.objects.select_related("default_unit")
            .get(pk=category_id), area=Unit.objects.get(pk=area_id),
            window_start=window_start, window_end=at, count=rise.count, members=members,
            baseline_count=rise.baseline_count, expected=rise.expected, p_value=rise.p_value,
        )
        raised += created
        updated += not created
    return {"pairs": len(pairs), "raised": raised, "updated": updated, "areas_derived": derived}


# --- duplicates ----------------------------------------------------------------------------
# 重复诉求: fingerprints are derived data (rebuilt by `manage.py duplicates_index`) and the
# suggestions change no appeal, so neither is audited; a dispatcher's "not a duplicate" is.

DUPLICATES_PER_APPEAL = 5
# Verified in Python, most shared keys first: bounds the lookup's time when a place is busy
# (real messages have 1.3 candidates on average; five suggestions are kept at most).
DUPLICATE_CANDIDATE_LIMIT = 10


def duplicate_window() -> timedelta:
    return timedelta(days=settings.DUPLICATE_WINDOW_DAYS)


def _appeal_fingerprint(title: str, content: str) -> duplicates.Fingerprint:
    return duplicates.fingerprint(title, content)


def duplicate_keys_store(*, appeals: list[tuple[int, datetime, duplicates.Fingerprint]]) -> int:
    """Replace the fingerprint keys of these (appeal id, created_at, fingerprint): safe to
    repeat. Returns the number of keys written."""
    rows = [DuplicateKey(appeal_id=pk, created_at=created_at, band_key=key)
            for pk, created_at, fp in appeals for key in fp.keys]
    with transaction.atomic():
        DuplicateKey.objects.filter(appeal_id__in=[pk for pk, _c, _f in appeals]).delete()
        DuplicateKey.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def duplicate_lookup(
    *, fingerprint: duplicates.Fingerprint, created_at: datetime, exclude: int | None = None,
    window: timedelta | None = None,
) -> list[tuple[int, datetime, float]]:
    """Appeals within the window either side of `created_at` that verify as duplicates of the
    fingerprinted text: (appeal id, created_at, score), best first. One indexed query for the
    candidates, one for their texts, exact verification in memory."""
    window = window or duplicate_window()
    ids = DuplicateKey.objects.matching(fingerprint.keys, start=created_at - window,
                                        end=created_at + window, exclude=exclude,
                                        limit=DUPLICATE_CANDIDATE_LIMIT)
    found = []
    # Only the start of the content is fingerprinted: the rest need not leave the database.
    head = Substr("content", 1, duplicates.CONTENT_CHARS)
    for pk, title, content, when in Appeal.objects.filter(pk__in=ids).values_list(
            "pk", "title", head, "created_at"):
        score = duplicates.verify(fingerprint,
                                  duplicates.fingerprint(title, content, with_bands=False))
        if score > 0:
            found.append((pk, when, score))
    found.sort(key=lambda f: (-f[2], -f[0]))
    return found


def duplicates_find(*, appeal: Appeal | int, store: bool = True) -> list[DuplicateCandidate]:
    """Fingerprint one appeal and record the appeals it duplicates (or that duplicate it, when
    history arrives out of order): each pair once, the later appeal pointing at the earlier.
    A pair a dispatcher dismissed stays dismissed."""
    appeal = Appeal.objects.get(pk=getattr(appeal, "pk", appeal))
    fp = _appeal_fingerprint(appeal.title, appeal.content)
    matches = duplicate_lookup(fingerprint=fp, created_at=appeal.created_at, exclude=appeal.pk)
    suggestions = []
    for pk, when, score in matches[:DUPLICATES_PER_APPEAL]:
        later_first = (appeal.created_at, appeal.pk) > (when, pk)
        later, earlier = (appeal.pk, pk) if later_first else (pk, appeal.pk)
        suggestions.append(DuplicateCandidate(appeal_id=later, earlier_id=earlier, score=score))
    with transaction.atomic():
        if store:
            duplicate_keys_store(appeals=[(appeal.pk, appeal.created_at, fp)])
        DuplicateCandidate.objects.bulk_create(suggestions, ignore_conflicts=True)
    return list(DuplicateCandidate.objects.filter(
        Q(appeal=appeal) | Q(earlier=appeal)).select_related("appeal", "earlier"))


def duplicate_dismiss(*, candidate: DuplicateCandidate | int, actor) -> DuplicateCandidate:
    """"Not a duplicate": the suggestion is hidden for good. Dispatchers, supervisors and
    administrators over the appeal's unit may say so; saying it twice changes nothing."""
    with transaction.atomic():
        found = (DuplicateCandidate.objects.select_for_update(of=("self",))
                 .select_related("appeal__unit", "earlier")
                 .filter(pk=getattr(candidate, "pk", candidate)).first())
        if found is None:
            raise NotFound(_("No such duplicate suggestion."), code="unknown_duplicate")
        if not has_role(actor, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN,
                        over=found.appeal.unit):
            raise PermissionDenied()
        if found.dismissed:
            return found
        found.dismissed = True
        found.dismissed_at = clock.now()
        found.dismissed_by = actor if getattr(actor, "is_authenticated", False) else None
        found.save(update_fields=["dismissed", "dismissed_at", "dismissed_by"])
        audit_record(actor=actor, action="duplicate_dismiss", obj=found,
                     from_state="suggested", to_state="dismissed",
                     data={"appeal": found.appeal.tracking_number,
                           "earlier": found.earlier.tracking_number, "score": found.score})
    return found
