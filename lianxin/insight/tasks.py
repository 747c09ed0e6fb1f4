"""Background work of the insight app (Celery; eager in-process without a broker)."""

from celery import shared_task  # noqa: F401

# --- duplicates ----------------------------------------------------------------------------

# --- early warning -------------------------------------------------------------------------

# --- reply quality -------------------------------------------------------------------------

# --- roll-ups for the dashboard ------------------------------------------------------------
