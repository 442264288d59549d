"""raktas serve [--host 127.0.0.1] [--port 8000] [--workers N] [--threads N]"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from raktas.seed.loader import unapplied_migrations
from raktas.seed.server import RaktasServer, default_workers, server_options


class Command(BaseCommand):
    help = (
        "Serve Raktas with gunicorn (a production server, not Django's development "
        "server); static files by WhiteNoise."
    )
    requires_system_checks = "__all__"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="worker processes (default: $WEB_CONCURRENCY, else 2 × cores + 1, max 9)",
        )
        parser.add_argument("--threads", type=int, default=2, help="threads per worker")
        parser.add_argument(
            "--collectstatic",
            action="store_true",
            help="collect static files first even if they were collected before",
        )
        parser.add_argument("--no-access-log", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if options["collectstatic"] or not manifest.exists():
            # The manifest storage needs collected files to render a page at all.
            call_command("collectstatic", interactive=False, verbosity=0)
        pending = unapplied_migrations()
        if pending:
            self.stderr.write(
                self.style.WARNING(
                    f"{len(pending)} migration(s) not applied (e.g. {pending[0]}): "
                    "run `raktas migrate`."
                )
            )
        workers = options["workers"] or default_workers()
        threads = max(1, options["threads"])
        host, port = options["host"], options["port"]
        self.stdout.write(
            f"Raktas on http://{host}:{port}/ ({workers} workers × {threads} threads; Ctrl-C stops)"
        )
        self.stdout.flush()
        # The workers are forked from this process: no connection may cross the fork.
        connections.close_all()
        sys.argv = [sys.argv[0]]  # gunicorn must not parse raktas's arguments
        RaktasServer(
            server_options(
                host=host,
                port=port,
                workers=workers,
                threads=threads,
                access_log=not options["no_access_log"],
            )
        ).run()
