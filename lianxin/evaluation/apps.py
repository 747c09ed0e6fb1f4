from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "lianxin.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # lazy: core.audit imports models, which cannot be imported before the registry is
        # ready (this module is loaded while it is being filled)
        from lianxin.core.audit import audit_action_labels

        audit_action_labels(
            {
                "scheme_create": _("Indicator scheme created"),
                "scheme_save": _("Indicator scheme saved"),
                "scheme_retire": _("Indicator scheme retired"),
                "scheme_publish": _("Indicator scheme published"),
                "indicator_results_compute": _("Indicator results computed"),
                "duty_report_create": _("Duty report created"),
                "duty_report_update": _("Duty report updated"),
                "duty_report_publish": _("Duty report published"),
                "duty_report_rate": _("Duty report rated"),
                "report_comment_moderate": _("Duty report comment moderated"),
                "inquiry_submit": _("Inquiry submitted"),
                "inquiry_answer": _("Inquiry answered"),
                "inquiry_withdraw": _("Inquiry withdrawn"),
                "appraisal_create": _("Democratic appraisal created"),
                "appraisal_update": _("Democratic appraisal updated"),
                "appraisal_open": _("Democratic appraisal opened for voting"),
                "appraisal_closed": _("Democratic appraisal voting closed"),
                "appraisal_published": _("Democratic appraisal results published"),
                "appraisal_tokens_issue": _("Appraisal voting codes issued"),
                "appraisal_comment_moderate": _("Appraisal comment moderated"),
            }
        )
        # lazy: rules imports models, like core.audit above
        from . import rules  # noqa: F401  (registers the permissions)
