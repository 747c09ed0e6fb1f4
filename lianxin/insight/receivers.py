"""What insight does when an appeal arrives: queue the work, never do it in the request.

With a broker each new appeal is one Celery task: duplicates, then its area and the
animal-cluster rule. Without one nothing is queued: `run_schedule` runs the periodic
`analyse_new_appeals` every second, which picks new appeals up from the database (with a broker
it is the safety net for a lost task)."""

from django.dispatch import receiver

from lianxin.appeals.signals import appeal_received
from lianxin.core.queue import enqueue

from .tasks import analyse_new_appeal


@receiver(appeal_received, dispatch_uid="insight.analyse-new-appeal")
def analyse_on_intake(sender, appeal_id, **kwargs):
    enqueue(analyse_new_appeal, appeal_id)
