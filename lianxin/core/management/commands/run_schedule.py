"""Embedded mode's Celery beat: runs the tasks of CELERY_BEAT_SCHEDULE in this process when
they are due, so `make run` keeps deadlines, notifications, roll-ups and alarms moving without
Redis. In production Celery beat and workers do this instead."""

import logging
import time
from argparse import ArgumentParser
from typing import Any

from celery.schedules import crontab, schedule
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


def _as_schedule(value: Any) -> schedule | crontab:
    return value if isinstance(value, (schedule, crontab)) else schedule(value)


class Command(BaseCommand):
    help = "Run the periodic tasks of CELERY_BEAT_SCHEDULE in-process (embedded mode, no broker)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every task once and stop")
        parser.add_argument("--tick", type=float, default=10.0, help="seconds between checks")

    def handle(self, *args: Any, **options: Any) -> None:
        entries = {
            name: (import_string(e["task"]), _as_schedule(e["schedule"]))
            for name, e in settings.CELERY_BEAT_SCHEDULE.items()
        }
        last_run: dict[str, object] = {}
        while True:
            for name, (task, when) in entries.items():
                due = name not in last_run or when.is_due(last_run[name]).is_due
                if not due:
                    continue
                last_run[name] = timezone.now()
                try:
                    result = task()
                    self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} {name}: {result}")
                except Exception:  # one failing task must not stop the others
                    log.exception("periodic task %s failed", name)
            if options["once"]:
                return
            self.stdout.flush()
            time.sleep(options["tick"])
