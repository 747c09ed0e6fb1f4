from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("insight", "0001_router_model"), ("appeals", "0003_appeal_router_suggestion")]

    operations: list = []
