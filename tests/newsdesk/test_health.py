"""/healthz names every part and answers 503 when one is down."""

import pytest

from newsdesk import health
from search import indexing
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


def test_healthy_site_reports_database_index_and_eager_broker(client):
    ArticleFactory.create_batch(3)
    indexing.index_pending()
    response = client.get("/healthz")
    data = response.json()
    assert response.status_code == 200, data
    assert data["status"] == "ok" and data["down"] == []
    assert data["checks"]["database"]["published_articles"] == 3
    index = data["checks"]["index"]
    assert index["documents"] == 3 and index["waiting_for_index"] == 0
    assert index["generation"].startswith("gen-") and index["generation_age_seconds"] >= 0
    assert "eager" in data["checks"]["broker"]["mode"]


def test_missing_index_is_a_503_naming_the_index(client):
    ArticleFactory()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["index"]
    assert "rebuild_index" in response.json()["checks"]["index"]["error"]


def test_articles_waiting_for_the_index_are_counted(client):
    ArticleFactory()
    indexing.index_pending()
    ArticleFactory.create_batch(2)
    index = client.get("/healthz").json()["checks"]["index"]
    assert (index["documents"], index["published_articles"], index["waiting_for_index"]) == (1, 3, 2)


def test_unreachable_broker_and_silent_beat_are_named(client, settings):
    ArticleFactory()
    indexing.index_pending()
    settings.REDIS_URL = DEAD_REDIS
    response = client.get("/healthz")
    data = response.json()
    assert response.status_code == 503
    assert data["down"] == ["beat", "broker"]
    assert "ConnectionError" in data["checks"]["broker"]["error"]
    assert "no heartbeat" in data["checks"]["beat"]["error"]


def test_broker_queues_and_beat_heartbeat_reported_from_real_redis(client, settings, redis_url):
    ArticleFactory()
    indexing.index_pending()
    settings.REDIS_URL = redis_url
    health.heartbeat()
    data = client.get("/healthz").json()
    assert data["checks"]["beat"]["status"] == "ok"
    assert data["checks"]["beat"]["last_run_seconds_ago"] <= 1
    assert set(data["checks"]["broker"]["queues"]) == {"celery", "fetch", "index"}
    assert data["status"] == "ok", data
