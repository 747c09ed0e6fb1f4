"""Embedded mode's Celery beat and worker: runs the tasks of CELERY_BEAT_SCHEDULE in this
process when they are due, and, each in a thread of its own, the sweepers of
PENDING_WORK_SWEEPERS every tick (one second), so `make run` keeps appeals routed and analysed,
notifications sent, deadlines, roll-ups and alarms moving without Redis, and the citizen's
request never waits for any of it. Each sweeper has its own thread so that a long periodic
task (hot issues, roll-ups) or a backlog of analysis or mail does not hold up an appeal's
suggestion. In production Celery beat and workers do this instead."""

import logging
import threading
import time
from argparse import ArgumentParser
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from celery.schedules import crontab, schedule
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.module_loading import import_string

from lianxin.core.queue import after_urgent

log = logging.getLogger(__name__)


def _as_schedule(value: Any) -> schedule | crontab:
    return value if isinstance(value, (schedule, crontab)) else schedule(value)


class Command(BaseCommand):
    help = (
        "Run the periodic tasks of CELERY_BEAT_SCHEDULE and the pending-work sweepers "
        "in-process (embedded mode, no broker)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every task once and stop")
        parser.add_argument(
            "--tick",
            type=float,
            default=settings.RUN_SCHEDULE_TICK,
            help="seconds between checks, and between passes of the pending-work sweepers",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sweepers = {path: import_string(path) for path in settings.PENDING_WORK_SWEEPERS}
        # A sweeper in the beat schedule too runs every tick here: its beat entry is not needed.
        entries = {
            name: (import_string(e["task"]), _as_schedule(e["schedule"]))
            for name, e in settings.CELERY_BEAT_SCHEDULE.items()
            if e["task"] not in sweepers
        }
        tick = options["tick"]
        # Said once everything is imported (about seconds on a small machine), so that an
        # operator, and bench/intake.py, can tell when the background work has started.
        self.stdout.write(
            f"{timezone.now():%Y-%m-%d %H:%M:%S} run_schedule: {len(sweepers)} sweepers every "
            f"{tick:g} s, {len(entries)} periodic tasks"
        )
        self.stdout.flush()
        if options["once"]:
            for path, task in sweepers.items():
                self._run(path, task, quiet=False)
            for name, (task, _) in entries.items():
                self._run(name, task, quiet=False)
            return
        for path, task in sweepers.items():
            threading.Thread(
                target=self._loop,
                args=(partial(self._run, path, task, quiet=True), tick),
                name=path.rsplit(".", 1)[-1],
                daemon=True,
            ).start()
        last_run: dict[str, datetime] = {}
        self._loop(partial(self._periodic, entries, last_run), tick)

    def _periodic(self, entries: dict[str, tuple[Any, Any]], last_run: dict[str, datetime]) -> None:
        """One pass: the periodic tasks that are due. A task that has not run yet is due, but
        only one of those runs per pass: run all at once at start on a large database, they
        took most of a core for seconds, just when a restarted server meets the requests that
        waited."""
        first_run_done = False
        for name, (task, when) in entries.items():
            if name in last_run:
                if not when.is_due(last_run[name]).is_due:
                    continue
            elif first_run_done:
                continue
            else:
                first_run_done = True
            # A periodic task waits while the routing sweeper has appeals to route: they share
            # this process's interpreter lock, and the suggestion matters more (core.queue).
            after_urgent()
            last_run[name] = timezone.now()
            self._run(name, task, quiet=False)

    def _loop(self, one_pass: Callable[[], None], tick: float) -> None:
        try:
            while True:
                started = time.monotonic()
                one_pass()
                self.stdout.flush()
                # A connection dropped by the database (a restart) is reopened next pass.
                close_old_connections()
                time.sleep(max(0.0, tick - (time.monotonic() - started)))
        finally:
            connection.close()

    def _run(self, name: str, task: Any, *, quiet: bool) -> None:
        try:
            result = task()
        except Exception:  # one failing task must not stop the others
            log.exception("periodic task %s failed", name)
            return
        if result or not quiet:  # a sweeper that found nothing says nothing, every second
            self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} {name}: {result}")
