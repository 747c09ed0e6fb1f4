"""A caller's earlier appeals, looked up by number on the operator console."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0009_routed_at_recent'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='appeal',
            index=models.Index(fields=['contact_phone', 'created_at'], name='appeal_phone_time_idx'),
        ),
    ]
