"""What follows when articles land (stored new or changed): links, stories, index copies and
related lists.

The follow-up is recorded on the article itself (`Article.landing`), in the transaction that
stores it, and done in two stages that anyone may drain, a batch at a time:

1. `settle()`: clubs, players and story for articles in stage LINK (then RELATE). One drain
   of each stage runs at a time across all workers (an advisory lock on PostgreSQL, SQLite's
   one writer); rows another transaction holds are skipped (FOR UPDATE SKIP LOCKED) and taken
   by the next batch.
2. `relate()`: related lists for articles in stage RELATE whose index copy is current (more-
   like-this must find them and the articles they land beside), then SETTLED. An index run
   asks for it when it has written anything (search.indexing.index_updated).

A landing only asks for a drain (after commit; requests within two seconds share one); a lost
request, a killed worker or a broker outage leaves the stage on the row, and the periodic
`sweep()` finishes it. Batches are what make this fast: linking and story assignment load
their candidates once per call, and one article at a time costs about ten times as much.

Bulk work (an import, a fetch run) wraps itself in `in_bulk()`: its articles are settled a
batch at a time in the same thread as they land, the index is written once at the end, and the
related lists follow that index run.
"""

import logging
import threading
from contextlib import contextmanager

from django.core.cache import cache
from django.db import connection, transaction

from articles import hooks
from articles.bulk import retry_on_deadlock
from articles.entities import linking
from articles.models import Article
from articles.stories import clustering as stories
from articles.stories import related
from search import indexing

logger = logging.getLogger(__name__)

LANDING_BATCH = 100  # articles linked and put in stories together
RELATED_BATCH = 250  # articles whose related lists are written in one transaction
SETTLE_KEY = "newsdesk:settle-requested"
RELATE_KEY = "newsdesk:relate-requested"

_bulk = threading.local()


def landed(article_ids: list[int]) -> None:
    """Called once the transaction that stored these articles has committed."""
    run = getattr(_bulk, "run", None)
    if run is not None:
        run.landed(article_ids)
        return
    request_settling()


def _request(key: str, stage: str) -> None:
    """Ask for a drain of `stage` unless one was asked for in the last two seconds (after the
    commit; articles.signals queues its task)."""

    def ask():
        if not cache.add(key, 1, timeout=2):
            return
        responses = hooks.drain_due.send(sender=__name__, stage=stage)
        if any(response is False for _receiver, response in responses):
            cache.delete(key)  # the broker is down: nothing is lost, the stage is on the rows

    transaction.on_commit(ask)


def request_settling() -> None:
    _request(SETTLE_KEY, "settle")


def request_relating() -> None:
    _request(RELATE_KEY, "relate")


# PostgreSQL advisory lock keys: one drain of each kind at a time in the whole deployment.
DRAIN_LOCKS = {"settle": 7_301_001, "relate": 7_301_002}


class DrainBusy(Exception):
    """Another worker is draining this stage: try again in a moment (it may be done by then)."""


def _one_at_a_time(kind: str, *, wait: bool = False) -> None:
    """Take this stage's drain lock for the rest of the transaction, or raise DrainBusy.

    Story assignment must see the stories the previous batch made, or two workers open two
    stories for one match; related lists rewrite their story mates' rows, which two batches at
    once took in opposite orders (deadlocks, measured). A drain that finds the lock taken does
    not wait for it: a waiting task would hold a worker process that feeds and pages need (with
    four processes, four waiting drains stopped ingestion: 5.8 articles/s, measured); its task
    comes back a second later instead. A bulk run in its own thread waits. SQLite's IMMEDIATE
    transactions are one writer at a time already."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DRAIN_LOCKS[kind]])
            return
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [DRAIN_LOCKS[kind]])
        if not cursor.fetchone()[0]:
            raise DrainBusy(kind)


def _claim(queryset, limit: int) -> list[int]:
    """Up to `limit` ids of `queryset`, locked against other workers' claims where possible."""
    queryset = queryset.order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return list(queryset.values_list("pk", flat=True)[:limit])


def _link_and_story(article_ids: list[int]) -> None:
    linking.relink_ids(article_ids)
    stories.assign_stories(article_ids)
    Article.objects.filter(pk__in=article_ids, landing=Article.Landing.LINK).update(landing=Article.Landing.RELATE)


