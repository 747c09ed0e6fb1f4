from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0003_indicators")]

    operations: list = []
