"""raktas demo [--no-serve] [--port 8000] [--host 127.0.0.1]

Sets up and starts the demo: migrates the SQLite database under var/ (the console
script sets RAKTAS_ENV=demo), loads the small seed when the database is empty,
creates or refreshes the demo users and their passwords, collects the static files,
runs whatever waits on the task queue (the first time: every client's credit score and
today's collection run),
prints the logins and serves, with a task worker (``raktas db_worker``) beside the
server so that work enqueued while you click (a payment's score) runs at once.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.tasks import task_backends
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend

from raktas.banking.sample import sample_entries, sample_statement
from raktas.core.schedule import daily_jobs
from raktas.core.tasks import run_queued_tasks
from raktas.seed import people
from raktas.seed.generator import SCALES
from raktas.seed.loader import has_business_data, seed_database, unapplied_migrations


def logins_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-logins.txt"


class Command(BaseCommand):
    help = "Set up the demo (migrate, seed, users, static files), print the logins and serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument(
            "--no-serve", action="store_true", help="set everything up, print logins, and stop"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = self.stdout
        where = (
            connection.settings_dict["NAME"]
            if connection.vendor == "sqlite"
            else f"{connection.vendor} database {connection.settings_dict['NAME']}"
        )
        out.write(f"==> database: {where}")
        pending = unapplied_migrations()
        if pending:
            out.write(f"==> migrating ({len(pending)} migrations to apply) …")
            call_command("migrate", interactive=False, verbosity=0)
        if has_business_data():
            out.write("==> demo data: already loaded (raktas seed --force reloads it)")
        else:
            out.write("==> demo data: loading the small seed (≈300 Lithuanian clients) …")
            report = seed_database(scale=SCALES["small"], seed=2026)
            out.write(
                f"    {report.counts['clients.Client']} clients, "
                f"{report.counts['orders.Order']:,} orders, "
                f"{report.counts['ledger.Invoice']:,} invoices in {report.seconds_total:.1f} s"
            )
            # The seed writes the ledger in bulk, past the payment events: run today's
            # daily work once (collection, holds, scores), so the demo opens with
            # dunning calls, holds and letters to look at (its e-mails go to files
            # under var/mail/).
            for job in daily_jobs():
                job.task.enqueue(*([None] if job.takes_date else []))
        users = people.ensure_people()
        people.ensure_delegation(users)
        path = logins_file()
        passwords = people.set_demo_passwords(users, path)
        call_command("collectstatic", interactive=False, verbosity=0)
        ran = run_queued_tasks()
        if ran:
            out.write(f"==> background tasks: ran the {ran} waiting on the queue")
        # A bank statement to try the import with (Finance → Bank payments), made from
        # what is open now, so it matches again on every start.
        statement = Path(settings.DATA_DIR) / "demo-camt053.xml"
        statement.write_bytes(sample_statement(sample_entries(), day=timezone.localdate()))
        out.write(f"==> a camt.053 bank statement to import as finance1: {statement}")
        mailer: dict[str, Any] = settings.MAILERS["default"]
        mail = (mailer.get("OPTIONS") or {}).get("file_path")
        if mail:
            out.write(f"==> e-mail (dunning reminders) is written to files in {mail}")
        url = f"http://{options['host']}:{options['port']}/"
        out.write("")
        out.write(self.style.SUCCESS("Raktas demo — sign in as any of these:"))
        out.write(f"  {'username':<10} {'role':<24} password")
        for person in people.PEOPLE:
            out.write(f"  {person.username:<10} {person.title:<24} {passwords[person.username]}")
        out.write("")
        out.write(f"  (kept in {path}, readable only by you; the same on every run)")
        out.write(f"  Open {url}   API docs: {url}api/v1/docs")
        out.write("")
        if options["no_serve"]:
            return
        serve_args = ["--host", options["host"], "--port", str(options["port"])]
        if options["workers"]:
            serve_args += ["--workers", str(options["workers"])]
        worker = None
        if isinstance(task_backends["default"], DatabaseBackend):
            # A worker process beside the server; it inherits RAKTAS_ENV and
            # DATABASE_URL, and stops with the demo (Ctrl-C reaches both).
            worker = subprocess.Popen(
                [sys.executable, "-m", "raktas.cli", "db_worker", "--no-reload", "-v", "0"]
            )
            out.write(f"==> task worker: raktas db_worker (pid {worker.pid})")
        try:
            call_command("serve", *serve_args)
        finally:
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
