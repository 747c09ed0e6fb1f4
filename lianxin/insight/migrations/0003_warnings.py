import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0002_duplicates"),
        ("appeals", "0003_appeal_router_suggestion"),
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Alarm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("kind", models.CharField(choices=[("cluster", "Cluster of animal reports"),
                                                   ("rise", "Significant rise")],
                                          max_length=10, verbose_name="kind")),
                ("window_start", models.DateTimeField(verbose_name="window start")),
                ("window_end", models.DateTimeField(verbose_name="window end")),
                ("count", models.PositiveIntegerField(verbose_name="reports")),
                ("baseline_count", models.PositiveIntegerField(
                    default=0, verbose_name="reports in the baseline")),
                ("expected", models.FloatField(default=0, verbose_name="expected")),
                ("p_value", models.FloatField(blank=True, null=True, verbose_name="p-value")),
                ("status", models.CharField(choices=[("open", "Open"),
                                                     ("acknowledged", "Acknowledged"),
                                                     ("closed", "Closed")],
                                            default="open", max_length=12, verbose_name="status")),
                ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                ("note", models.TextField(blank=True, verbose_name="note")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now,
                                                    verbose_name="raised at")),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("acknowledged_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+", to=settings.AUTH_USER_MODEL)),
                ("area", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                           related_name="+", to="core.unit", verbose_name="area")),
                ("category", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                               related_name="+", to="appeals.category",
                                               verbose_name="category")),
                ("closed_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+", to=settings.AUTH_USER_MODEL)),
                ("unit", models.ForeignKey(blank=True, null=True,
                                           on_delete=django.db.models.deletion.PROTECT,
                                           related_name="+", to="core.unit",
                                           verbose_name="responsible unit")),
            ],
            options={"verbose_name": "alarm", "verbose_name_plural": "alarms",
                     "ordering": ["-created_at"]},
        ),
        migrations.CreateModel(
            name="AlarmMember",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("added_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("alarm", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                            related_name="members", to="insight.alarm")),
                ("appeal", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                             related_name="+", to="appeals.appeal")),
            ],
            options={"ordering": ["appeal_id"]},
        ),
        migrations.AddField(
            model_name="alarm",
            name="appeals",
            field=models.ManyToManyField(related_name="+", through="insight.AlarmMember",
                                         to="appeals.appeal", verbose_name="appeals"),
        ),
        migrations.CreateModel(
            name="AppealArea",
            fields=[
                ("appeal", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE,
                                                primary_key=True, related_name="warning_area",
                                                serialize=False, to="appeals.appeal")),
                ("source", models.CharField(choices=[("address", "Address"),
                                                     ("content", "Title or content"),
                                                     ("unit", "Handling unit"),
                                                     ("none", "Not found")], max_length=10)),
                ("animal_keywords", models.BooleanField(default=False)),
                ("derived_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("area", models.ForeignKey(blank=True, null=True,
                                           on_delete=django.db.models.deletion.PROTECT,
                                           related_name="+", to="core.unit",
                                           verbose_name="area")),
            ],
            options={"verbose_name": "appeal area", "verbose_name_plural": "appeal areas"},
        ),
        migrations.AddConstraint(
            model_name="alarmmember",
            constraint=models.UniqueConstraint(fields=("alarm", "appeal"),
                                               name="insight_alarm_member_unique"),
        ),
        migrations.AddIndex(
            model_name="alarm",
            index=models.Index(fields=["status", "created_at"], name="insight_alarm_status_idx"),
        ),
        migrations.AddConstraint(
            model_name="alarm",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["open", "acknowledged"])),
                fields=("kind", "category", "area"), name="insight_one_active_alarm"),
        ),
    ]
