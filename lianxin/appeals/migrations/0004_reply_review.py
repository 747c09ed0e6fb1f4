from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("appeals", "0003_appeal_router_suggestion")]

    operations: list = []
