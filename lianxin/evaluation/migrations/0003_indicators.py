import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0002_appraisal"),
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IndicatorScheme",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("version", models.PositiveSmallIntegerField(default=1, verbose_name="version")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("status", models.CharField(choices=[("draft", "Draft"), ("published", "Published (frozen)"), ("retired", "Replaced by a later version")], default="draft", max_length=10, verbose_name="status")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("published_at", models.DateTimeField(blank=True, null=True, verbose_name="published at")),
                ("based_on", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="evaluation.indicatorscheme", verbose_name="based on")),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "indicator scheme",
                "verbose_name_plural": "indicator schemes",
                "ordering": ["-year", "-version"],
                "constraints": [
                    models.UniqueConstraint(fields=("year", "version"), name="eval_scheme_year_version"),
                    models.UniqueConstraint(condition=models.Q(("status", "published")), fields=("year",), name="eval_scheme_one_published_per_year"),
                ],
            },
        ),
        migrations.CreateModel(
            name="Indicator",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("source", models.CharField(max_length=40, verbose_name="source measure")),
                ("direction", models.CharField(choices=[("higher", "Higher is better"), ("lower", "Lower is better")], default="higher", max_length=10, verbose_name="direction")),
                ("target", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="target")),
                ("weight", models.DecimalField(decimal_places=2, max_digits=5, verbose_name="weight (%)")),
                ("scheme", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="indicators", to="evaluation.indicatorscheme", verbose_name="scheme")),
            ],
            options={
                "verbose_name": "indicator",
                "verbose_name_plural": "indicators",
                "ordering": ["scheme", "position", "id"],
            },
        ),
        migrations.CreateModel(
            name="ResultSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("computed_at", models.DateTimeField(verbose_name="computed at")),
                ("period_start", models.DateField()),
                ("period_end", models.DateField()),
                ("computed_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("scheme", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="snapshots", to="evaluation.indicatorscheme", verbose_name="scheme version")),
            ],
            options={
                "verbose_name": "result snapshot",
                "verbose_name_plural": "result snapshots",
                "ordering": ["-year", "-computed_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="UnitResult",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("composite", models.DecimalField(blank=True, decimal_places=2, max_digits=7, null=True, verbose_name="composite score")),
                ("rank", models.PositiveIntegerField(blank=True, null=True, verbose_name="rank")),
                ("snapshot", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="units", to="evaluation.resultsnapshot")),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.unit", verbose_name="unit")),
            ],
            options={
                "verbose_name": "unit result",
                "verbose_name_plural": "unit results",
                "ordering": ["snapshot", "rank", "unit__path"],
                "constraints": [
                    models.UniqueConstraint(fields=("snapshot", "unit"), name="eval_unitresult_unique"),
                ],
            },
        ),
        migrations.CreateModel(
            name="IndicatorResult",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(default=0)),
                ("name", models.CharField(max_length=100)),
                ("source", models.CharField(max_length=40)),
                ("direction", models.CharField(choices=[("higher", "Higher is better"), ("lower", "Lower is better")], max_length=10)),
                ("target", models.DecimalField(decimal_places=2, max_digits=12)),
                ("weight", models.DecimalField(decimal_places=2, max_digits=5)),
                ("value", models.FloatField(blank=True, null=True, verbose_name="value")),
                ("score", models.DecimalField(blank=True, decimal_places=2, max_digits=7, null=True, verbose_name="score")),
                ("effective_weight", models.DecimalField(decimal_places=4, default=0, max_digits=7)),
                ("contribution", models.DecimalField(decimal_places=2, default=0, max_digits=7, verbose_name="contribution")),
                ("indicator", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="evaluation.indicator")),
                ("unit_result", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="lines", to="evaluation.unitresult")),
            ],
            options={
                "verbose_name": "indicator result",
                "verbose_name_plural": "indicator results",
                "ordering": ["unit_result", "position", "id"],
            },
        ),
    ]
