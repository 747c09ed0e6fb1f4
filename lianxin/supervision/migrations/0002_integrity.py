from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_reports")]

    operations: list = []
