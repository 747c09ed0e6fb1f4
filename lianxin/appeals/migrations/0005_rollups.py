import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("appeals", "0004_reply_review"), ("core", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name='RollupState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, unique=True)),
                ('watermark', models.DateTimeField(null=True)),
                ('last_appeal_id', models.BigIntegerField(default=0)),
                ('refreshed_at', models.DateTimeField(null=True)),
            ],
        ),
        migrations.CreateModel(
            name='DailyAppealStat',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('received', models.PositiveIntegerField(default=0)),
                ('dispatched', models.PositiveIntegerField(default=0)),
                ('responded_in_time', models.PositiveIntegerField(default=0)),
                ('replied', models.PositiveIntegerField(default=0)),
                ('replied_in_time', models.PositiveIntegerField(default=0)),
                ('open', models.PositiveIntegerField(default=0)),
                ('closed', models.PositiveIntegerField(default=0)),
                ('rated', models.PositiveIntegerField(default=0)),
                ('resolved', models.PositiveIntegerField(default=0)),
                ('satisfied', models.PositiveIntegerField(default=0)),
                ('basically_satisfied', models.PositiveIntegerField(default=0)),
                ('dissatisfied', models.PositiveIntegerField(default=0)),
                ('reopened', models.PositiveIntegerField(default=0)),
                ('returned', models.PositiveIntegerField(default=0)),
                ('day', models.DateField(verbose_name='day')),
                ('category', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='appeals.category')),
                ('unit', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.unit')),
            ],
            options={
                'verbose_name': 'daily appeal figures',
                'verbose_name_plural': 'daily appeal figures',
                'indexes': [models.Index(fields=['day', 'unit'], name='insight_stat_day_unit_idx')],
            },
        ),
        migrations.CreateModel(
            name='MonthlyAppealStat',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('received', models.PositiveIntegerField(default=0)),
                ('dispatched', models.PositiveIntegerField(default=0)),
                ('responded_in_time', models.PositiveIntegerField(default=0)),
                ('replied', models.PositiveIntegerField(default=0)),
                ('replied_in_time', models.PositiveIntegerField(default=0)),
                ('open', models.PositiveIntegerField(default=0)),
                ('closed', models.PositiveIntegerField(default=0)),
                ('rated', models.PositiveIntegerField(default=0)),
                ('resolved', models.PositiveIntegerField(default=0)),
                ('satisfied', models.PositiveIntegerField(default=0)),
                ('basically_satisfied', models.PositiveIntegerField(default=0)),
                ('dissatisfied', models.PositiveIntegerField(default=0)),
                ('reopened', models.PositiveIntegerField(default=0)),
                ('returned', models.PositiveIntegerField(default=0)),
                ('month', models.DateField(verbose_name='month')),
                ('category', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='appeals.category')),
                ('unit', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.unit')),
            ],
            options={
                'verbose_name': 'monthly appeal figures',
                'verbose_name_plural': 'monthly appeal figures',
                'indexes': [models.Index(fields=['month'], name='insight_stat_month_idx')],
            },
        ),
    ]
