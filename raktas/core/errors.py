"""Domain errors as page messages, in the user's language.

Services raise ``DomainError`` with a stable ``code`` and the ``field`` at fault; their
``message`` is English for logs and the API. Pages show a translated sentence: the
error's own (``DomainError.user_message``, for errors that carry figures), else one
chosen by code, else by field, next to the field named by ``field``.

Each app registers the sentences for its codes and fields from its ``handlers``
module (``register_messages``), so this module knows no app above it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from raktas.core.exceptions import DomainError

_BY_CODE: dict[str, Any] = {
    "not_your_client": gettext_lazy("This client is not in your book."),
    "forbidden": gettext_lazy("Your role may not do this."),
    "not_found": gettext_lazy("Not found."),
}
_BY_FIELD: dict[str, Any] = {}
# Field names the pages place errors next to; anything else goes to the top.
_PAGE_FIELDS: set[str] = set()


def register_messages(
    *, by_code: dict[str, Any] | None = None, by_field: dict[str, Any] | None = None
) -> None:
    """Sentences (lazy translations) for error codes and for the fields of an app's
    forms; a form field named here gets its error next to it on the page."""
    _BY_CODE.update(by_code or {})
    _BY_FIELD.update(by_field or {})
    _PAGE_FIELDS.update(by_field or {})


def register_page_fields(*names: str) -> None:
    _PAGE_FIELDS.update(names)


def message_for(error: DomainError) -> str:
    own = error.user_message()
    if own:
        return own
    if error.code in _BY_CODE:
        return str(_BY_CODE[error.code])
    if error.field in _BY_FIELD:
        return str(_BY_FIELD[error.field or ""])
    return _("The request was refused: %(reason)s") % {"reason": error.message}


def field_of(error: DomainError) -> str:
    return error.field if error.field in _PAGE_FIELDS else "general"


def error_dict(error: DomainError) -> dict[str, str]:
    return {field_of(error): message_for(error)}
