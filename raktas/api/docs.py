"""The API docs page (Swagger UI) served entirely from this server.

ninja renders its bundled Swagger UI only when ``ninja`` is an installed app and its
files have been collected as static files; otherwise it links a CDN. Raktas must
work with no internet, and should not depend on ``collectstatic`` having picked up a
third party's files, so the page and its assets are served here, straight from the
files that ship inside the ninja package.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.template import Context, Engine
from django.urls import reverse
from django.views.decorators.http import require_GET
from ninja.openapi.docs import Swagger, _csrf_needed

from raktas.api.errors import error_response

if TYPE_CHECKING:
    from ninja import NinjaAPI

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
# Only these files are served; a name is looked up here, never joined onto a path.
ASSETS = {
    name: ASSET_DIR / name
    for name in (
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-init.js",
        "favicon.png",
        "favicon.svg",
    )
}

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{{ title }}</title>
  <link rel="stylesheet" href="{{ assets }}swagger-ui.css">
  <link rel="icon" href="{{ assets }}favicon.svg" type="image/svg+xml">
  <link rel="icon" href="{{ assets }}favicon.png" type="image/png">
</head>
<body data-csrf-token="{{ csrf_token }}" data-api-csrf="{% if add_csrf %}true{% endif %}">
  <script type="application/json" id="swagger-settings">{{ settings_json|safe }}</script>
  <div id="swagger-ui"></div>
  <script src="{{ assets }}swagger-ui-bundle.js"></script>
  <script src="{{ assets }}swagger-ui-init.js"></script>
</body>
</html>
"""
_TEMPLATE = Engine(autoescape=True).from_string(_PAGE)


class OfflineSwagger(Swagger):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        add_csrf = _csrf_needed(api)
        html = _TEMPLATE.render(
            Context(
                {
                    "title": api.title,
                    "assets": reverse("api-docs-asset", args=["x"])[:-1],
                    # The settings go inside a <script>; "</" must not end it early.
                    "settings_json": json.dumps(self.settings).replace("</", "<\\/"),
                    "add_csrf": add_csrf,
                    "csrf_token": get_token(request) if add_csrf else "",
                }
            )
        )
        return HttpResponse(html)


@require_GET
def docs_asset(request: HttpRequest, name: str) -> HttpResponseBase:
    path = ASSETS.get(name)
    if path is None or not path.is_file():
        return error_response(404, "not_found", "Not found.")
    content_type, _ = mimetypes.guess_type(name)
    response = FileResponse(path.open("rb"), content_type=content_type)
    # The files change only with the ninja version, so browsers may keep them a day.
    response["Cache-Control"] = "public, max-age=86400"
    return response
