"""A part that fails costs readers only what needs it: a dead cache costs nothing, a missing
index costs search, a dead database is a Dutch 503 page."""

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache

from newsdesk.cache import ForgivingRedisCache
from search import indexing
from tests.factories import ArticleFactory, ClubFactory
from tests.services import free_port, http_get

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DEAD_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


def dead_cache():
    return ForgivingRedisCache(DEAD_REDIS, {})


def test_a_dead_redis_cache_answers_as_a_miss_and_warns_once(caplog):
    dead = dead_cache()
    with caplog.at_level(logging.WARNING, logger="newsdesk.cache"):
        assert dead.get("k", "default") == "default"
        dead.set("k", 1)
        assert dead.add("k", 1) is True  # nobody else can have added it
        assert dead.get_many(["a", "b"]) == {}
        with pytest.raises(ValueError):
            dead.incr("k")
    assert dead.is_down
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "cache unavailable" in caplog.records[0].message


def test_a_live_redis_cache_is_used(redis_url):
    live = ForgivingRedisCache(redis_url, {"KEY_PREFIX": f"test-{time.time_ns()}"})
    live.set("k", 41, 30)
    assert live.incr("k") == 42
    assert live.get("k") == 42 and not live.is_down
    live.delete("k")


def test_every_page_renders_with_redis_down(client, settings):
    club = ClubFactory(slug="krc-genk", name="KRC Genk")
    article = ArticleFactory(title="KRC Genk wint", body="KRC Genk wint van Westerlo met 2-0.")
    indexing.index_pending()
    settings.CACHES = {"default": {"BACKEND": "newsdesk.cache.ForgivingRedisCache", "LOCATION": DEAD_REDIS}}
    for url in ["/", "/clubs/", club.get_absolute_url(), article.get_absolute_url(), "/search/?q=genk"]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert cache.get("anything") is None


def test_search_without_index_is_a_dutch_503_and_other_pages_work(client):
    article = ArticleFactory(title="Westerlo verliest")
    response = client.get("/search/?q=westerlo")
    assert response.status_code == 503
    assert "Zoeken is tijdelijk niet beschikbaar" in response.content.decode()
    assert 'class="site-header"' in response.content.decode()
    api = client.get("/api/search/?q=westerlo")
    assert api.status_code == 503 and "niet beschikbaar" in api.json()["error"]
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get("/").status_code == 200


def test_an_unreadable_index_is_a_503_too(client, settings):
    ArticleFactory(title="Westerlo verliest")
    indexing.index_pending()
    live = Path(settings.NEWSDESK_INDEX_DIR) / "current"
    for toc in live.resolve().glob("_MAIN_*.toc"):
        toc.write_bytes(b"not a table of contents")
    response = client.get("/search/?q=westerlo")
    assert response.status_code == 503


def test_unknown_address_is_a_dutch_404_with_the_site_header(client):
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Deze pagina bestaat niet" in body and 'class="site-header"' in body


@pytest.mark.once
def test_a_dead_database_is_a_dutch_503_page(tmp_path):
    """A real server process whose database does not answer (PostgreSQL URL, closed port)."""
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "newsdesk.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/gone",
        "NEWSDESK_INDEX_DIR": str(tmp_path / "index"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsdesk.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        response = None
        deadline = time.monotonic() + 30
        while response is None and time.monotonic() < deadline:
            try:
                response = http_get(f"http://127.0.0.1:{port}/")
            except OSError:
                time.sleep(0.2)
        assert response is not None, "the server did not start"
        status, headers, body = response
        assert status == 503
        assert "Tijdelijk niet beschikbaar" in body
        assert headers["Retry-After"] == "60"
        status, _, body = http_get(f"http://127.0.0.1:{port}/healthz")
        assert status == 503 and json.loads(body)["down"][0] == "database"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_work_sent_to_a_dead_broker_is_deferred_not_raised(caplog):
    from celery import Celery

    from newsdesk.celery import send_or_defer

    app = Celery("dead-broker", broker=DEAD_REDIS, set_as_current=False)

    @app.task(name="dead.ping")
    def ping():
        return "pong"

    with caplog.at_level(logging.WARNING, logger="newsdesk.celery"):
        assert send_or_defer(ping) is False
    assert "left to its periodic run" in caplog.text


def test_an_unexpected_error_is_a_dutch_500_page_and_a_lost_database_a_503(rf):
    from django.db import OperationalError

    from newsdesk.errors import server_error

    request = rf.get("/clubs/")
    try:
        raise KeyError("a bug")
    except KeyError:
        response = server_error(request)
    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode() and 'class="site-header"' in response.content.decode()
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and "Tijdelijk niet beschikbaar" in response.content.decode()
