"""The client's address: REMOTE_ADDR unless a trusted proxy header is configured."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory, override_settings

from raktas.core.net import client_ip


def request(remote: str = "10.0.0.9", **headers: str):
    meta: dict[str, Any] = {"REMOTE_ADDR": remote, **headers}
    return RequestFactory().get("/", **meta)


def test_without_a_configured_header_the_forwarded_header_is_ignored() -> None:
    assert client_ip(request(HTTP_X_FORWARDED_FOR="203.0.113.1")) == "10.0.0.9"


@pytest.mark.parametrize(
    ("header", "count", "expected"),
    [
        ("203.0.113.1", 1, "203.0.113.1"),
        ("1.1.1.1, 203.0.113.1", 1, "203.0.113.1"),  # the client forged the first entry
        ("1.1.1.1, 203.0.113.1, 10.0.0.5", 2, "203.0.113.1"),  # two proxies
        ("203.0.113.1", 2, "10.0.0.9"),  # shorter than the proxies: not believed
        ("", 1, "10.0.0.9"),
        ("not-an-address", 1, "10.0.0.9"),
        ("<script>", 1, "10.0.0.9"),
        ("203.0.113.1:5678", 1, "203.0.113.1"),
        ("[2001:db8::1]:443", 1, "2001:db8::1"),
        ("2001:db8::1", 1, "2001:db8::1"),
    ],
)
def test_a_trusted_proxy_header_names_the_client(header: str, count: int, expected: str) -> None:
    with override_settings(TRUSTED_PROXY_HEADER="X-Forwarded-For", TRUSTED_PROXY_COUNT=count):
        assert client_ip(request(HTTP_X_FORWARDED_FOR=header)) == expected


def test_a_single_address_header_works_too() -> None:
    with override_settings(TRUSTED_PROXY_HEADER="X-Real-IP"):
        assert client_ip(request(HTTP_X_REAL_IP="203.0.113.7")) == "203.0.113.7"
        assert client_ip(request()) == "10.0.0.9"
