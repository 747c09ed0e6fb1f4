from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("appeals", "0004_reply_review")]

    operations: list = []
