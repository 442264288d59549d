"""Chain the entries written before the hash chain existed (raktas.audit.chain), in id
order. The append-only triggers are lifted for this migration alone and put back."""

from django.db import migrations


def up(apps, schema_editor):
    from raktas.audit import chain, guards

    AuditEntry = apps.get_model("audit", "AuditEntry")
    connection = schema_editor.connection
    guards.remove(connection)
    prev, last = chain.GENESIS, 0
    fields = ("id", *chain.CONTENT)
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last).order_by("id").values(*fields)[:2000])
        if not rows:
            break
        changed = []
        for row in rows:
            entry = AuditEntry(id=row["id"], prev_hash=prev, hash=chain.entry_hash(prev, row))
            changed.append(entry)
            prev = entry.hash
        AuditEntry.objects.bulk_update(changed, ["prev_hash", "hash"])
        last = rows[-1]["id"]
    guards.install(connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain_fields")]
    operations = [migrations.RunPython(up, migrations.RunPython.noop)]
