"""What insight does when an appeal arrives: queue the work, never do it in the request.

With a broker (INSIGHT_INTAKE_MODE "queue") each new appeal is one Celery task: duplicates,
then its area and the animal-cluster rule. Without one, tasks would run inside the citizen's
request, so ("batch") the periodic `analyse_new_appeals` picks new appeals up within seconds
instead; in "queue" mode it is the safety net for a lost task."""

from django.conf import settings
from django.dispatch import receiver

from lianxin.appeals.signals import appeal_received
from lianxin.core.queue import enqueue

from .tasks import analyse_new_appeal


@receiver(appeal_received, dispatch_uid="insight.analyse-new-appeal")
def analyse_on_intake(sender, appeal_id, **kwargs):
    if settings.INSIGHT_INTAKE_MODE == "queue":
        enqueue(analyse_new_appeal, appeal_id)
