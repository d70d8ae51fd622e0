"""What follows when articles land (stored new or changed): links, stories, index copies and
related lists.

An article from a feed gets all of it at once. Bulk work (an import, a fetch run) wraps itself
in `in_bulk()`: articles are then linked and put in stories a batch at a time (one article at a
time costs about ten times as much: each call loads the candidates it compares with), the index
is written once at the end, and the related lists are computed after that. Then more-like-this
also finds the other articles of the same run, and one more-like-this per article (tens of
milliseconds in a large index) no longer sets the pace of the run.
"""

import threading
from contextlib import contextmanager

from django.db import transaction

from articles import hooks
from articles.entities import linking
from articles.stories import clustering as stories
from articles.stories import related
from search import indexing

LANDING_BATCH = 100  # articles linked and put in stories together during a bulk run
RELATED_BATCH = 250  # articles whose related lists are written in one transaction

_bulk = threading.local()


def after_landing(article_ids: list[int]) -> None:
    run = getattr(_bulk, "run", None)
    if run is not None:
        run.landed(article_ids)
        return
    _link_and_story(article_ids)
    indexing.request_indexing()  # eager runs index now, so the related lists below see these articles too
    related.refresh(article_ids)


def _link_and_story(article_ids: list[int]) -> None:
    linking.relink_ids(article_ids)
    stories.assign_stories(article_ids)


class _BulkRun:
    def __init__(self):
        self.unlinked: list[int] = []
        self.done: list[int] = []

    def landed(self, article_ids: list[int]) -> None:
        self.unlinked.extend(article_ids)
        if len(self.unlinked) >= LANDING_BATCH:
            self.flush()

    def flush(self) -> None:
        batch, self.unlinked = self.unlinked, []
        if batch:
            _link_and_story(batch)
            self.done.extend(batch)


@contextmanager
def in_bulk():
    """Link and story in batches, index once at the end, then compute the related lists.

    Only work run in this thread waits: with a Celery worker, each article's follow-up runs
    there in full, as it does outside a bulk run."""
    if getattr(_bulk, "run", None) is not None:  # inside another bulk run: that one finishes up
        yield
        return
    _bulk.run = run = _BulkRun()
    try:
        with indexing.deferred():
            try:
                yield
            finally:
                run.flush()  # what landed is committed: it gets its links and story whatever happened
    finally:
        _bulk.run = None
        if run.done:
            transaction.on_commit(lambda: hooks.bulk_landed.send(sender=__name__, article_ids=run.done))


def relate_landed(article_ids: list[int]) -> int:
    """The related lists of articles that landed in bulk, once the index holds them."""
    indexing.index_pending()  # usually done already; a worker may take this task first
    written = 0
    for start in range(0, len(article_ids), RELATED_BATCH):
        written += related.refresh(article_ids[start : start + RELATED_BATCH])
    return written
