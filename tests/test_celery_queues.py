"""Tasks by queue (docs/topology.md): every task of the project has its queue, so a worker
started per queue (`-Q intake`) leaves none stranded, and routing is off unless asked for."""

import importlib
import os
from unittest import mock

from django.conf import settings

from lianxin.celery import app

QUEUES = {"intake", "notify", "audit", "periodic"}


def project_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if name.startswith("lianxin.")}


def test_every_task_has_one_of_the_named_queues():
    assert project_tasks() == set(settings.CELERY_QUEUE_OF_TASK)
    assert set(settings.CELERY_QUEUE_OF_TASK.values()) == QUEUES
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(settings.CELERY_QUEUE_OF_TASK)
    # The sealer alone on its queue: a long scan never delays the audit chain.
    assert [t for t, q in settings.CELERY_QUEUE_OF_TASK.items() if q == "audit"] == [
        "lianxin.core.tasks.seal_audit_log"
    ]


def test_routes_only_when_asked_for():
    import lianxin.settings as project

    assert settings.CELERY_TASK_ROUTES == {}  # a plain `celery worker` takes every task
    with mock.patch.dict(os.environ, {"LIANXIN_CELERY_QUEUES": "1"}):
        routed = importlib.reload(project)
    try:
        assert routed.CELERY_TASK_ROUTES["lianxin.insight.tasks.analyse_new_appeal"] == {
            "queue": "intake"
        }
        assert len(routed.CELERY_TASK_ROUTES) == len(settings.CELERY_QUEUE_OF_TASK)
    finally:
        importlib.reload(project)
