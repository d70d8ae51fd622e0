"""What follows when articles land (stored new or changed): links, stories, index copies and
related lists.

An article from a feed gets all of it at once. Bulk work (an import, a fetch run) wraps itself
in `in_bulk()`: links and stories still follow each batch, since the next batch's stories build
on them, but the index is written once at the end and the related lists are computed after
that. Then more-like-this also finds the other articles of the same import, and one
more-like-this per article (tens of milliseconds in a large index) no longer sets the pace of
the import.
"""

import threading
from contextlib import contextmanager

from django.db import transaction

from articles import linking, related, stories
from search import indexing

RELATED_BATCH = 250  # articles whose related lists are written in one transaction

_bulk = threading.local()


def after_landing(article_ids: list[int]) -> None:
    linking.relink_ids(article_ids)
    stories.assign_stories(article_ids)
    waiting = getattr(_bulk, "waiting", None)
    if waiting is not None:
        waiting.extend(article_ids)
        return
    indexing.request_indexing()  # eager runs index now, so the related lists below see these articles too
    related.refresh(article_ids)


@contextmanager
def in_bulk():
    """Index once at the end, then compute the related lists of every article that landed.

    Only work run in this thread waits: with a Celery worker, each batch's follow-up runs there
    in full, as it does for a single article."""
    if getattr(_bulk, "waiting", None) is not None:  # inside another bulk run: that one finishes up
        yield
        return
    _bulk.waiting = waiting = []
    try:
        with indexing.deferred():
            yield
    finally:
        _bulk.waiting = None
        if waiting:
            from articles import tasks

            transaction.on_commit(lambda: tasks.relate_landed.delay(waiting))


def relate_landed(article_ids: list[int]) -> int:
    """The related lists of articles that landed in bulk, once the index holds them."""
    indexing.index_pending()  # usually done already; a worker may take this task first
    written = 0
    for start in range(0, len(article_ids), RELATED_BATCH):
        written += related.refresh(article_ids[start : start + RELATED_BATCH])
    return written
