"""The project's Celery app (newsdesk.celery.app, unchanged), with every task's start, end,
retry and failure appended as a JSON line to the file named by FAULTS_TASK_LOG.

Fault-test workers run `celery -A tests.faults.observed worker …` instead of `-A newsdesk`: the
same app, tasks, settings and queues, plus a record that tells a test which task ran where, which
retried and why, and which failed. The project's result backend is off (CELERY_TASK_IGNORE_RESULT),
and its log shows retries only at INFO; this needs neither. FAULTS_RESTORE_EVERY (below) is the
one setting it changes, and only where a test asks for it.
"""

import json
import os
import time

from celery import signals

from newsdesk.celery import app

__all__ = ["app"]

NODE = os.environ.get("FAULTS_NODE", "")

if os.environ.get("FAULTS_RESTORE_EVERY"):
    # kombu 5.7 looks for messages whose visibility timeout has passed (a dead worker's) every
    # unacked_restore_interval (10 s) × unacked_restore_throttle (10) seconds: a killed worker's
    # tasks come back up to ~100 s after the timeout. A test with a 20 s timeout looks every
    # few seconds instead, so that what it waits for is the timeout, not the sweep.
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "unacked_restore_interval": int(os.environ["FAULTS_RESTORE_EVERY"]),
        "unacked_restore_throttle": 1,
        # The scan holds a mutex in Redis; a worker killed while it held it (likelier with a scan
        # every few seconds) leaves it locked for unacked_mutex_expire (300 s), and no task
        # comes back until then (seen once: one entry missing after 240 s). 15 s here.
        "unacked_mutex_expire": 15,
    }


def _record(event: str, task, task_id, **fields) -> None:
    path = os.environ.get("FAULTS_TASK_LOG")
    if not path:
        return
    line = {
        "event": event,
        "task": getattr(task, "name", str(task)),
        "id": task_id,
        "node": NODE,
        "pid": os.getpid(),
        "t": time.time(),
    }
    line.update(fields)
    data = (json.dumps(line, default=repr)[:3000] + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)  # one write with O_APPEND: lines of several processes never interleave
    finally:
        os.close(fd)


@signals.task_prerun.connect
def _started(sender=None, task_id=None, task=None, args=None, **kwargs):
    retries = getattr(getattr(task, "request", None), "retries", 0)
    first = args[0] if args else None
    link = args[1].get("link") if args and len(args) > 1 and isinstance(args[1], dict) else None
    _record("start", task, task_id, retries=retries, arg=first, link=link)


@signals.task_postrun.connect
def _ended(sender=None, task_id=None, task=None, retval=None, state=None, **kwargs):
    _record("end", task, task_id, state=state, result=repr(retval)[:300])


@signals.task_retry.connect
def _retried(sender=None, request=None, reason=None, **kwargs):
    cause = getattr(reason, "exc", None) or reason  # autoretry's Retry carries the exception it retries
    _record("retry", sender, getattr(request, "id", None), reason=f"{type(cause).__name__}: {cause}"[:500])


@signals.task_failure.connect
def _failed(sender=None, task_id=None, exception=None, **kwargs):
    _record("failure", sender, task_id, exception=f"{type(exception).__name__}: {exception}"[:500])
