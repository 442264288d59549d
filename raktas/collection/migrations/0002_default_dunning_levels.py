"""The default dunning ladder a fresh installation starts with (the director edits it)."""

from django.db import migrations

DEFAULTS = [
    (1, "Reminder", 3, "reminder_email"),
    (2, "Call", 10, "call_task"),
    (3, "Formal letter", 30, "formal_letter_pdf"),
    (4, "Stop shipments", 45, "stop_shipments"),
    (5, "Legal", 90, "legal_handover"),
]


def add_defaults(apps, schema_editor):
    DunningLevel = apps.get_model("collection", "DunningLevel")
    if DunningLevel.objects.exists():
        return
    for order, name, days, action in DEFAULTS:
        DunningLevel.objects.create(order=order, name=name, days_overdue=days, action=action)


class Migration(migrations.Migration):
    dependencies = [("collection", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
