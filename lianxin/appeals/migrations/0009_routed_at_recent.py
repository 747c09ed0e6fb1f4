"""Appeals the router had already suggested for before routed_at existed: marked, so that the
routing sweeper (which looks back one hour) does not ask the router about them again."""

from datetime import timedelta

from django.db import migrations
from django.db.models import F
from django.utils import timezone


def mark_recent(apps, schema_editor):
    Appeal = apps.get_model("appeals", "Appeal")
    Appeal.objects.filter(
        suggested_category__isnull=False,
        routed_at__isnull=True,
        created_at__gte=timezone.now() - timedelta(hours=2),
    ).update(routed_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [("appeals", "0008_appeal_routed_at")]

    operations = [migrations.RunPython(mark_recent, migrations.RunPython.noop)]
