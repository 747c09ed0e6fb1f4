"""Indexes for a city's volume (docs/scale.md): Open311's open public requests by time, and the
dashboard's daily trend read from the index alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0009_routed_at_recent"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(
                condition=models.Q(
                    ("is_public", True),
                    models.Q(("status__in", ["closed", "merged", "withdrawn"]), _negated=True),
                ),
                fields=["created_at"],
                name="appeal_public_open_time_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="dailyappealstat",
            index=models.Index(
                fields=["day"], include=("received", "closed"), name="appeal_stat_day_trend_idx"
            ),
        ),
    ]
