"""Who may open which 社情民意 page. The only place insight permissions are decided: the views
check these, and so does every link to them, so nobody is shown a link that answers 403."""

from typing import Any

import rules

from lianxin.appeals.models import Category
from lianxin.core.access import has_role, units_where
from lianxin.core.models import Role

from . import warning
from .models import Alarm, DuplicateCandidate


@rules.predicate
def is_dashboard_reader(user):
    """Leaders, supervisors, dispatchers, the organisation department (which assesses units on
    these figures) and administrators."""
    return has_role(user, Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.ORGDEPT, Role.ADMIN)


@rules.predicate
def is_analyst(user):
    """Those who act on what citizens raise: dispatchers, unit leaders, supervisors, admins."""
    return has_role(user, Role.DISPATCHER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN)


@rules.predicate
def is_alarm_handler(user):
    """Those who acknowledge and close alarms (each sees those of his subtree)."""
    return has_role(user, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.LEADER)


@rules.predicate
def is_alerted_handler(user):
    """The handlers of a unit the cluster rule alerts (畜牧兽医局 for dead pigs) are told of its
    alarms and must be able to read them; acknowledging and closing is for their leader."""
    units = units_where(user, Role.HANDLER)
    if not units:
        return False
    codes = warning.settings_value("CLUSTER_CATEGORIES")
    alerted = Category.objects.filter(code__in=codes, default_unit__isnull=False).values_list(
        "default_unit__path", flat=True
    )
    return any(path.startswith(unit.path) for unit in units for path in alerted)


@rules.predicate
def sees_alarm(user: Any, alarm: Alarm | None) -> bool:
    """The alarm is one of those the user sees (Alarm.objects.visible_to): whoever sees an
    alarm may acknowledge or close it through the services; the page's buttons are for
    is_alarm_handler only."""
    return alarm is not None and Alarm.objects.visible_to(user).filter(pk=alarm.pk).exists()


@rules.predicate
def dismisses_duplicate(user: Any, candidate: DuplicateCandidate | None) -> bool:
    """Dispatchers, supervisors and administrators over the newer appeal's unit."""
    return candidate is not None and has_role(
        user, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, over=candidate.appeal.unit
    )


@rules.predicate
def is_duplicate_checker(user):
    return has_role(user, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)


@rules.predicate
def is_merger(user):
    return has_role(user, Role.DISPATCHER, Role.ADMIN)


rules.add_perm("insight.view_dashboard", is_dashboard_reader)
rules.add_perm("insight.view_hot_issues", is_analyst)
rules.add_perm("insight.view_alarms", is_alarm_handler | is_alerted_handler)
rules.add_perm("insight.handle_alarm", is_alarm_handler)
rules.add_perm("insight.act_on_alarm", sees_alarm)
rules.add_perm("insight.view_duplicates", is_duplicate_checker)
rules.add_perm("insight.merge_duplicates", is_merger)
rules.add_perm("insight.dismiss_duplicate", dismisses_duplicate)
