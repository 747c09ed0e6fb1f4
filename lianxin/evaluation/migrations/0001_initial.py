from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("appeals", "0005_rollups"), ("core", "0001_initial")]

    operations: list = []
