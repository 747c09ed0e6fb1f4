from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("insight", "0002_duplicates")]

    operations: list = []
