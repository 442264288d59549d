"""The Raktas JSON API (django-ninja), mounted at /api/v1/.

Each app owns its router (``raktas/<app>/api.py``): parse the input, fetch through a
scoped selector, call a service, shape the output. Authentication, the error shape
and pagination are decided here and in the modules beside this one.
"""

from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps
from ninja import NinjaAPI, Router

from raktas.api import audit, errors, me
from raktas.api.auth import BearerToken, SessionAuth
from raktas.api.docs import OfflineSwagger
from raktas.api.parser import JsonParser

DESCRIPTION = """
The Raktas API. Authenticate with a personal token (`raktas token create USERNAME`)
sent as `Authorization: Bearer TOKEN`, or with the browser session (unsafe methods
then need the CSRF token in `X-CSRFToken`).

Every error has one shape: `{"error": {"code": "...", "message": "...", "field": ...}}`.
Lists take `limit` and `offset` and answer `{"items", "count", "limit", "offset"}`.
Money is a decimal string ("141.57"); dates are ISO 8601. Cost and margin fields are
present only for users who may see them.
"""

api = NinjaAPI(
    title="Raktas API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[BearerToken(), SessionAuth()],
    docs=OfflineSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=JsonParser(),
)
errors.install(api)
# The API's own endpoints: about the caller, and the audit trail (whose app sits below
# the users and access rules that decide who reads it).
api.add_router("", me.router)
api.add_router("", audit.router)


def _mount() -> None:
    """Mount the router of every Raktas app that has one (``raktas/<app>/api.py``
    defining ``router``), in INSTALLED_APPS order. A new app's endpoints appear by
    writing its api.py — no list here to keep in step. The OpenAPI tag is the
    router's own ``tags`` if it set any, else the app's label."""
    for config in apps.get_app_configs():
        if not config.name.startswith("raktas.") or config.name == "raktas.api":
            continue
        module_name = f"{config.name}.api"
        if importlib.util.find_spec(module_name) is None:
            continue
        router = getattr(importlib.import_module(module_name), "router", None)
        if isinstance(router, Router):
            api.add_router("", router, tags=router.tags or [config.label])


_mount()
