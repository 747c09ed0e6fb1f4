"""The reporting channel (举报): reports, evidence, messages, inspectors' keys, read log."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='InspectorKey',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('public_key', models.BinaryField()),
                ('sealed_private_key', models.BinaryField()),
                ('salt', models.BinaryField()),
                ('opslimit', models.PositiveBigIntegerField()),
                ('memlimit', models.PositiveBigIntegerField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='inspector_key', to=settings.AUTH_USER_MODEL, verbose_name='inspector')),
            ],
            options={
                'verbose_name': 'inspector key',
                'verbose_name_plural': 'inspector keys',
            },
        ),
        migrations.CreateModel(
            name='Report',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('status', models.CharField(choices=[('received', 'Received'), ('assessed', 'Accepted for investigation'), ('investigating', 'Under investigation'), ('concluded', 'Concluded'), ('not_accepted', 'Not accepted')], default='received', max_length=20, verbose_name='status')),
                ('received_on', models.DateField(verbose_name='received on')),
                ('clocks', models.CharField(default='eu', max_length=10)),
                ('ack_due', models.DateField(verbose_name='acknowledge by')),
                ('feedback_due', models.DateField(verbose_name='feedback by')),
                ('acknowledged_on', models.DateField(blank=True, null=True)),
                ('feedback_on', models.DateField(blank=True, null=True)),
                ('ack_escalated_on', models.DateField(blank=True, null=True)),
                ('feedback_escalated_on', models.DateField(blank=True, null=True)),
                ('receipt_hash', models.CharField(max_length=200)),
                ('receipt_bucket', models.PositiveIntegerField(db_index=True)),
                ('reporter_wrap', models.BinaryField()),
                ('reporter_salt', models.BinaryField()),
                ('reporter_opslimit', models.PositiveBigIntegerField()),
                ('reporter_memlimit', models.PositiveBigIntegerField()),
                ('ciphertext', models.BinaryField()),
                ('accused_salt', models.BinaryField()),
                ('accused_hashes', models.JSONField(default=list)),
                ('received_audited', models.BooleanField(default=False)),
                ('accused_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.unit', verbose_name='accused unit')),
            ],
            options={
                'verbose_name': 'report',
                'verbose_name_plural': 'reports',
                'ordering': ['-received_on'],
            },
        ),
        migrations.CreateModel(
            name='ReportFile',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('stored_name', models.CharField(max_length=100, unique=True)),
                ('meta', models.BinaryField()),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='files', to='supervision.report')),
            ],
        ),
        migrations.CreateModel(
            name='ReportKeyWrap',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('wrapped_key', models.BinaryField()),
                ('inspector_key', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='wraps', to='supervision.inspectorkey')),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='wraps', to='supervision.report')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('report', 'inspector_key'), name='report_wrap_unique')],
            },
        ),
        migrations.CreateModel(
            name='ReportMessage',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('side', models.CharField(choices=[('reporter', 'Reporter'), ('inspector', 'Inspector')], max_length=10)),
                ('sent_on', models.DateField()),
                ('seq', models.PositiveIntegerField()),
                ('ciphertext', models.BinaryField()),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='supervision.report')),
            ],
            options={
                'ordering': ['seq'],
                'constraints': [models.UniqueConstraint(fields=('report', 'seq'), name='report_message_seq_unique')],
            },
        ),
        migrations.CreateModel(
            name='ReportRead',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('at', models.DateTimeField()),
                ('what', models.CharField(default='case', max_length=20)),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reads', to='supervision.report')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-at'],
                'indexes': [models.Index(fields=['report', 'at'], name='report_read_idx')],
            },
        ),
    ]
