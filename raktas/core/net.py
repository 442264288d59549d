"""The client's network address, as far as this deployment can know it.

Behind a reverse proxy (nginx, as the README recommends) every request's
``REMOTE_ADDR`` is the proxy's address, so anything keyed on it — sign-in throttling,
the session list, access logs — would treat all users as one. The proxy passes the
real address in a header; that header is trusted only when the deployment names it
(``TRUSTED_PROXY_HEADER``), because without a proxy that rewrites it any client can
send it and pick a fresh address per request.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def _valid(value: str) -> str | None:
    value = value.strip()
    # "[::1]:443" or "1.2.3.4:5678" from proxies that add the port.
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _header_meta_key(header: str) -> str:
    return "HTTP_" + header.strip().upper().replace("-", "_")


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent ``request``.

    With ``TRUSTED_PROXY_HEADER`` unset: ``REMOTE_ADDR``. With it set (e.g.
    ``X-Forwarded-For``): the address ``TRUSTED_PROXY_COUNT`` entries from the right
    of that header, i.e. the one the outermost trusted proxy saw — entries to its left
    were written by the client and prove nothing. A header that is missing, too
    short or not an address falls back to ``REMOTE_ADDR``.
    """
    remote = _valid(str(request.META.get("REMOTE_ADDR") or "")) or UNKNOWN
    header = settings.TRUSTED_PROXY_HEADER
    if not header:
        return remote
    raw = str(request.META.get(_header_meta_key(header)) or "")
    entries = [part for part in raw.split(",") if part.strip()]
    count = settings.TRUSTED_PROXY_COUNT
    if len(entries) < count:
        return remote
    return _valid(entries[-count]) or remote
