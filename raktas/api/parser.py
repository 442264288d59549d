from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class JsonParser(Parser):
    """Bodies are JSON. An empty form body — what many HTTP clients send for a bare
    POST such as ``submit`` or ``confirm`` — counts as no fields at all, so an action
    with only optional fields needs no body."""

    def parse_body(self, request: HttpRequest) -> Any:
        if request.content_type in _FORM_TYPES and not request.POST and not request.FILES:
            return {}
        return json.loads(request.body)
