"""The client timeline moves from collection to clients (any context writes it, the
client page reads it). The table and its rows stay; only the model's home changes,
then the table is renamed to the new app's name."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("clients", "0004_contact_search_text"),
        ("collection", "0003_timeline_messages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TimelineEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("kind", models.CharField(max_length=24)),
                        ("text", models.TextField()),
                        ("message", models.CharField(blank=True, max_length=200)),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("link", models.CharField(blank=True, max_length=255)),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("client", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="timeline", to="clients.client")),
                    ],
                    options={
                        "ordering": ["-at", "-id"],
                        "db_table": "collection_timelineevent",
                        "indexes": [models.Index(fields=["client", "-at"], name="collection__client__b03bd3_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
