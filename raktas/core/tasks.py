"""Running the background-task queue in this process (the demo, tests)."""

from __future__ import annotations

from django.tasks import task_backends


def run_queued_tasks(*, backend: str = "default") -> int:
    """Run every task waiting in the database queue in this process, then return how
    many ran (0 when the backend is not the database one: nothing ever waits there).

    The claim-and-run steps of ``raktas db_worker --batch`` (the same ``Worker.run_task``)
    without its process concerns: it neither takes over the signal handlers nor closes
    the database connection between tasks, so it also runs inside a transaction (a
    test). ``raktas demo`` drains the queue with it before it serves."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    if not isinstance(task_backends[backend], DatabaseBackend):
        return 0
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend,
        startup_delay=False,
        max_tasks=None,
        worker_id="raktas-inline",
        excluded_queue_names=[],
    )
    ran = 0
    while True:
        ready = DBTaskResult.objects.ready().filter(backend_name=backend)
        with exclusive_transaction(ready.db):
            claimed = ready.get_locked()
            if claimed is None:
                return ran
            claimed.claim(worker.worker_id)
        worker.run_task(claimed)
        ran += 1
