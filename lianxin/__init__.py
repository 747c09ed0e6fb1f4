"""Lianxin (连心): appeals, assessment, supervision and participation for a county or city."""

from .celery import app as celery_app

__all__ = ["celery_app"]
