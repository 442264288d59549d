# The NOT NULL comes in its own migration: on PostgreSQL, altering a table in the
# same transaction as the data migration that filled it can fail with "pending
# trigger events".

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0004_history_and_reversals'),
    ]

    operations = [
        migrations.AlterField(
            model_name='allocation',
            name='allocated_on',
            field=models.DateField(),
        ),
    ]
