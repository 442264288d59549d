"""Where a form posts back to: the ``next`` it names, only when it stays on this site."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_or(request: HttpRequest, default: str) -> str:
    """The POSTed ``next`` when it is a URL of this site, else ``default``.

    A form may say where to go after it is handled (the Today page's "Done" button
    comes back to Today), but a crafted ``next`` must not turn the redirect into a way
    off the site (an open redirect): the same check Django's login view makes.
    """
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
