import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from raktas.core import env


def _import_settings(
    code: str = "print(s.DEBUG, s.RAKTAS_ENV)", **overrides: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "RAKTAS_ENV", "DEBUG", "EMAIL_BACKEND", "EMAIL_FILE_PATH"}
    }
    environ.update(overrides)
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", "import raktas.settings as s; " + code],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_without_secret_key_refuses_to_start():
    result = _import_settings(RAKTAS_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_demo_mode_starts_without_secret_key_and_debug_is_off_by_default():
    result = _import_settings(RAKTAS_ENV="demo")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "demo"]


MAILER = "m = s.MAILERS['default']; print(m['BACKEND'].rsplit('.', 2)[1], m['OPTIONS'])"


def test_the_demo_writes_mail_to_files_and_production_prints_it(tmp_path):
    demo = _import_settings(MAILER, RAKTAS_ENV="demo", RAKTAS_DATA_DIR=str(tmp_path))
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.strip() == f"filebased {{'file_path': '{tmp_path / 'mail'}'}}"
    prod = _import_settings(MAILER, RAKTAS_ENV="production", SECRET_KEY="x" * 50)
    assert prod.returncode == 0, prod.stderr
    assert prod.stdout.strip() == "console {}"


def test_a_bad_boolean_fails_loudly():
    result = _import_settings(RAKTAS_ENV="demo", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_env_helpers_parse_and_refuse(monkeypatch):
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_BAD", "twelve")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    monkeypatch.setenv("X_CHOICE", "blue")
    assert env.env_int("X_INT", 1) == 12
    assert env.env_list("X_LIST") == ["a", "b", "c"]
    with pytest.raises(ImproperlyConfigured, match="X_BAD must be an integer"):
        env.env_int("X_BAD", 1)
    with pytest.raises(ImproperlyConfigured, match="at least 20"):
        env.env_int("X_INT", 1, minimum=20)
    with pytest.raises(ImproperlyConfigured, match="X_CHOICE must be one of"):
        env.env_choice("X_CHOICE", ("red", "green"), "red")


@pytest.mark.django_db
def test_sqlite_runs_in_wal_with_full_sync_and_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite PRAGMAs: this run is on " + connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 1000
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
    assert connection.transaction_mode == "IMMEDIATE"  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_immediate_transactions_take_the_write_lock_at_begin(tmp_path):
    """A second connection cannot write while the first holds an open atomic block."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite locking: this run is on " + connection.vendor)
    import sqlite3

    from django.db import transaction

    with transaction.atomic():
        other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0.05)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_every_setting_is_read_by_a_typed_helper_and_listed_in_the_readme() -> None:
    """Each environment variable settings.py reads goes through ``raktas.core.env`` and
    has a row in the README's settings table; no module reads a setting with a
    ``getattr`` default that would hide a missing one."""
    root = Path(__file__).resolve().parents[3]
    source = (root / "raktas" / "settings.py").read_text()
    names = set(re.findall(r'env_[a-z]+\(\s*"([A-Z0-9_]+)"', source))
    assert len(names) > 30
    assert "os.environ" not in source.replace("raktas.core.env", "")
    readme = (root / "README.md").read_text()
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert not missing, f"settings not in the README's table: {missing}"
    hidden = [
        f"{path.relative_to(root)}:{number}"
        for path in (root / "raktas").rglob("*.py")
        if "tests" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "getattr(settings," in line
    ]
    assert not hidden, f"settings read with a getattr default: {hidden}"
