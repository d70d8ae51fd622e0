"""The follow-up of a landing (links, story, index copy, related list) is recorded on the article
in the transaction that stores it, drained in batches, and never lost."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from articles.bulk import retry_on_deadlock
from articles.ingest import landing
from articles.ingest.store import store_article
from articles.models import Article, LinkState, Story
from search import indexing
from tests.articles.stories.test_stories import MATCH_A, MATCH_B, world  # noqa: F401  (fixture)
from tests.factories import ArticleFactory, SourceFactory

pytestmark = pytest.mark.django_db

Landing = Article.Landing


def store(source, text, when):
    title, body = text
    url = f"https://{source.name}.example/{title}"
    return store_article(source, url=url, title=title, body_text=body, published_at=when)


def test_a_stored_article_carries_its_follow_up_until_drains_finish_it(world):  # noqa: F811
    """No message was ever sent (on_commit hooks do not run in a test's transaction): the
    stage on the row is what the sweep finds."""
    now = timezone.now()
    first = store(world["krant"], MATCH_A, now - timedelta(hours=2)).article
    second = store(world["site"], MATCH_B, now).article
    assert set(Article.objects.values_list("landing", flat=True)) == {Landing.LINK}

    assert landing.sweep() == {"settled": 2, "related": 0}  # not in the index yet: lists wait
    assert set(Article.objects.values_list("landing", flat=True)) == {Landing.RELATE}
    indexing.index_pending()
    assert landing.sweep() == {"settled": 0, "related": 2}

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.landing == second.landing == Landing.SETTLED
    assert first.story_id == second.story_id is not None
    assert second.pk in first.related_ids and first.pk in second.related_ids
    linked = first.club_links.filter(state=LinkState.LINKED).values_list("club__slug", flat=True)
    assert set(linked) == {"club-brugge", "anderlecht"}
    assert landing.sweep() == {"settled": 0, "related": 0}  # idempotent


def test_a_changed_article_is_due_again(world):  # noqa: F811
    article = store(world["krant"], MATCH_A, timezone.now()).article
    landing.sweep()
    indexing.index_pending()
    landing.sweep()
    assert Article.objects.get(pk=article.pk).landing == Landing.SETTLED
    title, body = MATCH_A
    changed = body + " Genk keek toe."
    store_article(world["krant"], url=article.url, title=title, body_text=changed, published_at=article.published_at)
    assert Article.objects.get(pk=article.pk).landing == Landing.LINK


def test_landing_requests_drain_everything_after_commit(world, django_capture_on_commit_callbacks):  # noqa: F811
    """In-process (eager) the request runs the drains at once: settled, indexed and related."""
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        store(world["krant"], MATCH_A, now - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        store(world["site"], MATCH_B, now)
    assert set(Article.objects.values_list("landing", flat=True)) == {Landing.SETTLED}
    assert not Article.objects.index_stale().exists()
    assert Story.objects.count() == 1
    assert all(article.related_ids for article in Article.objects.all())


def test_a_bulk_run_settles_in_batches_and_relates_after_its_index_run(world, django_capture_on_commit_callbacks):  # noqa: F811
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True), landing.in_bulk():
        for n in range(5):
            title, body = MATCH_A if n % 2 else MATCH_B
            when = now - timedelta(minutes=n)
            url = f"https://k.example/{n}"
            store_article(world["krant"], url=url, title=f"{title} ({n})", body_text=body, published_at=when)
        assert set(Article.objects.values_list("landing", flat=True)) == {Landing.LINK}  # still landing
    assert set(Article.objects.values_list("landing", flat=True)) == {Landing.SETTLED}
    assert not Article.objects.index_stale().exists()


@pytest.mark.once
@pytest.mark.django_db(transaction=True)
def test_a_deadlock_victim_is_run_again(settings):
    """Two transactions take two rows in opposite orders: PostgreSQL aborts one, which runs again."""
    if connection.vendor != "postgresql":
        pytest.fail("this test runs in the PostgreSQL pass (marker once)")
    source = SourceFactory()
    a, b = ArticleFactory(source=source), ArticleFactory(source=source)
    both_hold_one = threading.Barrier(2, timeout=10)
    attempts = {"ab": 0, "ba": 0}

    def take(name, first, second):
        @retry_on_deadlock
        def work():
            attempts[name] += 1
            with transaction.atomic():
                Article.objects.filter(pk=first.pk).update(author=name)
                if attempts[name] == 1:
                    both_hold_one.wait()
                Article.objects.filter(pk=second.pk).update(author=name)

        try:
            work()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=("ab", a, b)), threading.Thread(target=take, args=("ba", b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(attempts.values()) == [1, 2]  # one was the victim and ran again
    assert Article.objects.get(pk=a.pk).author == Article.objects.get(pk=b.pk).author  # whole transactions won


def _planner_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.once
@pytest.mark.django_db(transaction=True)
def test_a_bulk_run_refreshes_the_planner_statistics_before_its_follow_up():
    """PostgreSQL plans the follow-up's queries from what it knows of the tables: after a bulk
    run it knows how many articles there are (ANALYZE), not what it knew before the load."""
    if connection.vendor != "postgresql":
        pytest.fail("this test runs in the PostgreSQL pass (marker once)")
    source = SourceFactory()
    assert _planner_rows("articles_article") != 120
    with landing.in_bulk():
        for n in range(120):
            store_article(source, url=f"https://k.example/{n}", title=f"Bericht {n}", body_text=f"Tekst {n}.")
    assert Article.objects.count() == 120
    assert _planner_rows("articles_article") == 120
