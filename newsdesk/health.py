"""/healthz: every part newsdesk runs on, as JSON, for a monitor or a load balancer.

200 when every part answers; 503 naming each part that is down. Parts: the database, the
broker (Redis), the search index (its generation's age, documents against published articles,
articles waiting for their index copy), beat (when its heartbeat last ran) and the length of
each Celery queue. Each check has a short timeout of its own, so a dead part makes the answer
say so rather than hang.
"""

import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

HEARTBEAT_KEY = "newsdesk:beat-heartbeat"
BEAT_LATE_AFTER = 180  # seconds: beat sends the heartbeat every minute


@shared_task
def heartbeat() -> float:
    """Beat, every minute, through a worker: the time /healthz reports as beat's last run."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


def _database() -> dict:
    from articles.models import Article

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "vendor": connection.vendor, "published_articles": Article.objects.published().count()}


def _index(published: int | None) -> dict:
    from articles.models import Article
    from search.backend import get_backend

    backend = get_backend()
    if not backend.exists():
        return {"status": "down", "error": "no search index (run manage.py rebuild_index)"}
    report = {"status": "ok", "backend": backend.name, **backend.status()}  # IndexUnavailable when unreadable
    if published is not None:
        report["published_articles"] = published
        report["waiting_for_index"] = Article.objects.published().index_stale().count()
    return report


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def _broker() -> dict:
    client = _redis()
    client.ping()
    queues = {queue.name: client.llen(queue.name) for queue in settings.CELERY_TASK_QUEUES}
    return {"status": "ok", "queues": queues}


def _beat() -> dict:
    last = cache.get(HEARTBEAT_KEY)
    if last is None:
        return {"status": "down", "error": "no heartbeat from beat recorded"}
    age = round(time.time() - last)
    status = "ok" if age <= BEAT_LATE_AFTER else "down"
    report = {"status": status, "last_run_seconds_ago": age}
    if status != "ok":
        report["error"] = f"beat's heartbeat is {age} s old"
    return report


def _check(function, *args) -> dict:
    try:
        return function(*args)
    except Exception as exc:  # whatever a dead part raises, the answer names it
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}".strip()[:300]}


def healthz(request):
    checks = {"database": _check(_database)}
    published = checks["database"].get("published_articles")
    checks["index"] = _check(_index, published)
    if settings.REDIS_URL:
        checks["broker"] = _check(_broker)
        checks["beat"] = _check(_beat)
    else:
        checks["broker"] = {"status": "ok", "mode": "eager: tasks run in the web process (no REDIS_URL)"}
    down = sorted(name for name, check in checks.items() if check["status"] != "ok")
    body = {"status": "ok" if not down else "down", "down": down, "checks": checks}
    return JsonResponse(body, status=503 if down else 200)
