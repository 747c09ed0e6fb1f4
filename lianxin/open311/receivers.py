"""What the Open311 adapter does when the catalogue changes."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from lianxin.appeals.models import Category

from .defaults import ANIMAL_EPIDEMIC
from .services import service_attributes_seed


@receiver(post_save, sender=Category, weak=False, dispatch_uid="open311-seed-questions")
def seed_questions(
    sender: type[Category], instance: Category, created: bool, **kwargs: Any
) -> None:
    # The animal-epidemic category asks its questions (species, sick, dead) as soon as it
    # exists, whoever creates it (demo loader, admin, import).
    if created and instance.code == ANIMAL_EPIDEMIC and not kwargs.get("raw"):
        service_attributes_seed()
