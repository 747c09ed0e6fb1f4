from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "lianxin.participation"
    label = "participation"
    verbose_name = _("Public participation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from lianxin.core.audit import audit_action_labels  # lazy: apps are not ready at import

        audit_action_labels(
            {
                "notice_create": _("Notice created"),
                "notice_open": _("Notice opened for comments"),
                "notice_close": _("Notice closed"),
                "notice_comment": _("Comment on a notice"),
                "notice_attach": _("Files attached to a notice"),
                "notice_attachment_remove": _("File removed from a notice"),
                "notice_correct": _("Notice corrected"),
                "comment_hide": _("Comment hidden"),
                "comment_group": _("Comments grouped by topic"),
                "comment_answer": _("Comment answered"),
                "group_answer": _("Comment group answered"),
                "hearing_announce": _("Hearing announced"),
                "hearing_apply": _("Hearing application"),
                "hearing_draw": _("Hearing participants drawn"),
                "hearing_minutes": _("Hearing minutes recorded"),
                "hearing_position": _("Position heard at a hearing"),
                "decision_create": _("Decision record created"),
                "decision_step": _("Decision step recorded"),
                "milestone_add": _("Milestone added"),
                "milestone_progress": _("Milestone progress"),
                "correction_request": _("Correction requested"),
                "correction_answer": _("Correction request answered"),
                "liability_record": _("Liability recorded"),
            }
        )
        from . import rules  # noqa: F401  (registers the permissions)
