from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0005_rollups'),
        ('core', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='appeal',
            index=models.Index(condition=models.Q(('status__in', ['submitted', 'dispatched', 'handling', 'reopened', 'reviewing'])), fields=['handling_deadline'], include=('unit', 'contact_deadline', 'replied_at', 'status'), name='appeal_open_due_idx'),
        ),
    ]
