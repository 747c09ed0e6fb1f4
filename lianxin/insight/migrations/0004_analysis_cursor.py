from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("insight", "0003_warnings")]

    operations = [
        migrations.CreateModel(
            name="AnalysisCursor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("name", models.CharField(max_length=50, unique=True)),
                ("last_appeal_id", models.BigIntegerField(default=0)),
            ],
        ),
    ]
