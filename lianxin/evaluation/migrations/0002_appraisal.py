"""民主评议: campaigns, questionnaires, one-time voting codes, tallies and comments."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('evaluation', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AppraisalCampaign',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('kind', models.CharField(choices=[('units', 'Units'), ('cadres', 'Cadres')], default='units', max_length=10, verbose_name='who is appraised')),
                ('opens_at', models.DateTimeField(verbose_name='voting opens at')),
                ('closes_at', models.DateTimeField(verbose_name='voting closes at')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('open', 'Open for voting'), ('closed', 'Voting closed'), ('published', 'Published')], default='draft', editable=False, max_length=10, verbose_name='status')),
                ('intro', models.TextField(blank=True, verbose_name='introduction shown to voters')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
            ],
            options={
                'verbose_name': 'appraisal campaign',
                'verbose_name_plural': 'appraisal campaigns',
                'ordering': ['-year', '-opens_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='AppraisalInvitation',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('token_hash', models.CharField(max_length=64, unique=True)),
                ('used', models.BooleanField(default=False)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='evaluation.appraisalcampaign')),
            ],
            options={
                'verbose_name': 'voting code',
                'verbose_name_plural': 'voting codes',
            },
        ),
        migrations.CreateModel(
            name='AppraisalQuestion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('kind', models.CharField(choices=[('rating', 'Rating 1–5'), ('text', 'Free text')], default='rating', max_length=10, verbose_name='kind')),
                ('text', models.CharField(max_length=300, verbose_name='question')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='questions', to='evaluation.appraisalcampaign', verbose_name='campaign')),
            ],
            options={
                'verbose_name': 'question',
                'verbose_name_plural': 'questions',
                'ordering': ['campaign', 'order', 'id'],
            },
        ),
        migrations.CreateModel(
            name='AppraisalTarget',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('display_name', models.CharField(blank=True, max_length=100, verbose_name='name shown to voters')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('cadre', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='cadre')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='targets', to='evaluation.appraisalcampaign', verbose_name='campaign')),
                ('unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.unit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'appraised unit or cadre',
                'verbose_name_plural': 'appraised units and cadres',
                'ordering': ['campaign', 'order', 'id'],
            },
        ),
        migrations.CreateModel(
            name='AppraisalTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('c1', models.PositiveIntegerField(default=0)),
                ('c2', models.PositiveIntegerField(default=0)),
                ('c3', models.PositiveIntegerField(default=0)),
                ('c4', models.PositiveIntegerField(default=0)),
                ('c5', models.PositiveIntegerField(default=0)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tallies', to='evaluation.appraisalcampaign')),
                ('question', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tallies', to='evaluation.appraisalquestion')),
                ('target', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tallies', to='evaluation.appraisaltarget')),
            ],
        ),
        migrations.CreateModel(
            name='AppraisalComment',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('text', models.TextField()),
                ('status', models.CharField(choices=[('pending', 'Awaiting moderation'), ('approved', 'Approved'), ('rejected', 'Rejected')], default='pending', max_length=10)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='evaluation.appraisalcampaign')),
                ('question', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='evaluation.appraisalquestion')),
                ('target', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='evaluation.appraisaltarget')),
            ],
            options={
                'verbose_name': 'appraisal comment',
                'verbose_name_plural': 'appraisal comments',
                'ordering': ['id'],
            },
        ),
        migrations.AddConstraint(
            model_name='appraisalcampaign',
            constraint=models.CheckConstraint(condition=models.Q(('closes_at__gt', models.F('opens_at'))), name='appraisal_closes_after_opening'),
        ),
        migrations.AddConstraint(
            model_name='appraisaltarget',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('cadre__isnull', True), ('unit__isnull', False)), models.Q(('cadre__isnull', False), ('unit__isnull', True)), _connector='OR'), name='appraisal_target_unit_xor_cadre'),
        ),
        migrations.AddConstraint(
            model_name='appraisaltally',
            constraint=models.UniqueConstraint(fields=('target', 'question'), name='appraisal_tally_once'),
        ),
    ]
