"""The ``raktas`` console script.

Every subcommand is a Django management command (``raktas demo``, ``raktas serve``,
``raktas seed``, ``raktas import``, ``raktas token``, ``raktas migrate`` …), so the
same code runs from ``raktas`` and from ``django-admin``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raktas.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    # The demo runs with a throwaway key and demo data: say so before settings load.
    if args[:1] == ["demo"]:
        os.environ.setdefault("RAKTAS_ENV", "demo")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["raktas", *args])


if __name__ == "__main__":
    main()
