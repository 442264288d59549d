"""``raktas import KIND FILE --as USERNAME``."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from raktas.clients.models import Client
from raktas.imports.models import ImportRun
from raktas.imports.tests.helpers import write_csv

HEADER = ["external_id", "legal_name", "price_column"]


def call(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_the_command_imports_as_the_named_user_and_says_what_it_did(world, tmp_path):
    path = write_csv(tmp_path / "c.csv", HEADER, [["C-1", "UAB „Ąžuolas“", "WHOLESALE"]])
    out, err = call("clients", str(path), "--as", "kam_a")
    assert "Imported. 1 rows read: 1 created" in out
    assert err == ""
    assert Client.objects.get(external_id="C-1").owner == world.kam_a
    assert ImportRun.objects.get().user == world.kam_a


@pytest.mark.django_db
def test_bad_rows_are_printed_and_the_command_fails(world, tmp_path):
    path = write_csv(
        tmp_path / "c.csv", HEADER, [["C-1", "", "WHOLESALE"], ["C-2", "B", "WHOLESALE"]]
    )
    with pytest.raises(CommandError, match="Nothing imported: 1 row bad"):
        call("clients", str(path), "--as", "kam_a")
    assert not Client.objects.filter(external_id__startswith="C-").exists()
    out, err = call("clients", str(path), "--as", "kam_a", "--skip-bad")
    assert "row 2, column legal_name: required to create a new record" in err
    assert "bad rows skipped" in out
    assert Client.objects.filter(external_id__startswith="C-").count() == 1


@pytest.mark.django_db
def test_dry_run_writes_nothing(world, tmp_path):
    path = write_csv(tmp_path / "c.csv", HEADER, [["C-1", "A", "WHOLESALE"]])
    out, _ = call("clients", str(path), "--as", "kam_a", "--dry-run")
    assert "Dry run, nothing written" in out
    assert not Client.objects.filter(external_id="C-1").exists()


@pytest.mark.django_db
def test_as_is_required_and_must_name_an_active_user(world, tmp_path):
    path = write_csv(tmp_path / "c.csv", HEADER, [["C-1", "A", "WHOLESALE"]])
    with pytest.raises(CommandError, match="--as"):
        call("clients", str(path))
    with pytest.raises(CommandError, match="no active user 'ghost'"):
        call("clients", str(path), "--as", "ghost")


@pytest.mark.django_db
def test_only_a_few_errors_are_kept_and_the_rest_counted(world, tmp_path):
    rows = [[f"C-{i}", "", "WHOLESALE"] for i in range(10)]
    path = write_csv(tmp_path / "c.csv", HEADER, rows)
    with pytest.raises(CommandError):
        call("clients", str(path), "--as", "kam_a", "--max-errors", "3")
    run = ImportRun.objects.get()
    assert (run.status, run.bad_rows, len(run.errors)) == ("rolled_back", 10, 3)


@pytest.mark.django_db
def test_a_file_in_another_encoding_fails_whole_and_is_recorded(world, tmp_path):
    path = tmp_path / "c.csv"
    rows = "".join(f"C-{i},Klientas {i},WHOLESALE\n" for i in range(5000))
    path.write_bytes(
        ("external_id,legal_name,price_column\n" + rows + "C-x,Šiauliai,WHOLESALE\n").encode(
            "cp1257"
        )
    )
    with pytest.raises(CommandError, match="not UTF-8"):
        call("clients", str(path), "--as", "kam_a", "--batch-size", "100")
    assert not Client.objects.filter(external_id__startswith="C-").exists()
    assert ImportRun.objects.get().status == "failed"
