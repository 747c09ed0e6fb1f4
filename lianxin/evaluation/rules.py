"""Who may do what in evaluation. The only place evaluation permissions are decided."""

import rules  # noqa: F401

from lianxin.core.access import OFFICIAL_ROLES, has_role
from lianxin.core.models import Role

# --- rankings ---------------------------------------------------------------------------------

RANKING_LEADER_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.ORGDEPT, Role.ADMIN)


@rules.predicate
def is_ranking_reader(user):
    """Leaders, supervisors, the organisation department and administrators, anywhere."""
    return has_role(user, *RANKING_LEADER_ROLES)


# The public page and API need no permission; the leaders' page (trends, drill-down) does.
rules.add_perm("evaluation.view_leader_rankings", is_ranking_reader)

# --- indicators, reports and inquiries --------------------------------------------------------

# Who defines indicator schemes and computes results: the organisation department (组织部).
INDICATOR_ADMIN_ROLES = (Role.ORGDEPT, Role.ADMIN)
INDICATOR_READER_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.INSPECTOR, Role.ORGDEPT, Role.ADMIN)
# The Django group whose members may ask an inquiry as a people's deputy (人大代表): deputies
# are not a role held in a unit.
DEPUTY_GROUP = "deputies"


@rules.predicate
def is_indicator_admin(user, obj=None):
    return has_role(user, *INDICATOR_ADMIN_ROLES)


@rules.predicate
def is_indicator_reader(user, obj=None):
    return has_role(user, *INDICATOR_READER_ROLES)


@rules.predicate
def is_cadre(user, obj=None):
    """Holds an official role in some unit (a cadre who may write a duty report)."""
    return has_role(user, *OFFICIAL_ROLES)


@rules.predicate
def is_report_author(user, report=None):
    return report is not None and user.is_authenticated and report.author_id == user.pk


@rules.predicate
def is_citizen_or_anonymous(user, obj=None):
    """Citizens rate reports: a citizen account, or anyone not logged in (rate-limited)."""
    if not user.is_authenticated:
        return True
    return has_role(user, Role.CITIZEN) and not has_role(user, *OFFICIAL_ROLES)


@rules.predicate
def is_citizen(user, obj=None):
    return user.is_authenticated and has_role(user, Role.CITIZEN)


@rules.predicate
def is_deputy(user, obj=None):
    return user.is_authenticated and user.groups.filter(name=DEPUTY_GROUP).exists()


@rules.predicate
def is_comment_moderator(user, obj=None):
    return has_role(user, Role.ORGDEPT, Role.SUPERVISOR, Role.ADMIN)


@rules.predicate
def is_inquiry_unit_leader(user, inquiry=None):
    """The leader of the inquiry's unit (a leader's role reaches the units below it)."""
    return inquiry is not None and has_role(user, Role.LEADER, over=inquiry.unit)


@rules.predicate
def is_inquiry_asker(user, inquiry=None):
    return inquiry is not None and user.is_authenticated and inquiry.asker_id == user.pk


rules.add_perm("evaluation.manage_indicators", is_indicator_admin)
rules.add_perm("evaluation.view_indicator_results", is_indicator_reader | is_indicator_admin)
rules.add_perm("evaluation.write_duty_report", is_cadre)
rules.add_perm("evaluation.edit_duty_report", is_report_author)
rules.add_perm("evaluation.rate_duty_report", is_citizen_or_anonymous & ~is_report_author)
rules.add_perm("evaluation.moderate_report_comment", is_comment_moderator)
rules.add_perm("evaluation.ask_inquiry", is_citizen | is_deputy)
rules.add_perm("evaluation.ask_inquiry_as_deputy", is_deputy)
rules.add_perm("evaluation.answer_inquiry", is_inquiry_unit_leader)
rules.add_perm("evaluation.withdraw_inquiry", is_inquiry_asker)

# --- democratic appraisal ---------------------------------------------------------------------
# Campaigns, voting codes, results and comment moderation: the organisation department and
# administrators. Voting itself needs no permission, only a valid unused code.
APPRAISAL_ADMIN_ROLES = (Role.ORGDEPT, Role.ADMIN)


@rules.predicate
def is_appraisal_admin(user, obj=None):
    return has_role(user, *APPRAISAL_ADMIN_ROLES)


@rules.predicate
def is_published_campaign(user, campaign=None):
    return campaign is not None and campaign.status == "published"


rules.add_perm("evaluation.manage_appraisal", is_appraisal_admin)
rules.add_perm("evaluation.view_appraisal_results", is_appraisal_admin | is_published_campaign)
rules.add_perm("evaluation.moderate_appraisal_comment", is_appraisal_admin)
# The Django admin pages for campaigns, targets and questions.
for _model in ("appraisalcampaign", "appraisaltarget", "appraisalquestion"):
    for _action in ("view", "add", "change", "delete"):
        rules.add_perm(f"evaluation.{_action}_{_model}", is_appraisal_admin)
