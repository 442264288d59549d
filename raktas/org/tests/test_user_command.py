import pytest
from django.core.management import CommandError, call_command

from raktas.audit.models import AuditEntry
from raktas.org.models import ApiToken, User
from raktas.org.services import token_create


def test_create_grant_team_and_deactivate(db, monkeypatch, capsys):
    monkeypatch.setenv("RAKTAS_NEW_PASSWORD", "Šaltas-ruduo-2026")
    call_command("user", "create", "ona", "--role", "kam", "--team", "Vakarai")
    call_command("user", "head", "Vakarai", "ona")
    call_command("user", "grant", "ona", "head_of_sales")
    ona = User.objects.get(username="ona")
    assert ona.check_password("Šaltas-ruduo-2026")
    assert ona.roles == {"kam", "head_of_sales"}
    assert ona.team is not None and ona.team.head == ona
    token_create(user=ona)
    call_command("user", "deactivate", "ona")
    assert not User.objects.get(username="ona").is_active
    assert not ApiToken.objects.filter(user=ona, revoked_at__isnull=True).exists()
    assert ApiToken.authenticate("rk_anything") is None
    assert AuditEntry.objects.filter(entity="org.user", actor_username="system").count() >= 4
    call_command("user", "list")
    assert "ona" in capsys.readouterr().out


def test_unknown_user_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("user", "grant", "nobody", "kam")
