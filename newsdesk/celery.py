import logging
import os
import sys

from celery import Celery
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")

app = Celery("newsdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def send_or_defer(task, *args, countdown: float | None = None) -> bool:
    """Send `task` now (to run in `countdown` seconds, when given); with the broker down, log it
    and return False instead of raising.

    Every caller's work is recorded in the database first (a stale index copy, an article's
    landing stage, a source's next fetch) and a periodic task picks it up, so a lost message
    delays the work and never loses it; raising would turn an editor's saved change or a
    reader's page into a 500 after the transaction had already committed."""
    try:
        if countdown is None:
            task.delay(*args)
        else:
            task.apply_async(args, countdown=countdown)
    except OperationalError as exc:
        logger.warning("broker unavailable, %s left to its periodic run: %s", task.name, exc)
        return False
    return True


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
