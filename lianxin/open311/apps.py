from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "lianxin.open311"
    label = "open311"
    verbose_name = _("Open311 interface")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from lianxin.core.audit import audit_action_labels

        audit_action_labels({
            "open311_key_create": _("Open311 API key created"),
            "open311_key_revoke": _("Open311 API key revoked"),
        })
        from django.db.models.signals import post_save

        from lianxin.appeals.models import Category

        from .defaults import ANIMAL_EPIDEMIC

        def seed_questions(sender, instance, created, **kwargs):
            # The animal-epidemic category asks its questions (species, sick, dead) as soon as
            # it exists, whoever creates it (demo loader, admin, import).
            if created and instance.code == ANIMAL_EPIDEMIC and not kwargs.get("raw"):
                from .services import service_attributes_seed

                service_attributes_seed()

        post_save.connect(seed_questions, sender=Category, weak=False,
                          dispatch_uid="open311-seed-questions")
