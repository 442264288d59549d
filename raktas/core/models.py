from __future__ import annotations

from django.db import models


class Sequence(models.Model):
    """Gap-free document numbers (invoices must be numbered without gaps).

    ``next_number`` takes the row lock for the rest of the caller's transaction, so two
    invoices issued at once get consecutive numbers and a rolled-back one gives its
    number back.
    """

    name = models.CharField(max_length=40, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    @classmethod
    def next_number(cls, name: str) -> int:
        cls.objects.get_or_create(name=name)
        seq = cls.objects.select_for_update().get(name=name)
        seq.last_value += 1
        seq.save(update_fields=["last_value"])
        return seq.last_value
