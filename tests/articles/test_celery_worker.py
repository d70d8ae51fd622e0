"""Celery for real: a Redis broker, a worker process started here, and the article on its page."""

import os
import subprocess
import time
from pathlib import Path

import pytest
import redis
from celery import Celery

from articles.models import Article
from newsdesk.celery import worker_command
from tests.articles.samples import PARAGRAPHS, article_page, rss
from tests.factories import SourceFactory
from tests.services import subprocess_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker_url(redis_url):
    """A Redis database of its own, emptied before and after, so no stray message is consumed."""
    # TEST_REDIS_DB lets two test runs on one machine (two checkouts) keep out of each other's way.
    db = os.environ.get("TEST_REDIS_DB", "15")
    url = redis_url.rsplit("/", 1)[0] + f"/{db}" if redis_url.count("/") > 2 else f"{redis_url}/{db}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


@pytest.fixture
def worker(broker_url, feed_server):
    process = subprocess.Popen(
        worker_command("--pool=prefork", "--concurrency=2", "-n", "test@%h"),
        cwd=ROOT,
        env=subprocess_env(REDIS_URL=broker_url, NEWSDESK_FETCH_ALLOWLIST=f"127.0.0.1:{feed_server.port}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    print(output[-3000:])


def wait_for(predicate, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.django_db(transaction=True)
def test_worker_fetches_a_source_from_the_beat_task_and_the_article_is_served(broker_url, worker, feed_server, client):
    page = feed_server.route("/voetbal/genk-wint", article_page("Genk wint van Westerlo"))
    feed_server.route("/feed.xml", rss([{"title": "Genk wint van Westerlo", "link": page, "summary": "Genk wint."}]))
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"))

    # What beat sends every minute: the worker claims the due source and fetches it.
    Celery(broker=broker_url, set_as_current=False).send_task("articles.tasks.enqueue_due_sources")

    assert wait_for(lambda: Article.objects.filter(source=source).exists()), "no article within 90 s"
    article = Article.objects.get(source=source)
    assert PARAGRAPHS[1] in article.body
    source.refresh_from_db()
    assert source.last_success_at is not None
    assert source.next_fetch_at > source.last_success_at

    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page_text = response.content.decode()
    assert "Genk wint van Westerlo" in page_text
    assert "Jarne Steuckers opende" in page_text
    assert worker.poll() is None  # still running: nothing crashed it
