"""Integrity records: declarations, personal-matter reports, reads, spot checks."""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('supervision', '0001_reports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Declaration',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('locked', 'Locked')], default='draft', max_length=10, verbose_name='status')),
                ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted at')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('cadre', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='cadre')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.unit', verbose_name='unit at the time')),
            ],
            options={
                'verbose_name': 'asset declaration',
                'verbose_name_plural': 'asset declarations',
                'ordering': ['-year', 'cadre_id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='BusinessInterest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('holder', models.CharField(blank=True, max_length=50, verbose_name='holder')),
                ('company', models.CharField(max_length=200, verbose_name='company')),
                ('role', models.CharField(blank=True, max_length=50, verbose_name='role')),
                ('share', models.DecimalField(decimal_places=2, default=0, max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='The share cannot be negative.'), django.core.validators.MaxValueValidator(Decimal('100'), message='The share cannot be more than 100 percent.')], verbose_name='share (%)')),
                ('investment', models.DecimalField(decimal_places=2, default=0, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='The amount cannot be negative.'), django.core.validators.MaxValueValidator(Decimal('10000000000'), message='The amount is implausibly large (more than 10,000,000,000 yuan); check the figure.')], verbose_name='capital invested (yuan)')),
                ('registered_area', models.CharField(blank=True, max_length=100, verbose_name='registered in (place)')),
                ('deals_with', models.CharField(blank=True, max_length=200, verbose_name='does business with')),
                ('deals_with_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='core.unit', verbose_name='does business with (unit)')),
                ('registered_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='core.unit', verbose_name='registered in (unit)')),
                ('declaration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s_items', to='supervision.declaration')),
            ],
            options={
                'verbose_name': 'business interest',
                'ordering': ['id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Deposit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('holder', models.CharField(blank=True, max_length=50, verbose_name='holder')),
                ('bank', models.CharField(max_length=100, verbose_name='bank')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='The amount cannot be negative.'), django.core.validators.MaxValueValidator(Decimal('10000000000'), message='The amount is implausibly large (more than 10,000,000,000 yuan); check the figure.')], verbose_name='amount (yuan)')),
                ('declaration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s_items', to='supervision.declaration')),
            ],
            options={
                'verbose_name': 'deposit',
                'ordering': ['id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='FamilyMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, verbose_name='name')),
                ('relation', models.CharField(choices=[('self', 'Self'), ('spouse', 'Spouse'), ('child', 'Child')], max_length=10, verbose_name='relation')),
                ('declaration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='familymember_items', to='supervision.declaration')),
            ],
            options={
                'verbose_name': 'family member',
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='IncomeItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('holder', models.CharField(blank=True, max_length=50, verbose_name='holder')),
                ('kind', models.CharField(choices=[('salary', 'Salary and allowances'), ('labour', 'Remuneration for services'), ('rental', 'Rental income'), ('investment', 'Investment income'), ('inheritance', 'Inheritance or gift'), ('asset_sale', 'Sale of an asset'), ('other', 'Other income')], max_length=15, verbose_name='kind')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='The amount cannot be negative.'), django.core.validators.MaxValueValidator(Decimal('10000000000'), message='The amount is implausibly large (more than 10,000,000,000 yuan); check the figure.')], verbose_name='amount (yuan)')),
                ('description', models.CharField(blank=True, max_length=200, verbose_name='description')),
                ('declaration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s_items', to='supervision.declaration')),
            ],
            options={
                'verbose_name': 'income',
                'ordering': ['id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Liability',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('holder', models.CharField(blank=True, max_length=50, verbose_name='holder')),
                ('lender', models.CharField(max_length=100, verbose_name='lender (mortgage, loan)')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='The amount cannot be negative.'), django.core.validators.MaxValueValidator(Decimal('10000000000'), message='The amount is implausibly large (more than 10,000,000,000 yuan); check the figure.')], verbose_name='amount owed (yuan)')),
                ('declaration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s_items', to='supervision.declaration')),
            ],
            options={
                'verbose_name': 'liability',
                'ordering': ['id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='PersonalMatterReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('locked', 'Locked')], default='draft', max_length=10, verbose_name='status')),
                ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted at')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('cadre', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='cadre')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.unit', verbose_name='unit at the time')),
            ],
            options={
                'verbose_name': 'personal-matter report',
                'verbose_name_plural': 'personal-matter reports',
                'ordering': ['-year', 'cadre_id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='MarriageChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('person', models.CharField(max_length=50, verbose_name='whose marriage')),
                ('change', models.CharField(choices=[('married', 'Married'), ('divorced', 'Divorced'), ('widowed', 'Widowed')], max_length=10, verbose_name='change')),
                ('date', models.DateField(verbose_name='date')),
                ('partner', models.CharField(blank=True, max_length=50, verbose_name="partner's name")),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s_items', to='supervision.personalmatterreport')),
            ],
            options={
                'verbose_name': 'marriage change',
                'ordering': ['id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='IntegrityReadLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('detail', 'Opened'), ('list', 'Listed with flags'), ('export', 'Exported')], default='detail', max_length=10, verbose_name='kind')),
                ('at', models.DateTimeField(db_index=True, verbose_name='at')),
                ('declaration', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reads', to='supervision.declaration')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='read by')),
                ('report', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reads', to='supervision.personalmatterreport')),
            ],
            options={
                'verbose_name': 'integrity read',
                'verbose_name_plural': 'integrity reads',
                'ordering': ['-at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='RealEstate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('holder', models.CharField(blank=True, max_length=50, verbose_name='holder')),
                ('address', models.CharField(max_length=200, verbose_name='address')),
                ('area', models.DecimalField(decimal_places=2, max_digits=9, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='The area cannot be negative.'), django.core.validators.MaxValueValidator(Decimal('100000'), message='The area is implausibly large (more than 100,000 m²); check the figure.')], verbose_name='area (m²)')),
                ('value', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='The amount cannot be negative.'), django.core.validators.MaxValueValidator(Decimal('10000000000'), message='The amount is implausibly large (more than 10,000,000,000 yuan); check the figure.')], verbose_name='value (yuan)')),
                ('declaration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s_items', to='supervision.declaration')),
            ],
            options={
                'verbose_name': 'real estate',
                'ordering': ['id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='RelativeBusiness',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, verbose_name='name')),
                ('relation', models.CharField(max_length=30, verbose_name='relation')),
                ('company', models.CharField(max_length=200, verbose_name='company')),
                ('role', models.CharField(blank=True, max_length=50, verbose_name='role')),
                ('share', models.DecimalField(decimal_places=2, default=0, max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='The share cannot be negative.'), django.core.validators.MaxValueValidator(Decimal('100'), message='The share cannot be more than 100 percent.')], verbose_name='share (%)')),
                ('registered_area', models.CharField(blank=True, max_length=100, verbose_name='registered in (place)')),
                ('registered_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='core.unit', verbose_name='registered in (unit)')),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s_items', to='supervision.personalmatterreport')),
            ],
            options={
                'verbose_name': "relative's business",
                'ordering': ['id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='RelativeEmployment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, verbose_name='name')),
                ('relation', models.CharField(max_length=30, verbose_name='relation')),
                ('employer', models.CharField(max_length=200, verbose_name='employer')),
                ('position', models.CharField(blank=True, max_length=100, verbose_name='position')),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s_items', to='supervision.personalmatterreport')),
            ],
            options={
                'verbose_name': "relative's employment",
                'ordering': ['id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Security',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('holder', models.CharField(blank=True, max_length=50, verbose_name='holder')),
                ('name', models.CharField(max_length=100, verbose_name='stock, fund or bond')),
                ('value', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='The amount cannot be negative.'), django.core.validators.MaxValueValidator(Decimal('10000000000'), message='The amount is implausibly large (more than 10,000,000,000 yuan); check the figure.')], verbose_name='market value (yuan)')),
                ('declaration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s_items', to='supervision.declaration')),
            ],
            options={
                'verbose_name': 'security',
                'ordering': ['id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='SpotCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('seed', models.CharField(max_length=200, verbose_name='seed')),
                ('share', models.DecimalField(decimal_places=4, max_digits=5, verbose_name='share')),
                ('status', models.CharField(choices=[('announced', 'Seed announced'), ('drawn', 'Drawn')], default='announced', max_length=10, verbose_name='status')),
                ('eligible_hash', models.CharField(blank=True, max_length=64, verbose_name='SHA-256 of the eligible list')),
                ('eligible', models.JSONField(blank=True, default=list, verbose_name='eligible cadres')),
                ('drawn', models.JSONField(blank=True, default=list, verbose_name='drawn cadres')),
                ('created_at', models.DateTimeField(verbose_name='seed announced at')),
                ('drawn_at', models.DateTimeField(blank=True, null=True, verbose_name='drawn at')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.unit', verbose_name='among the cadres of')),
            ],
            options={
                'verbose_name': 'spot check',
                'verbose_name_plural': 'spot checks',
                'ordering': ['-year', '-id'],
            },
        ),
        migrations.CreateModel(
            name='TravelAbroad',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start', models.DateField(verbose_name='from')),
                ('end', models.DateField(verbose_name='to')),
                ('destination', models.CharField(max_length=100, verbose_name='destination')),
                ('purpose', models.CharField(max_length=200, verbose_name='purpose')),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s_items', to='supervision.personalmatterreport')),
            ],
            options={
                'verbose_name': 'travel abroad',
                'ordering': ['id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Vehicle',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('holder', models.CharField(blank=True, max_length=50, verbose_name='holder')),
                ('description', models.CharField(max_length=100, verbose_name='make and model')),
                ('plate', models.CharField(blank=True, max_length=20, verbose_name='plate number')),
                ('value', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='The amount cannot be negative.'), django.core.validators.MaxValueValidator(Decimal('10000000000'), message='The amount is implausibly large (more than 10,000,000,000 yuan); check the figure.')], verbose_name='value (yuan)')),
                ('declaration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)s_items', to='supervision.declaration')),
            ],
            options={
                'verbose_name': 'vehicle',
                'ordering': ['id'],
                'abstract': False,
            },
        ),
        migrations.AddIndex(
            model_name='declaration',
            index=models.Index(fields=['year', 'unit'], name='integrity_decl_year_unit'),
        ),
        migrations.AddConstraint(
            model_name='declaration',
            constraint=models.UniqueConstraint(fields=('cadre', 'year'), name='integrity_declaration_one_per_year'),
        ),
        migrations.AddConstraint(
            model_name='businessinterest',
            constraint=models.CheckConstraint(condition=models.Q(('investment__gte', 0), ('investment__lte', Decimal('10000000000'))), name='integrity_business_investment_range'),
        ),
        migrations.AddConstraint(
            model_name='businessinterest',
            constraint=models.CheckConstraint(condition=models.Q(('share__gte', 0), ('share__lte', Decimal('100'))), name='integrity_business_share_range'),
        ),
        migrations.AddConstraint(
            model_name='deposit',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gte', 0), ('amount__lte', Decimal('10000000000'))), name='integrity_deposit_amount_range'),
        ),
        migrations.AddConstraint(
            model_name='incomeitem',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gte', 0), ('amount__lte', Decimal('10000000000'))), name='integrity_income_amount_range'),
        ),
        migrations.AddConstraint(
            model_name='liability',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gte', 0), ('amount__lte', Decimal('10000000000'))), name='integrity_liability_amount_range'),
        ),
        migrations.AddConstraint(
            model_name='personalmatterreport',
            constraint=models.UniqueConstraint(fields=('cadre', 'year'), name='integrity_report_one_per_year'),
        ),
        migrations.AddConstraint(
            model_name='integrityreadlog',
            constraint=models.CheckConstraint(condition=models.Q(('declaration__isnull', False), ('report__isnull', False), _connector='OR'), name='integrity_readlog_has_object'),
        ),
        migrations.AddConstraint(
            model_name='realestate',
            constraint=models.CheckConstraint(condition=models.Q(('value__gte', 0), ('value__lte', Decimal('10000000000'))), name='integrity_realestate_value_range'),
        ),
        migrations.AddConstraint(
            model_name='realestate',
            constraint=models.CheckConstraint(condition=models.Q(('area__gte', 0), ('area__lte', Decimal('100000'))), name='integrity_realestate_area_range'),
        ),
        migrations.AddConstraint(
            model_name='relativebusiness',
            constraint=models.CheckConstraint(condition=models.Q(('share__gte', 0), ('share__lte', Decimal('100'))), name='integrity_relbusiness_share_range'),
        ),
        migrations.AddConstraint(
            model_name='security',
            constraint=models.CheckConstraint(condition=models.Q(('value__gte', 0), ('value__lte', Decimal('10000000000'))), name='integrity_security_value_range'),
        ),
        migrations.AddConstraint(
            model_name='spotcheck',
            constraint=models.UniqueConstraint(fields=('year', 'unit', 'seed'), name='integrity_spotcheck_unique_seed'),
        ),
        migrations.AddConstraint(
            model_name='spotcheck',
            constraint=models.CheckConstraint(condition=models.Q(('share__gt', 0), ('share__lte', 1)), name='integrity_spotcheck_share_range'),
        ),
        migrations.AddConstraint(
            model_name='travelabroad',
            constraint=models.CheckConstraint(condition=models.Q(('end__gte', models.F('start'))), name='integrity_travel_dates_order'),
        ),
        migrations.AddConstraint(
            model_name='vehicle',
            constraint=models.CheckConstraint(condition=models.Q(('value__gte', 0), ('value__lte', Decimal('10000000000'))), name='integrity_vehicle_value_range'),
        ),
    ]
