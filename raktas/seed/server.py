"""``raktas serve``: Raktas under gunicorn, through gunicorn's programmatic API.

gunicorn is a pre-fork server: a master process that binds the socket, starts the
workers, restarts any that die or hang, and shuts down gracefully on SIGTERM. Static
files come from WhiteNoise (in MIDDLEWARE), compressed and with far-future cache
headers, so no separate web server is needed for them.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    """WEB_CONCURRENCY if set (the usual convention), else 2 × cores + 1, at most 9."""
    value = os.environ.get("WEB_CONCURRENCY", "").strip()
    if value:
        return max(1, int(value))
    return min(9, 2 * (os.cpu_count() or 1) + 1)


class RaktasServer(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        assert self.cfg is not None
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()


def server_options(
    *, host: str, port: int, workers: int, threads: int, access_log: bool
) -> dict[str, Any]:
    options: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        # Threads let one worker overlap database waits and slow clients; with
        # threads=1 it is gunicorn's plain synchronous worker.
        "worker_class": "gthread" if threads > 1 else "sync",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 20,
        "keepalive": 5,
        # Recycle workers now and then so a slow leak can never grow without bound.
        "max_requests": 5000,
        "max_requests_jitter": 500,
        "proc_name": "raktas",
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        # No runtime control socket: nothing outside this process tree needs one, and
        # several servers on one machine (tests, benchmarks) would fight over the path.
        "control_socket_disable": True,
    }
    shm = "/dev/shm"  # noqa: S108 - gunicorn's own advice; it creates private files there
    if os.path.isdir(shm):
        # Worker heartbeats go to a tmpfs, never blocking on a slow disk.
        options["worker_tmp_dir"] = shm
    return options
