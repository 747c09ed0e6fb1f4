from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("appeals", "0003_appeal_router_suggestion")]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="reply_score",
            field=models.FloatField(blank=True, null=True, verbose_name="reply score"),
        ),
        migrations.AddField(
            model_name="appeal",
            name="reply_review",
            field=models.JSONField(blank=True, default=dict, verbose_name="reply review"),
        ),
        migrations.AlterField(
            model_name="appeal",
            name="status",
            field=models.CharField(
                choices=[
                    ("submitted", "Submitted"),
                    ("dispatched", "Dispatched"),
                    ("handling", "Being handled"),
                    ("reviewing", "Reply under review"),
                    ("replied", "Replied"),
                    ("reopened", "Reopened"),
                    ("closed", "Closed"),
                    ("merged", "Merged"),
                    ("withdrawn", "Withdrawn"),
                ],
                default="submitted",
                max_length=12,
                verbose_name="status",
            ),
        ),
    ]
