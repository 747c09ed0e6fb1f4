"""Importing an existing household registry from an .xlsx file (docs/outreach/README.md,
"Household registry and import").

Four steps, each a service: `household_import_open` reads and checks the file (a bad file is
refused and nothing is stored), `household_import_start` fixes the column mapping,
`household_import_step` imports the next rows, `household_import_run` all of them (the
command line). The page calls the step again and again and shows the progress between calls,
as Drupal's batch API does: the import needs no worker, runs on any app server, and resumes
where it stopped if the page is closed.

Every row goes through the registry's own services (`household_register`, `household_update`,
`pairing_assign`), in its own savepoint: a bad row is skipped with its reason and leaves nothing
behind. Rows are matched on the natural key (village, head of household, phone), so running
the same file twice lists nobody twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import OFFICIAL_ROLES
from lianxin.core.errors import InvalidInput, InvalidTransition, LianxinError
from lianxin.core.models import Unit, UnitKind
from lianxin.core.spreadsheets import parse_date
from lianxin.core.text import visible
from lianxin.core.transitions import commit, lock, require_permission, transition

from ..models import Household, HouseholdImport, ImportStatus, Pairing
from ..registry_file import (
    FIELDS,
    check_mapping,
    parse_difficulty,
    parse_reasons,
    propose_mapping,
    read_sheet,
    text,
)
from .households import (
    EDITABLE,
    household_fields,
    household_register,
    household_update,
    normalize_phone,
    pairing_assign,
)

# Rows imported per step: a step is one transaction, short enough to answer the page quickly.
STEP_ROWS = 100


def household_import_open(
    *,
    actor: Any,
    unit: Unit,
    data: bytes,
    file_name: str,
    mapping: dict[str, str] | None = None,
) -> HouseholdImport:
    """Read an uploaded registry for import into `unit`'s villages and propose a mapping of its
    columns (the page shows it to be checked). With `mapping` (the command line: columns that
    differ from the proposal) the import starts at once. A file too large, not .xlsx, without a
    header row or without rows, or a mapping that leaves out a required field, is refused
    (InvalidInput) before anything is stored."""
    require_permission(actor, "outreach.manage_households", unit)
    sheet = read_sheet(data, file_name)
    proposed = propose_mapping(sheet.header)
    status = ImportStatus.MAPPING
    if mapping is not None:
        columns = check_mapping(sheet.header, {**proposed, **mapping})
        proposed = {field: sheet.header[index] for field, index in columns.items()}
        status = ImportStatus.RUNNING
    with transaction.atomic():
        job = HouseholdImport.objects.create(
            unit=unit,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            file_name=visible(file_name)[-200:] or "registry.xlsx",
            status=status,
            header=sheet.header,
            rows=sheet.rows,
            total=len(sheet.rows),
            mapping=proposed,
            created_at=clock.now(),
        )
        commit(
            job,
            action="household_import_upload",
            actor=actor,
            data={"unit": unit.pk, "file": job.file_name, "rows": job.total},
        )
    return job


def household_import_start(
    *, actor: Any, job: HouseholdImport | int, mapping: dict[str, str], version: int | None = None
) -> HouseholdImport:
    """Fix the column mapping (field → the file's column name) and start importing."""

    def change(obj: HouseholdImport) -> list[str]:
        columns = check_mapping(obj.header, mapping)
        obj.mapping = {field: obj.header[index] for field, index in columns.items()}
        return ["mapping"]

    return transition(
        HouseholdImport,
        job,
        action="household_import_start",
        actor=actor,
        perm="outreach.manage_households",
        allowed=[ImportStatus.MAPPING],
        to=ImportStatus.RUNNING,
        version=version,
        related=["unit"],
        change=change,
        data=lambda obj: {"mapping": obj.mapping},
        refused=_("This import has already started."),
    )


def household_import_step(
    *, actor: Any, job: HouseholdImport | int, rows: int | None = None
) -> HouseholdImport:
    """Import the next `rows` rows (STEP_ROWS). The last step marks the import done, drops the rows read
    from the file and audits the counts. A job not running is returned unchanged."""
    with transaction.atomic():
        locked = lock(HouseholdImport, job, related=["unit"])
        require_permission(actor, "outreach.manage_households", locked)
        if locked.status != ImportStatus.RUNNING:
            return locked
        columns = check_mapping(locked.header, locked.mapping)
        context = _Context(locked.unit)
        end = min(locked.position + max(rows or STEP_ROWS, 1), locked.total)
        for index in range(locked.position, end):
            row = locked.rows[index]
            if all(cell in (None, "") for cell in row):
                continue  # a blank line is no row
            try:
                with transaction.atomic():
                    outcome = _import_row(actor, row, columns, context)
            except LianxinError as exc:
                locked.skipped.append([index + 2, str(exc.message)])
            else:
                setattr(locked, outcome, getattr(locked, outcome) + 1)
        locked.position = end
        counted = ["position", "created", "updated", "unchanged", "skipped"]
        if end < locked.total:
            locked.updated_at = clock.now()
            locked.save(update_fields=[*counted, "updated_at"])
            return locked
        locked.status = ImportStatus.DONE
        locked.finished_at = clock.now()
        locked.rows = []
        commit(
            locked,
            action="household_import_done",
            actor=actor,
            from_state=ImportStatus.RUNNING,
            fields=[*counted, "status", "finished_at", "rows"],
            data={
                "created": locked.created,
                "updated": locked.updated,
                "unchanged": locked.unchanged,
                "skipped": len(locked.skipped),
            },
        )
    return locked


def household_import_discard(*, actor: Any, job: HouseholdImport | int) -> HouseholdImport:
    """Give up an import that is waiting for its mapping or not finished: the rows read from
    the file are dropped (PIPL: no copy of the registry left lying about); rows already
    imported stay, as they were audited."""

    def change(obj: HouseholdImport) -> list[str]:
        obj.rows = []
        obj.finished_at = clock.now()
        return ["rows", "finished_at"]

    return transition(
        HouseholdImport,
        job,
        action="household_import_discard",
        actor=actor,
        perm="outreach.manage_households",
        allowed=[ImportStatus.MAPPING, ImportStatus.RUNNING],
        to=ImportStatus.DISCARDED,
        related=["unit"],
        change=change,
        data=lambda obj: {"position": obj.position, "total": obj.total},
        refused=_("This import is finished."),
    )


def household_import_run(
    *,
    actor: Any,
    job: HouseholdImport,
    progress: Callable[[int, int], None] | None = None,
) -> HouseholdImport:
    """Every remaining step of a started import (the command line)."""
    while job.status == ImportStatus.RUNNING:
        job = household_import_step(actor=actor, job=job)
        if progress is not None:
            progress(job.position, job.total)
    return job


class _Context:
    """What the rows of one step look up: the villages under the import's unit and the cadres,
    each read once."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self.names: dict[str, list[Unit]] = {}
        self.codes: dict[str, Unit] = {}
        for place in Unit.objects.subtree(unit).filter(is_active=True):
            self.names.setdefault(place.name, []).append(place)
            self.codes[place.code] = place
        self.cadres: dict[str, Any] = {}

    def village(self, name: str) -> Unit:
        """The unit a row names (by name or code) within the import's unit; the import's unit
        itself when the cell is empty and it is a village or community."""
        if not name:
            if self.unit.kind in (UnitKind.VILLAGE, UnitKind.COMMUNITY):
                return self.unit
            raise InvalidInput(
                _("The village or community is empty: name one under %(unit)s.")
                % {"unit": self.unit.name}
            )
        if name in self.codes:
            return self.codes[name]
        places = self.names.get(name, [])
        if not places:
            raise InvalidInput(
                _("No village or community named %(name)s under %(unit)s.")
                % {"name": name, "unit": self.unit.name}
            )
        if len(places) > 1:
            raise InvalidInput(
                _("Several units are named %(name)s: write the unit's code instead.")
                % {"name": name}
            )
        return places[0]

    def cadre(self, name: str) -> Any:
        """The official a row names: by username, else by full name."""
        if name not in self.cadres:
            people = (
                get_user_model()
                .objects.filter(roles__role__in=OFFICIAL_ROLES, is_active=True)
                .annotate(
                    given_family=Concat("first_name", "last_name"),
                    family_given=Concat("last_name", "first_name"),
                    spaced=Concat("first_name", Value(" "), "last_name"),
                )
                .distinct()
            )
            found = list(people.filter(username=name)) or list(
                people.filter(
                    Q(given_family=name) | Q(family_given=name) | Q(spaced=name)
                ).order_by("pk")
            )
            if not found:
                raise InvalidInput(
                    _("No cadre is named %(name)s (a person with a role in a unit).")
                    % {"name": name}
                )
            if len(found) > 1:
                raise InvalidInput(
                    _("Several cadres are named %(name)s: write the username instead.")
                    % {"name": name}
                )
            self.cadres[name] = found[0]
        return self.cadres[name]


def _import_row(actor: Any, row: list[Any], columns: dict[str, int], context: _Context) -> str:
    """One row: listed ("created"), changed ("updated") or already as the file says
    ("unchanged"). An empty optional cell leaves the household's value as it is."""

    def cell(field: str) -> Any:
        index = columns.get(field)
        return row[index] if index is not None and index < len(row) else None

    given = {field: cell(field) for field in columns if text(cell(field))}
    unit = context.village(text(given.pop("village", "")))
    cadre_name = text(given.pop("cadre", ""))
    cadre = context.cadre(cadre_name) if cadre_name else None
    values: dict[str, Any] = {}
    for field, raw in given.items():
        try:
            if field == "consent_on":
                values[field] = parse_date(raw)
            elif field == "reasons":
                values[field] = parse_reasons(raw)
            elif field == "difficulty":
                values[field] = parse_difficulty(raw)
            else:
                values[field] = raw if field in ("members", "herd_size") else text(raw)
        except ValueError as exc:
            raise InvalidInput(
                _("%(column)s: %(value)s is not understood.")
                % {"column": FIELDS[field].label, "value": exc}
            ) from None
    head_name = visible(values.get("head_name", ""))
    phone = normalize_phone(values.get("phone", ""))
    existing = Household.objects.filter(unit=unit, head_name=head_name, phone=phone).first()
    if existing is None:
        household = household_register(
            actor=actor,
            unit=unit,
            head_name=head_name,
            members=values.pop("members", 1),
            reasons=values.pop("reasons", []),
            consent_on=values.pop("consent_on", None),
            **{k: v for k, v in values.items() if k not in ("head_name",)},
        )
        if cadre is not None:
            pairing_assign(actor=actor, household=household, cadre=cadre)
        return "created"
    if not existing.is_active:
        raise InvalidTransition(
            _("This household was deactivated on %(day)s; an import does not change it.")
            % {"day": existing.deactivated_on}
        )
    changed = False
    wanted = household_fields(
        **{name: values.get(name, getattr(existing, name)) for name in EDITABLE}
    )
    if any(wanted[name] != getattr(existing, name) for name in EDITABLE):
        # Locked and checked against the version read above: a change made meanwhile wins.
        household_update(actor=actor, household=existing, version=existing.version, **values)
        changed = True
    if cadre is not None:
        current = Pairing.objects.filter(household=existing, ends_on__isnull=True).first()
        if current is None or current.cadre_id != cadre.pk:
            pairing_assign(actor=actor, household=existing, cadre=cadre)
            changed = True
    return "updated" if changed else "unchanged"
