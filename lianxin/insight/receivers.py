"""What insight does when an appeal arrives: queue the work, never do it in the request."""

from django.dispatch import receiver

from lianxin.appeals.signals import appeal_received

# --- duplicates ----------------------------------------------------------------------------


@receiver(appeal_received, dispatch_uid="insight.duplicates")
def find_duplicates_on_intake(sender, appeal_id, **kwargs):
    """Fingerprint the new appeal and suggest the earlier ones it repeats (重复诉求)."""
    from .tasks import duplicates_find_task

    duplicates_find_task.delay(appeal_id)


# --- early warning -------------------------------------------------------------------------


@receiver(appeal_received, dispatch_uid="insight-warning-intake")
def _warning_on_intake(sender, appeal_id, **kwargs):
    from .tasks import warning_on_intake

    warning_on_intake.delay(appeal_id)


__all__ = ["receiver", "appeal_received"]
