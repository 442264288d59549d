"""``raktas token create / revoke / list``."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from raktas.audit.models import AuditEntry
from raktas.org.models import ApiToken
from raktas.testing.api import ApiClient

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_token_once_and_stores_only_its_digest(world):
    out, err = run("create", "kam_a", "--name", "laptop")
    raw = out.strip()
    assert raw.startswith("rk_") and len(raw) > 40
    assert "\n" not in raw  # stdout is the token alone, for scripts
    assert "shown only this once" in err
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.key_prefix) == (world.kam_a, "laptop", raw[:10])
    assert raw not in token.digest and token.digest != raw
    assert ApiClient(token=raw).get("me").json()["username"] == "kam_a"
    assert AuditEntry.objects.filter(entity="org.apitoken", action="create").exists()
    listed, _ = run("list", "kam_a")
    assert raw not in listed


def test_create_for_an_unknown_or_inactive_user_fails(world):
    with pytest.raises(CommandError, match="no user 'nobody'"):
        run("create", "nobody")
    world.kam_b.is_active = False
    world.kam_b.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="deactivated"):
        run("create", "kam_b")
    assert not ApiToken.objects.exists()


def test_revoke_by_prefix_stops_the_token(world):
    raw = run("create", "kam_a")[0].strip()
    out, _ = run("revoke", raw[:10])
    assert "revoked" in out and "kam_a" in out
    assert ApiClient(token=raw).get("me").status_code == 401
    assert ApiToken.objects.get().revoked_at is not None
    assert AuditEntry.objects.filter(entity="org.apitoken", action="revoke").exists()
    with pytest.raises(CommandError, match="no active token"):
        run("revoke", raw[:10])


def test_revoke_accepts_the_whole_token(world):
    raw = run("create", "kam_a")[0].strip()
    run("revoke", raw)
    assert ApiClient(token=raw).get("me").status_code == 401


def test_revoke_refuses_an_ambiguous_or_too_short_prefix(world):
    run("create", "kam_a")
    run("create", "kam_b")
    # Prefixes are random; make two share their first characters.
    for token in ApiToken.objects.all():
        ApiToken.objects.filter(pk=token.pk).update(key_prefix="rk_AAAA" + token.key_prefix[7:])
    with pytest.raises(CommandError, match="matches 2 tokens"):
        run("revoke", "rk_AAAA")
    with pytest.raises(CommandError, match="at least 4"):
        run("revoke", "rk")
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 2


def test_list_shows_prefixes_names_and_state(world):
    first = run("create", "kam_a", "--name", "laptop")[0].strip()
    second = run("create", "kam_a", "--name", "phone")[0].strip()
    run("revoke", first[:10])
    out, _ = run("list", "kam_a")
    lines = out.splitlines()
    assert lines[0].split() == ["PREFIX", "NAME", "CREATED", "LAST", "USED", "STATE"]
    assert second[:10] in lines[1] and "phone" in lines[1] and lines[1].endswith("active")
    assert first[:10] in lines[2] and "laptop" in lines[2] and "revoked" in lines[2]
    assert run("list", "kam_b")[0].strip() == "kam_b has no API tokens"
