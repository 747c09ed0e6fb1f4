"""Who may do what in participation. The only place participation permissions are decided.

- Notices: the responsible unit's staff (handlers) and leaders publish a notice, moderate and
  group its comments, answer them and close it: the unit that drafts a decision answers for
  the public's comments on it (art. 14-15). A supervisor (督办) may also moderate.
- Hearings: the organiser is the leader of the organising unit (the 决策承办单位 organises the
  hearing, art. 16) or an administrator; the organiser announces, draws and records minutes.
  No new role: a hearing is rare and led by the unit's leadership.
- Decisions: the responsible unit's leaders record the statutory steps and milestones (a
  collective discussion and a publication are the leadership's acts); its staff and leaders
  answer correction requests.
- Liability: the inspectors (纪检) and the organisation department (组织部) record who answers
  for a wrong decision; they hold cadres to account, the unit itself does not.
- Commenting, applying to a hearing and requesting a correction are open to everyone.
"""

import rules

from lianxin.core.access import has_role
from lianxin.core.models import Role

STAFF_ROLES = (Role.HANDLER, Role.LEADER)


def _unit(obj):
    return getattr(obj, "unit", obj)


@rules.predicate
def is_unit_staff(user, obj=None):
    """Handler or leader of the object's unit (anywhere when there is no object yet)."""
    return has_role(user, *STAFF_ROLES, over=_unit(obj) if obj is not None else None)


@rules.predicate
def is_unit_leader(user, obj=None):
    return has_role(user, Role.LEADER, over=_unit(obj) if obj is not None else None)


@rules.predicate
def is_admin(user, obj=None):
    return has_role(user, Role.ADMIN)


@rules.predicate
def is_supervisor(user, obj=None):
    return has_role(user, Role.SUPERVISOR)


@rules.predicate
def is_accountability_official(user, obj=None):
    return has_role(user, Role.INSPECTOR, Role.ORGDEPT)


rules.add_perm("participation.manage_notice", is_unit_staff)
rules.add_perm("participation.moderate_notice", is_unit_staff | is_supervisor)
rules.add_perm("participation.organise_hearing", is_unit_leader | is_admin)
rules.add_perm("participation.record_step", is_unit_leader | is_admin)
rules.add_perm("participation.answer_correction", is_unit_staff)
rules.add_perm("participation.record_liability", is_accountability_official)
