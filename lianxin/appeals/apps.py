from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "lianxin.appeals"
    label = "appeals"
    verbose_name = _("Appeals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from lianxin.core.models import Unit

        from .catalogue import forget_catalogue
        from .models import Category

        for model in (Category, Unit):
            post_save.connect(forget_catalogue, sender=model, dispatch_uid=f"catalogue-{model}")
            post_delete.connect(forget_catalogue, sender=model, dispatch_uid=f"catalogue-d-{model}")
