"""Building blocks every app's schemas share.

* ``In``: input schemas forbid unknown fields, so the writable fields of an endpoint
  are exactly the ones its schema lists (an allowlist) and a typo is an error that
  names the field, not a silently ignored key.
* ``Out``: output schemas. Fields listed in ``margin_fields`` (cost, margin) are
  removed from the JSON — absent, not null — unless the caller may see margin
  (``raktas.org.access.sees_margin``); fields in ``omit_if_null`` are removed when
  null (e.g. a balance the caller may not see: its resolver asks
  ``caller_sees_account``).
* Money is a string in JSON ("141.57"), never a float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar

from django.http import HttpRequest
from ninja import Schema
from pydantic import (
    ConfigDict,
    PlainSerializer,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from raktas.core.money import q2
from raktas.org.access import sees_account, sees_margin


def _money(value: Decimal) -> str:
    return str(q2(Decimal(value)))


def _places(places: int) -> Any:
    exponent = Decimal(1).scaleb(-places)

    def serialize(value: Decimal) -> str:
        return str(Decimal(value).quantize(exponent))

    return serialize


# Amounts in a currency: two places. Prices and costs per unit carry four (the
# PriceField), quantities three, percentages two.
Money = Annotated[Decimal, PlainSerializer(_money, return_type=str, when_used="always")]
UnitPrice = Annotated[Decimal, PlainSerializer(_places(4), return_type=str, when_used="always")]
Quantity = Annotated[Decimal, PlainSerializer(_places(3), return_type=str, when_used="always")]
Percent = Annotated[Decimal, PlainSerializer(_places(2), return_type=str, when_used="always")]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


def caller(context: Any) -> Any:
    """The user of the request being answered (a resolver's ``context``), or None."""
    request = (context or {}).get("request")
    return getattr(request, "auth", None) if request is not None else None


def caller_sees_account(context: Any, client: Any) -> bool:
    """Whether the caller may see what ``client`` owes (``org.access.sees_account``):
    resolvers of owed amounts answer None otherwise, and ``omit_if_null`` drops them."""
    user = caller(context)
    return user is not None and sees_account(user, client)


def request_sees_margin(info: SerializationInfo) -> bool:
    context = info.context or {}
    request: HttpRequest | None = context.get("request")
    user = getattr(request, "auth", None) if request is not None else None
    # No request, no margin: the safe default for any other use of these schemas.
    return user is not None and sees_margin(user)


class Out(Schema):
    margin_fields: ClassVar[frozenset[str]] = frozenset()
    omit_if_null: ClassVar[frozenset[str]] = frozenset()

    # No return annotation on purpose: with one, pydantic would document the output as
    # that type (a bare dict) instead of this model's fields.
    @model_serializer(mode="wrap")
    def _hide_restricted(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo):
        data = handler(self)
        if self.margin_fields and not request_sees_margin(info):
            for name in self.margin_fields:
                data.pop(name, None)
        for name in self.omit_if_null:
            if data.get(name, ...) is None:
                del data[name]
        return data


class UserRef(Out):
    id: int
    username: str
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.get_full_name() or obj.username


class Deleted(Out):
    deleted: bool = True
    id: int
