import io

import pytest
from django.core.management import CommandError, call_command

from raktas.banking.models import BankEntry
from raktas.banking.tests.conftest import FILES


@pytest.mark.django_db
def test_bank_import_command_matches_and_reports(world, books):
    out = io.StringIO()
    call_command("bank-import", str(FILES / "camt053_v08.xml"), "--as", "finance", stdout=out)
    text = out.getvalue()
    assert "4 matched, 1 waiting for finance, 0 already imported, 1 skipped" in text
    assert "(reference)" in text and "waiting" in text
    again = io.StringIO()
    call_command("bank-import", str(FILES / "camt053_v08.xml"), "--as", "finance", stdout=again)
    assert "5 already imported" in again.getvalue()
    assert BankEntry.objects.count() == 5


@pytest.mark.django_db
def test_bank_import_command_refuses_bad_files_and_users(world, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<Document/>")
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("bank-import", str(bad), "--as", "finance")
    with pytest.raises(CommandError, match="no active user"):
        call_command("bank-import", str(bad), "--as", "nobody")
    with pytest.raises(CommandError, match="nothing imported: Your role"):
        call_command("bank-import", str(FILES / "camt053_v08.xml"), "--as", "kam_a")
