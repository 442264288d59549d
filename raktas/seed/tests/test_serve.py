"""raktas serve answers real HTTP requests through gunicorn, static files included."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client as HttpClient

from raktas.seed.server import server_options

RAKTAS = Path(sys.executable).with_name("raktas")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.mark.slow
def test_serve_answers_health_api_and_static_files_then_stops_on_sigterm(tmp_path):
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(RAKTAS_ENV="dev", RAKTAS_DATA_DIR=str(tmp_path))
    log = tmp_path / "serve.log"
    proc = subprocess.Popen(  # noqa: S603 - our own console script
        [str(RAKTAS), "serve", "--port", str(port), "--workers", "1", "--no-access-log"],
        env=env,
        stdout=log.open("w"),  # a file, not a pipe: a full pipe would block the server
        stderr=subprocess.STDOUT,
    )
    try:
        # Generous: on a busy shared machine a cold start (imports, collectstatic,
        # worker boot) can take a minute.
        deadline = time.monotonic() + 240
        while True:
            try:
                status, headers, body = get(port, "/healthz")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start:\n{log.read_text()}")
                time.sleep(0.3)
        assert status == 200
        assert json.loads(body) == {"status": "ok", "database": "ok"}
        assert headers["Server"] == "gunicorn"

        status, _headers, body = get(port, "/api/v1/openapi.json")
        assert status == 200 and json.loads(body)["info"]

        # serve collected the static files; WhiteNoise serves them with long cache headers.
        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
        hashed = next(iter(manifest["paths"].values()))
        status, headers, body = get(port, f"/static/{hashed}")
        assert status == 200 and body
        assert "max-age=" in headers.get("Cache-Control", "")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    output = log.read_text()
    assert proc.returncode == 0, output
    assert "Booting worker" in output


def test_server_options_choose_threads_and_never_a_control_socket():
    options = server_options(host="::1", port=8001, workers=3, threads=1, access_log=False)
    assert options["bind"] == "[::1]:8001"
    assert options["worker_class"] == "sync"
    assert options["control_socket_disable"] is True
    assert (
        server_options(host="127.0.0.1", port=1, workers=1, threads=4, access_log=True)[
            "worker_class"
        ]
        == "gthread"
    )


@pytest.mark.django_db
def test_healthz_reports_ok_without_login():
    response = HttpClient().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(monkeypatch):
    from django.db import DatabaseError
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = HttpClient().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
