"""What insight does when an appeal arrives: queue the work, never do it in the request."""

from django.dispatch import receiver

from lianxin.appeals.signals import appeal_received

# --- duplicates ----------------------------------------------------------------------------

# --- early warning -------------------------------------------------------------------------

__all__ = ["receiver", "appeal_received"]
