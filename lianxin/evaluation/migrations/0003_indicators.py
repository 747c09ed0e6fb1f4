from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0002_appraisal")]

    operations: list = []
