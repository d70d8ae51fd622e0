import os
import sys

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")

app = Celery("newsdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def worker_command(*options: str) -> list[str]:
    """The command line of a worker process of this project as the benchmarks and tests start
    one, with `options` (concurrency, pool, name): quiet, and without gossip, mingle or
    heartbeats, which only a cluster of workers needs."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "newsdesk",
        "worker",
        *options,
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
