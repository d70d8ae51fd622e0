"""The Celery tasks' own promises, run eagerly: claiming, retrying, idempotence."""

import pytest
from django.utils import timezone

from articles import tasks
from articles.ingest import http
from articles.models import Article, Source
from tests.articles.samples import full_content, rss
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def test_due_source_is_claimed_once(django_capture_on_commit_callbacks):
    due = SourceFactory(next_fetch_at=timezone.now() - timezone.timedelta(minutes=1), feed_url="https://a.example/f")
    SourceFactory(next_fetch_at=timezone.now() + timezone.timedelta(minutes=5))
    SourceFactory(is_active=False, next_fetch_at=timezone.now() - timezone.timedelta(minutes=5))
    with django_capture_on_commit_callbacks() as callbacks:
        assert tasks.enqueue_due_sources() == 1
        # A second beat a moment later finds the source claimed: no second fetch is queued.
        assert tasks.enqueue_due_sources() == 0
    assert len(callbacks) == 1
    due.refresh_from_db()
    assert due.next_fetch_at > timezone.now()


def test_network_errors_are_retried_with_backoff_by_workers():
    for task in (tasks.fetch_source, tasks.ingest_entries, tasks.ingest_entry):
        assert http.NetworkError in task.autoretry_for
        assert task.retry_backoff and task.max_retries >= 3
    for task in (tasks.ingest_entries, tasks.ingest_entry):
        assert task.acks_late and task.reject_on_worker_lost


def test_in_process_network_error_is_recorded_not_raised(feed_server):
    # Run eagerly (make run, the admin's "fetch now"), a 503 must not crash the caller.
    feed_server.route("/feed.xml", status=503, headers={"Retry-After": "120"})
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"))
    result = tasks.fetch_source.delay(source.pk).get()
    assert "HTTP 503" in result["error"]
    source.refresh_from_db()
    assert "HTTP 503" in source.last_error
    assert (source.next_fetch_at - timezone.now()).total_seconds() > 100


def test_fetch_task_does_not_retry_a_feed_that_is_not_a_feed(feed_server):
    feed_server.route("/feed.xml", b"<html>dit is geen feed</html>")
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"))
    result = tasks.fetch_source.delay(source.pk).get()
    assert "not a readable feed" in result["error"]
    assert len(feed_server.requests) == 1


def test_fetch_then_ingest_tasks_are_idempotent(feed_server, django_capture_on_commit_callbacks):
    feed_server.route(
        "/feed.xml", rss([{"title": "Genk wint", "link": "https://a.example/1", "content": full_content()}])
    )
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.fetch_source.delay(source.pk)
    first = Article.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.fetch_source.delay(source.pk).get()
    assert result == {"enqueued": 0, "unchanged": 1}
    assert Article.objects.get().updated_at == first.updated_at
    assert Source.objects.get().error_count == 0


def test_ingest_task_for_a_deleted_source_does_nothing():
    assert tasks.ingest_entries.delay(987654, [{"link": "https://a.example/1"}]).get() == {"skipped": 1}
    assert tasks.ingest_entry.delay(987654, {"link": "https://a.example/1"}).get() is None


def test_a_poll_is_queued_in_batches(feed_server, django_capture_on_commit_callbacks):
    items = [{"title": f"Nieuws {n}", "link": f"https://a.example/{n}", "content": full_content()} for n in range(23)]
    feed_server.route("/feed.xml", rss(items))
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"))
    with django_capture_on_commit_callbacks() as queued:
        assert tasks.fetch_source(source.pk) == {"enqueued": 23, "unchanged": 0}
    assert len(queued) == 3  # batches of 10, 10 and 3
    for send in queued:
        send()  # eager: each batch stored as a worker would
    assert Article.objects.count() == 23
