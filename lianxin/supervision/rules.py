"""Who may do what in supervision. The only place supervision permissions are decided."""

import rules  # noqa: F401

from lianxin.core.access import OFFICIAL_ROLES, has_role, roles_of
from lianxin.core.models import Role, Unit

from .reporting import names_match

# --- integrity records (廉政档案) ---------------------------------------------------------------
# Declarations and personal-matter reports ("filings") are seen by their cadre, by the
# organisation department and by the inspectors whose unit's subtree holds the cadre's unit at
# the time, and by nobody else: not administrators, not unit leaders. An "organisation
# department lead" is the orgdept role held at a root unit (the whole district); no new role.


def can(user, perm: str, obj=None) -> bool:
    """Integrity permissions are decided by these rules alone: Django's superuser shortcut
    (`user.has_perm` is always true for superusers) must not open asset declarations to
    administrators. Integrity code asks `can(...)`, never `may(user, ...)`."""
    return rules.has_perm(perm, user, obj)


def _integrity_unit(obj):
    return obj if isinstance(obj, Unit) else getattr(obj, "unit", None)


@rules.predicate
def is_integrity_cadre(user, obj=None):
    """Holds an official role somewhere: a cadre who files their own declaration."""
    return has_role(user, *OFFICIAL_ROLES)


@rules.predicate
def is_filing_owner(user, filing=None):
    return filing is not None and user.is_authenticated and filing.cadre_id == user.pk


@rules.predicate
def is_filing_draft(user, filing=None):
    return filing is not None and filing.status == "draft"


@rules.predicate
def is_integrity_reader(user, obj=None):
    """Organisation department or inspector over the filing's unit (anywhere, without one)."""
    return has_role(user, Role.ORGDEPT, Role.INSPECTOR, over=_integrity_unit(obj))


@rules.predicate
def is_integrity_orgdept(user, obj=None):
    return has_role(user, Role.ORGDEPT, over=_integrity_unit(obj))


@rules.predicate
def is_orgdept_lead(user, obj=None):
    return any(role == Role.ORGDEPT and unit.parent_id is None for role, unit in roles_of(user))


@rules.predicate
def is_integrity_admin(user, obj=None):
    return has_role(user, Role.ADMIN)


rules.add_perm("supervision.file_declaration", is_integrity_cadre)
rules.add_perm("supervision.view_declaration", is_filing_owner | is_integrity_reader)
rules.add_perm("supervision.edit_declaration", is_filing_owner & is_filing_draft)
rules.add_perm("supervision.list_declarations", is_integrity_reader)
# Locking a submitted declaration, or sending it back to its cadre for correction.
rules.add_perm("supervision.review_declaration", is_integrity_orgdept)
rules.add_perm("supervision.export_declarations", is_integrity_orgdept)
rules.add_perm("supervision.view_personal_report", is_filing_owner | is_integrity_reader)
rules.add_perm("supervision.edit_personal_report", is_filing_owner & is_filing_draft)
rules.add_perm("supervision.review_personal_report", is_integrity_orgdept)
rules.add_perm("supervision.view_integrity_readlog", is_orgdept_lead | is_integrity_admin)
rules.add_perm("supervision.view_spot_checks", is_integrity_reader)
rules.add_perm("supervision.draw_spot_check", is_integrity_orgdept)


# --- reporting channel (举报) --------------------------------------------------------------------
# Reports are read by inspectors (纪检) only: not administrators, not the organisation department.
# The "inspection lead" is the inspector role held at a root unit (the district's 纪委); no new
# role. An inspector who is the accused, or who holds any role in the accused unit, in a unit
# inside it, or in a unit above it other than the root (the root holds everyone), never sees
# the case: it is left out of their lists and answers 404, and its key is never wrapped for them.


def report_conflicts(user, report) -> bool:
    """True if `user` must never see `report` (conflict of interest)."""
    accused = report.accused_unit
    if accused is not None:
        for _role, unit in roles_of(user):
            if (
                unit.pk == accused.pk
                or accused.contains(unit)
                or (unit.parent_id is not None and unit.contains(accused))
            ):
                return True
    return names_match(user, report.accused_salt, report.accused_hashes)


@rules.predicate
def is_report_inspector(user, report=None):
    return has_role(user, Role.INSPECTOR)


@rules.predicate
def is_inspection_lead(user, report=None):
    return any(role == Role.INSPECTOR and unit.parent_id is None for role, unit in roles_of(user))


@rules.predicate
def is_free_of_conflict(user, report=None):
    """No report given (a list page): nothing to conflict with; the list filters each one."""
    return report is None or not report_conflicts(user, report)


# The case list and a case; assessing, investigating, concluding and messaging.
rules.add_perm("supervision.view_report", is_report_inspector & is_free_of_conflict)
rules.add_perm("supervision.handle_report", is_report_inspector & is_free_of_conflict)
# Who read which case when.
rules.add_perm("supervision.view_report_reads", is_inspection_lead & is_free_of_conflict)
