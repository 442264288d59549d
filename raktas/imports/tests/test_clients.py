"""Clients and contacts: idempotent upserts, all-or-nothing, rights, scoping, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from raktas.audit.models import AuditEntry
from raktas.clients.models import Client, Contact
from raktas.imports.models import ImportRun
from raktas.imports.tests.helpers import errors_of, run, write_csv, write_xlsx

HEADER = [
    "external_id",
    "legal_name",
    "registration_code",
    "status",
    "tier",
    "price_column",
    "city",
]
LT = "UAB „Ąžuolų Čiūžė“ – ąčęėįšųūž ĄČĘĖĮŠŲŪŽ"
RU = "ООО «Ромашка» — Ёлки-палки"


def rows(n: int = 3):
    return [
        [f"C-{i}", f"UAB „Klientas {i}“", f"40000{i:04d}", "active", "key", "WHOLESALE", "Kaunas"]
        for i in range(1, n + 1)
    ]


@pytest.mark.django_db
def test_importing_the_same_file_twice_updates_and_never_duplicates(world, tmp_path):
    path = write_csv(tmp_path / "clients.csv", HEADER, rows())
    first = run(world.kam_a, "clients", path)
    assert (first.status, first.created, first.updated) == ("committed", 3, 0)
    again = run(world.kam_a, "clients", path)
    assert (again.status, again.created, again.updated, again.unchanged) == ("committed", 0, 0, 3)
    assert Client.objects.filter(external_id__startswith="C-").count() == 3
    changed = rows()
    changed[1][6] = "Klaipėda"
    third = run(world.kam_a, "clients", write_csv(tmp_path / "c2.csv", HEADER, changed))
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    assert Client.objects.get(external_id="C-2").city == "Klaipėda"
    assert Client.objects.get(external_id="C-2").owner == world.kam_a


@pytest.mark.django_db
def test_updates_are_audited_row_by_row_and_creations_once_per_run(world, tmp_path):
    path = write_csv(tmp_path / "clients.csv", HEADER, rows())
    report = run(world.kam_a, "clients", path)
    run_entry = AuditEntry.objects.get(entity="imports.importrun", entity_id=str(report.run_id))
    assert run_entry.actor_username == "kam_a"
    assert run_entry.after is not None
    assert run_entry.after["created"] == 3
    assert run_entry.after["sha256"] == report.sha256
    assert not AuditEntry.objects.filter(entity="clients.client").exists()

    changed = rows()
    changed[0][6] = "Šiauliai"
    run(world.kam_a, "clients", write_csv(tmp_path / "c2.csv", HEADER, changed))
    entry = AuditEntry.objects.get(entity="clients.client")
    assert entry.entity_id == str(Client.objects.get(external_id="C-1").pk)
    assert entry.before == {"city": "Kaunas"}
    assert entry.after == {"city": "Šiauliai"}


@pytest.mark.django_db
def test_one_bad_row_imports_nothing_and_names_row_column_and_reason(world, tmp_path):
    data = rows(4)
    data[2][3] = "sleeping"  # row 4 in the file (header is row 1)
    report = run(world.kam_a, "clients", write_csv(tmp_path / "c.csv", HEADER, data))
    assert report.status == "rolled_back"
    assert errors_of(report) == [
        (4, "status", "'sleeping' is not one of: prospect, active, lapsed, blocked")
    ]
    assert not Client.objects.filter(external_id__startswith="C-").exists()
    assert ImportRun.objects.get(pk=report.run_id).status == "rolled_back"
    assert not AuditEntry.objects.filter(entity="imports.importrun").exists()


@pytest.mark.django_db
def test_skip_bad_imports_the_good_rows_and_lists_the_bad(world, tmp_path):
    data = rows(4)
    data[0][5] = "NO-SUCH-COLUMN"
    data[3][1] = ""
    report = run(world.kam_a, "clients", write_csv(tmp_path / "c.csv", HEADER, data), skip_bad=True)
    assert report.status == "committed"
    assert errors_of(report) == [
        (2, "price_column", "unknown price-list column"),
        (5, "legal_name", "required to create a new record"),
    ]
    assert set(
        Client.objects.filter(external_id__startswith="C-").values_list("external_id", flat=True)
    ) == {"C-2", "C-3"}


@pytest.mark.django_db
def test_dry_run_checks_everything_and_writes_nothing(world, tmp_path):
    report = run(
        world.kam_a, "clients", write_csv(tmp_path / "c.csv", HEADER, rows()), dry_run=True
    )
    assert (report.status, report.created) == ("dry_run", 3)
    assert not Client.objects.filter(external_id__startswith="C-").exists()


@pytest.mark.django_db
def test_an_unknown_column_refuses_the_file(world, tmp_path):
    report = run(
        world.kam_a,
        "clients",
        write_csv(tmp_path / "c.csv", [*HEADER, "colour"], [[*rows(1)[0], "red"]]),
    )
    assert report.status == "failed"
    assert "unknown column 'colour'" in report.message
    assert not Client.objects.filter(external_id="C-1").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_lithuanian_and_cyrillic_text_survives(world, tmp_path, fmt):
    data = [
        ["C-LT", LT, "", "", "", "WHOLESALE", "Šėta"],
        ["C-RU", RU, "", "", "", "WHOLESALE", "Москва"],
    ]
    writer = write_csv if fmt == "csv" else write_xlsx
    path = writer(tmp_path / f"c.{fmt}", HEADER, data)
    report = run(world.kam_a, "clients", path)
    assert report.status == "committed", report.errors
    assert Client.objects.get(external_id="C-LT").legal_name == LT
    assert Client.objects.get(external_id="C-LT").city == "Šėta"
    assert Client.objects.get(external_id="C-RU").legal_name == RU
    assert Client.objects.get(external_id="C-RU").city == "Москва"


@pytest.mark.django_db
def test_a_kam_may_not_overwrite_a_client_outside_their_book(world, tmp_path):
    world.client_b.external_id = "B-1"
    world.client_b.save()
    data = [["B-1", "Hijacked", "", "", "", "WHOLESALE", ""]]
    report = run(world.kam_a, "clients", write_csv(tmp_path / "c.csv", HEADER, data))
    assert report.status == "rolled_back"
    assert errors_of(report) == [
        (2, "external_id", "already in use by a record you may not change")
    ]
    world.client_b.refresh_from_db()
    assert world.client_b.legal_name == "UAB „Beržas“"


@pytest.mark.django_db
def test_credit_limits_need_the_credit_right_but_an_unchanged_one_does_not(world, tmp_path):
    world.client_a.external_id = "A-1"
    world.client_a.save()
    header = ["external_id", "credit_limit"]
    same = run(
        world.kam_a, "clients", write_csv(tmp_path / "same.csv", header, [["A-1", "10000,00"]])
    )
    assert (same.status, same.unchanged) == ("committed", 1)
    raised = run(world.kam_a, "clients", write_csv(tmp_path / "up.csv", header, [["A-1", "99999"]]))
    assert errors_of(raised) == [(2, "credit_limit", "Your role may not do this (client.credit).")]
    by_finance = run(
        world.finance, "clients", write_csv(tmp_path / "f.csv", header, [["A-1", "99999"]])
    )
    assert by_finance.status == "committed"
    world.client_a.refresh_from_db()
    assert world.client_a.credit_limit == Decimal("99999.00")
    entry = AuditEntry.objects.get(entity="clients.client", entity_id=str(world.client_a.pk))
    assert (entry.actor_username, entry.before, entry.after) == (
        "finance",
        {"credit_limit": "10000.00"},
        {"credit_limit": "99999.00"},
    )


@pytest.mark.django_db
def test_finance_cannot_create_clients(world, tmp_path):
    report = run(world.finance, "clients", write_csv(tmp_path / "c.csv", HEADER, rows(1)))
    assert errors_of(report) == [(2, "external_id", "your role may not create clients")]


@pytest.mark.django_db
def test_the_order_desk_may_not_import_clients_at_all(world, tmp_path):
    report = run(world.desk, "clients", write_csv(tmp_path / "c.csv", HEADER, rows(1)))
    assert (report.status, report.message) == ("failed", "Your role may not import clients.")


@pytest.mark.django_db
def test_a_kam_gives_clients_only_to_themself_a_head_to_the_team(world, tmp_path):
    header = [*HEADER, "owner"]
    data = [[*rows(1)[0], "kam_b"]]
    by_kam = run(world.kam_a, "clients", write_csv(tmp_path / "a.csv", header, data))
    assert errors_of(by_kam) == [(2, "owner", "you may not give clients to this person")]
    team = [[*rows(1)[0], "kam_a"]]
    by_head = run(world.head, "clients", write_csv(tmp_path / "b.csv", header, team))
    assert by_head.status == "committed"
    assert Client.objects.get(external_id="C-1").owner == world.kam_a
    not_a_kam = run(
        world.director, "clients", write_csv(tmp_path / "c.csv", header, [[*rows(2)[1], "desk"]])
    )
    assert errors_of(not_a_kam) == [(2, "owner", "desk is not a key account manager")]


@pytest.mark.django_db
def test_a_registration_code_may_belong_to_one_client_only(world, tmp_path):
    data = rows(3)
    data[1][2] = data[0][2]
    data[2][2] = world.client_b.registration_code  # a client with no external id
    report = run(world.kam_a, "clients", write_csv(tmp_path / "c.csv", HEADER, data))
    assert errors_of(report) == [
        (3, "registration_code", "already belongs to another client"),
        (4, "registration_code", "already belongs to another client"),
    ]


@pytest.mark.django_db
def test_a_later_row_with_the_same_external_id_wins(world, tmp_path):
    data = rows(1) + rows(1)
    data[1][6] = "Alytus"
    report = run(world.kam_a, "clients", write_csv(tmp_path / "c.csv", HEADER, data))
    assert (report.status, report.created) == ("committed", 1)
    assert Client.objects.get(external_id="C-1").city == "Alytus"


CONTACT_HEADER = ["external_id", "client", "name", "position", "buying_role", "email"]


@pytest.mark.django_db
def test_contacts_attach_to_clients_by_external_id_and_update_on_reimport(world, tmp_path):
    world.client_a.external_id = "A-1"
    world.client_a.save()
    data = [["P-1", "A-1", "Žydrūnė Ąžuolienė", "Pirkimų vadovė", "Decision maker", "z@example.lt"]]
    path = write_csv(tmp_path / "p.csv", CONTACT_HEADER, data)
    assert run(world.kam_a, "contacts", path).created == 1
    # The bulk write keeps the folded search column that the contacts ``q`` reads.
    assert Contact.objects.filter(search_text__contains="azuoliene").exists()
    data[0][3] = "Direktorė"
    again = run(world.kam_a, "contacts", write_csv(tmp_path / "p2.csv", CONTACT_HEADER, data))
    assert (again.created, again.updated) == (0, 1)
    contact = Contact.objects.get(external_id="P-1")
    assert (contact.client, contact.position, contact.buying_role) == (
        world.client_a,
        "Direktorė",
        "decision_maker",
    )
    assert "direktore" in contact.search_text and "vadove" not in contact.search_text
    assert AuditEntry.objects.get(entity="clients.contact").after == {"position": "Direktorė"}


@pytest.mark.django_db
def test_a_contact_for_a_client_the_user_cannot_see_reports_unknown_client(world, tmp_path):
    world.client_b.external_id = "B-1"
    world.client_b.save()
    data = [["P-1", "B-1", "Jonas", "", "", ""], ["P-2", "NOPE", "Petras", "", "", ""]]
    report = run(world.kam_a, "contacts", write_csv(tmp_path / "p.csv", CONTACT_HEADER, data))
    # The same words for a client that exists elsewhere and one that does not exist.
    assert errors_of(report) == [(2, "client", "unknown client"), (3, "client", "unknown client")]
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_a_deputy_imports_contacts_for_the_clients_delegated_to_them(world, tmp_path):
    world.client_a.external_id = "A-1"
    world.client_a.save()
    data = [["P-1", "A-1", "Jonas", "", "", "bad-email"], ["P-2", "A-1", "Ona", "", "", ""]]
    report = run(
        world.deputy, "contacts", write_csv(tmp_path / "p.csv", CONTACT_HEADER, data), skip_bad=True
    )
    assert errors_of(report) == [(2, "email", "'bad-email' is not an e-mail address")]
    assert list(Contact.objects.values_list("name", flat=True)) == ["Ona"]
