import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0001_router_model"),
        ("appeals", "0003_appeal_router_suggestion"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DuplicateKey",
            fields=[
                ("pk", models.CompositePrimaryKey("band_key", "created_at", "appeal", blank=True,
                                                  editable=False, primary_key=True,
                                                  serialize=False)),
                ("band_key", models.BigIntegerField()),
                ("created_at", models.DateTimeField()),
                ("appeal", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                             related_name="+", to="appeals.appeal")),
            ],
            options={
                "verbose_name": "duplicate fingerprint key",
                "verbose_name_plural": "duplicate fingerprint keys",
            },
        ),
        migrations.CreateModel(
            name="DuplicateCandidate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("score", models.FloatField(verbose_name="similarity")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now,
                                                    verbose_name="suggested at")),
                ("dismissed", models.BooleanField(default=False, verbose_name="not a duplicate")),
                ("dismissed_at", models.DateTimeField(blank=True, null=True)),
                ("appeal", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                             related_name="duplicate_candidates",
                                             to="appeals.appeal", verbose_name="appeal")),
                ("dismissed_by", models.ForeignKey(blank=True, null=True,
                                                   on_delete=django.db.models.deletion.SET_NULL,
                                                   related_name="+",
                                                   to=settings.AUTH_USER_MODEL)),
                ("earlier", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                              related_name="+", to="appeals.appeal",
                                              verbose_name="earlier appeal")),
            ],
            options={
                "verbose_name": "duplicate candidate",
                "verbose_name_plural": "duplicate candidates",
                "ordering": ["-score"],
                "indexes": [models.Index(fields=["dismissed", "appeal"],
                                         name="duplicate_open_idx")],
                "constraints": [models.UniqueConstraint(fields=("appeal", "earlier"),
                                                        name="duplicate_pair_unique")],
            },
        ),
    ]
