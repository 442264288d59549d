"""Credit refusal reasons in the reader's language.

An override request keeps its reasons as ``{"code", "message"}`` with the message in
English (for the API and the audit log). Pages say them again, translated, from the
code and the figures the request recorded (the same sentences as the order page's
refusal, ``raktas.credit.services.CreditRefused.user_message``).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

from raktas.core.formatting import money
from raktas.core.messages import render
from raktas.credit.models import OverrideRequest, RefusalCode
from raktas.credit.scoring import FACTOR_LABELS

register = template.Library()


@register.filter
def refusal_texts(override: OverrideRequest) -> list[str]:
    cur = override.client.currency
    out: list[str] = []
    for reason in override.reasons or [{"code": override.reason}]:
        code = reason.get("code", "")
        if code == RefusalCode.BLOCKED:
            out.append(_("The client is blocked."))
        elif code == RefusalCode.STOP_SHIPMENTS:
            out.append(_("Shipments to this client are stopped."))
        elif code == RefusalCode.OVERDUE:
            out.append(
                _("%(amount)s is overdue by more than %(days)s days.")
                % {
                    "amount": money(override.overdue_amount, cur),
                    "days": settings.CREDIT_OVERDUE_GRACE_DAYS,
                }
            )
        elif code == RefusalCode.CREDIT_LIMIT:
            after = override.exposure + override.order_amount
            out.append(
                _(
                    "Exposure %(exposure)s with this order %(order)s would be over the "
                    "credit limit %(limit)s by %(over)s."
                )
                % {
                    "exposure": money(override.exposure, cur),
                    "order": money(override.order_amount, cur),
                    "limit": money(override.credit_limit, cur),
                    "over": money(after - override.credit_limit, cur),
                }
            )
        elif code in RefusalCode.values:
            out.append(str(RefusalCode(code).label))
        else:
            out.append(str(reason.get("message", code)))
    return out


@register.filter
def factor_text(factor: dict[str, Any], part: str) -> str:
    """A score factor's ``label``, ``value`` or ``why`` in the reader's language. Factors
    keep their messages (``texts``); a factor stored before that shows its English."""
    if part == "label":
        label = FACTOR_LABELS.get(str(factor.get("key")))
        return _(label) if label else str(factor.get("label", ""))
    return text_of((factor.get("texts") or {}).get(part), str(factor.get(part, "")))


@register.filter
def text_of(value: Any, fallback: str = "") -> str:
    """A stored [message, params] in the reader's language, else ``fallback``."""
    if isinstance(value, list | tuple) and len(value) == 2 and value[0]:
        return render(value[0], value[1])
    return fallback
