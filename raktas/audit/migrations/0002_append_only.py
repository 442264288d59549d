"""Make the audit table append-only in the database itself (see raktas.audit.guards)."""

from django.db import migrations

from raktas.audit.guards import install, remove


def up(apps, schema_editor):
    install(schema_editor.connection)


def down(apps, schema_editor):
    remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
