"""知识库: the policy answers a hotline operator gives on the call and a citizen reads before
filing. Articles are written and reviewed by the responsible unit, versioned and dated."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "lianxin.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # lazy: apps.py is imported before the models are ready, and core.audit imports them.
        from lianxin.core.audit import audit_action_labels

        audit_action_labels(
            {
                "article_create": _("Knowledge-base article written"),
                "article_edit": _("Knowledge-base article edited"),
                "article_submit": _("Knowledge-base article submitted for review"),
                "article_publish": _("Knowledge-base article published"),
                "article_reject": _("Knowledge-base article sent back"),
                "article_withdraw": _("Knowledge-base article withdrawn"),
            }
        )
