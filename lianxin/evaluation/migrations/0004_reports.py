import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0003_indicators"),
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DutyReport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                ("text", models.TextField(verbose_name="text")),
                ("status", models.CharField(choices=[("draft", "Draft"), ("published", "Published")], default="draft", max_length=10, verbose_name="status")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("published_at", models.DateTimeField(blank=True, null=True, verbose_name="published at")),
                ("author", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="duty_reports", to=settings.AUTH_USER_MODEL, verbose_name="cadre")),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="duty_reports", to="core.unit", verbose_name="unit")),
            ],
            options={
                "verbose_name": "duty-and-integrity report",
                "verbose_name_plural": "duty-and-integrity reports",
                "ordering": ["-year", "-published_at", "-id"],
                "indexes": [models.Index(fields=["status", "year"], name="eval_dutyreport_year_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("author", "unit", "year"), name="eval_dutyreport_one_per_year"),
                ],
            },
        ),
        migrations.CreateModel(
            name="ReportRating",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("anon_key", models.CharField(blank=True, default="", max_length=64)),
                ("stars", models.PositiveSmallIntegerField(verbose_name="rating")),
                ("comment", models.TextField(blank=True, verbose_name="comment")),
                ("comment_status", models.CharField(choices=[("none", "No comment"), ("pending", "Awaiting moderation"), ("approved", "Published"), ("rejected", "Not published")], default="none", max_length=10, verbose_name="comment status")),
                ("moderated_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("moderated_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("report", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="ratings", to="evaluation.dutyreport")),
                ("user", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "report rating",
                "verbose_name_plural": "report ratings",
                "ordering": ["-id"],
                "indexes": [models.Index(fields=["comment_status", "id"], name="eval_rating_moderation_idx")],
                "constraints": [
                    models.UniqueConstraint(condition=models.Q(("user__isnull", False)), fields=("report", "user"), name="eval_rating_one_per_citizen"),
                    models.UniqueConstraint(condition=models.Q(("anon_key", ""), _negated=True), fields=("report", "anon_key"), name="eval_rating_one_per_address"),
                    models.CheckConstraint(condition=models.Q(("stars__gte", 1), ("stars__lte", 5)), name="eval_rating_stars_1_5"),
                ],
            },
        ),
        migrations.CreateModel(
            name="Inquiry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("asker_kind", models.CharField(choices=[("citizen", "Citizen"), ("deputy", "Deputy")], default="citizen", max_length=10, verbose_name="asked as")),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                ("text", models.TextField(verbose_name="question")),
                ("status", models.CharField(choices=[("open", "Awaiting answer"), ("answered", "Answered"), ("withdrawn", "Withdrawn")], default="open", max_length=10, verbose_name="status")),
                ("created_at", models.DateTimeField(verbose_name="submitted at")),
                ("deadline", models.DateTimeField(verbose_name="answer due")),
                ("answer", models.TextField(blank=True, verbose_name="answer")),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered at")),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("answered_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("asker", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="inquiries", to=settings.AUTH_USER_MODEL, verbose_name="asked by")),
                ("cadre", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="inquiries_addressed", to=settings.AUTH_USER_MODEL, verbose_name="cadre")),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="inquiries", to="core.unit", verbose_name="unit")),
            ],
            options={
                "verbose_name": "inquiry",
                "verbose_name_plural": "inquiries",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["unit", "deadline"], name="eval_inquiry_unit_due_idx"),
                    models.Index(fields=["status", "deadline"], name="eval_inquiry_status_due_idx"),
                ],
            },
        ),
    ]
