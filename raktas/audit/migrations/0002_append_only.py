"""Make the audit table append-only in the database itself (see raktas.audit.guards)."""

from django.db import migrations


def up(apps, schema_editor):
    from raktas.audit.guards import install

    install(schema_editor.connection)


def down(apps, schema_editor):
    from raktas.audit.guards import remove

    remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
