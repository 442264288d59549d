from django.db import migrations, models

from raktas.core.search import contact_search_text


def fill_search_text(apps, schema_editor):
    """Fold the existing contacts' name, position, email and phone into search_text
    (raktas.core.search)."""

    Model = apps.get_model("clients", "contact")
    rows = Model.objects.order_by("pk").values_list("pk", "name", "position", "email", "phone")
    table = schema_editor.connection.ops.quote_name(Model._meta.db_table)
    sql = f"UPDATE {table} SET search_text = %s WHERE id = %s"
    # Read first, then write: SQLite should not update the table under an open SELECT.
    todo = list(rows)
    batch = []
    with schema_editor.connection.cursor() as cursor:
        for pk, *texts in todo:
            batch.append((contact_search_text(*texts), pk))
            if len(batch) == 5000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_client_search_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
    ]