@retry_on_deadlock
def _settle_batch(limit: int) -> list[int]:
    with transaction.atomic():
        _one_at_a_time("settle")
        ids = _claim(Article.objects.filter(landing=Article.Landing.LINK), limit)
        if ids:
            _link_and_story(ids)
        return ids


def settle(limit: int = LANDING_BATCH) -> int:
    """Link and story every article waiting for it, a batch at a time; returns how many.
    Raises DrainBusy when another worker is at it."""
    cache.delete(SETTLE_KEY)  # a landing from now on asks for a drain of its own
    done = 0
    while ids := _settle_batch(limit):
        done += len(ids)
        indexing.request_indexing()  # the index run that follows asks for the related lists
    return done


@retry_on_deadlock
def _relate_batch(limit: int) -> list[int]:
    with transaction.atomic():
        _one_at_a_time("relate")
        waiting = Article.objects.filter(landing=Article.Landing.RELATE).index_stale()
        ids = _claim(Article.objects.filter(landing=Article.Landing.RELATE).exclude(pk__in=waiting), limit)
        if ids:
            related.refresh(ids)
            Article.objects.filter(pk__in=ids, landing=Article.Landing.RELATE).update(landing=Article.Landing.SETTLED)
        return ids


def relate(limit: int = RELATED_BATCH) -> int:
    """The related lists of settled articles that the index holds; returns how many.
    Raises DrainBusy when another worker is at it."""
    cache.delete(RELATE_KEY)
    done = 0
    while ids := _relate_batch(limit):
        done += len(ids)
    return done


def sweep() -> dict:
    """Periodic: finish whatever a lost request, a killed worker or an outage left undone."""
    # Articles whose index copy is still stale wait for the next index run, which asks for them.
    report = {}
    for stage, drain in (("settled", settle), ("related", relate)):
        try:
            report[stage] = drain()
        except DrainBusy:
            report[stage] = "busy"  # another worker is draining it right now
    return report


# A bulk run has PostgreSQL's statistics refreshed every this many articles it lands.
ANALYZE_EVERY = 1000
ANALYZED_TABLES = ("articles_article", "articles_articleclub", "articles_articleplayer")


def refresh_statistics() -> None:
    """ANALYZE the tables a bulk run fills, as PostgreSQL's manual advises after a bulk load.
    Autovacuum does it only a minute or more later: planned from an empty table's statistics,
    the related lists' club query joined 2,000 fresh articles row by row (230 ms a batch,
    21 ms after ANALYZE, measured). SQLite plans without them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(ANALYZED_TABLES)}")


class _BulkRun:
    def __init__(self):
        self.unlinked: list[int] = []
        self.unanalyzed = 0  # articles landed since the statistics were refreshed

    def landed(self, article_ids: list[int]) -> None:
        self.unlinked.extend(article_ids)
        if len(self.unlinked) >= LANDING_BATCH:
            self.flush()

    def flush(self) -> None:
        batch, self.unlinked = self.unlinked, []
        if batch:
            retry_on_deadlock(self._settle)(batch)
            self.unanalyzed += len(batch)
        if self.unanalyzed >= ANALYZE_EVERY:
            refresh_statistics()
            self.unanalyzed = 0

    def finish(self) -> None:
        """What landed is committed: it gets its links and story whatever happened, and fresh
        statistics for the index run and related lists that follow."""
        self.flush()
        if self.unanalyzed >= LANDING_BATCH:
            refresh_statistics()

    @staticmethod
    def _settle(batch: list[int]) -> None:
        with transaction.atomic():
            _one_at_a_time("settle", wait=True)
            _link_and_story(batch)


@contextmanager
def in_bulk():
    """Link and story in batches as articles land, index once at the end; the related lists
    follow that index run.

    Only work run in this thread waits: with a Celery worker, articles landed by its tasks are
    drained there, as they are outside a bulk run."""
    if getattr(_bulk, "run", None) is not None:  # inside another bulk run: that one finishes up
        yield
        return
    _bulk.run = run = _BulkRun()
    try:
        with indexing.deferred():
            try:
                yield
            finally:
                run.finish()
    finally:
        _bulk.run = None
