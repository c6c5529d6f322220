# The improvement item's agency, filled in 0003, is required from now on; and the rules that
# make the monthly follow-through safe to run again. (Apart from 0003: PostgreSQL refuses to
# alter a table in the transaction that just updated its rows' foreign keys.)
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evaluations', '0003_improvement_sources'),
    ]

    operations = [
        migrations.AlterField(
            model_name='improvementitem',
            name='agency',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='improvement_items', to='tainan_rdec.agency', verbose_name='機關'),
        ),
        migrations.AddIndex(
            model_name='improvementitem',
            index=models.Index(fields=['agency', 'status'], name='evaluations_agency__1e8064_idx'),
        ),
        migrations.AddConstraint(
            model_name='improvementitem',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('audit__isnull', False), ('source', 'audit')), models.Q(('period__isnull', False), ('source', 'timeliness')), _connector='OR'), name='improvement_item_has_its_source'),
        ),
        migrations.AddConstraint(
            model_name='improvementitem',
            constraint=models.UniqueConstraint(condition=models.Q(('source', 'timeliness')), fields=('agency', 'period'), name='one_timeliness_item_per_agency_month'),
        ),
        migrations.AddConstraint(
            model_name='improvementitem',
            constraint=models.UniqueConstraint(condition=models.Q(('source', 'timeliness'), models.Q(('status', 'verified'), _negated=True)), fields=('agency',), name='one_open_timeliness_item_per_agency'),
        ),
    ]
