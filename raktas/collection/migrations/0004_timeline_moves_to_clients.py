"""The client timeline now belongs to clients (clients.0005); drop it from this app's
state only — the table is clients' now."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("collection", "0003_timeline_messages"),
        ("clients", "0005_timelineevent"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="TimelineEvent")],
            database_operations=[],
        ),
    ]
