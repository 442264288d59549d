from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("clients", "0005_timelineevent"),
        ("collection", "0004_timeline_moves_to_clients"),
    ]

    operations = [
        migrations.AlterModelTable(name="timelineevent", table=None),
        migrations.RenameIndex(
            model_name="timelineevent",
            new_name="clients_timeline_client_at",
            old_name="collection__client__b03bd3_idx",
        ),
    ]
