"""Small helpers the services of every app share."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from raktas.core.exceptions import DomainError, ValidationFailed


def refusals_recorded[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Wrap an atomic service (put it *outside* ``transaction.atomic``): when it lets a
    ``DomainError`` out, run the error's ``after_rollback`` work, each in a
    transaction of its own, after the service's transaction has rolled back, then
    re-raise. A subscriber that vetoes a change (``raktas.core.events``) can so leave a
    record of the refusal without the lower app knowing what that record is.

    (A caller who wraps the service in an outer transaction and rolls that back on
    the error loses the record with it.)"""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as error:
            for follow_up in error.after_rollback:
                with transaction.atomic():
                    follow_up()
            raise

    return wrapper


def first_error(exc: ValidationError) -> ValidationFailed:
    """Turn Django's ValidationError into ours, naming the first field at fault."""
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        message = "; ".join(m for e in errors for m in e.messages)
        name = None if field == "__all__" else field
        return ValidationFailed(f"{name}: {message}" if name else message, field=name)
    return ValidationFailed("; ".join(exc.messages))


def assign(obj: models.Model, data: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    """Set the allowed fields present in ``data``; refuse any other key. Returns the names set."""
    allowed = set(allowed)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationFailed(f"{unknown[0]}: this field cannot be set here", field=unknown[0])
    for name, value in data.items():
        field = obj._meta.get_field(name)
        if value is None and not getattr(field, "null", True):
            # JSON null on a column that holds no NULL (an API client's "no value"):
            # the field's default, or empty text — never a NOT NULL error from the
            # database. A required field is then refused by validation, by name.
            if field.has_default():  # type: ignore[union-attr]
                value = field.get_default()  # type: ignore[union-attr]
            elif isinstance(field, models.CharField | models.TextField):
                value = ""
        if isinstance(field, models.ForeignKey) and not isinstance(value, models.Model):
            setattr(obj, field.attname, value)
        else:
            setattr(obj, name, value)
    return list(data)


def validate(obj: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Run model validation and raise ValidationFailed naming the field."""
    try:
        obj.full_clean(exclude=list(exclude), validate_constraints=True)
    except ValidationError as exc:
        raise first_error(exc) from None
