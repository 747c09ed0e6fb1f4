from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("insight", "0003_warnings")]

    operations: list = []
