"""The Celery application. Without CELERY_BROKER_URL tasks run eagerly in-process."""

import os

from celery import Celery, Task

from lianxin.core.dbrouter import reading_primary

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")


class PrimaryReadsTask(Task):
    """Every task reads from the primary, as it does in a worker of its own; run eagerly, it
    must not inherit a dashboard's replica read that happened to enclose the commit."""

    def __call__(self, *args, **kwargs):
        with reading_primary():
            return super().__call__(*args, **kwargs)


app = Celery("lianxin", task_cls=PrimaryReadsTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
