"""HSTS and the proxy's HTTPS header come from the environment (issue 11: "no HSTS
setting even with SECURE_COOKIES=true")."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.test import override_settings

from raktas.core.tests.test_settings import _import_settings

SHOW = "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"


def test_hsts_is_off_by_default_and_set_from_the_environment() -> None:
    default = _import_settings(SHOW, RAKTAS_ENV="dev")
    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == ["0", "False", "None"]
    on = _import_settings(
        SHOW,
        RAKTAS_ENV="dev",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        TRUSTED_PROXY_PROTO_HEADER="X-Forwarded-Proto",
    )
    assert on.returncode == 0, on.stderr
    assert on.stdout.strip() == "31536000 True ('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.parametrize("value", ["-1", "abc", "1e9"])
def test_a_bad_hsts_value_stops_the_start(value: str) -> None:
    result = _import_settings(SHOW, RAKTAS_ENV="dev", SECURE_HSTS_SECONDS=value)
    assert result.returncode != 0 and "SECURE_HSTS_SECONDS must be" in result.stderr


@pytest.mark.django_db
@override_settings(
    SECURE_HSTS_SECONDS=31536000, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_an_https_response_behind_the_proxy_carries_hsts() -> None:
    page = HttpClient().get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    # Over plain HTTP the header means nothing and is not sent.
    assert "Strict-Transport-Security" not in HttpClient().get("/login/").headers
