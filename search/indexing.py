"""The only code that writes the search index: batches of stale articles in one writer,
full rebuilds into a new generation, and the comparison of index and database."""

import logging
import os
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles import selectors
from articles.models import Article
from search.analysis import terms
from search.backend import get_backend
from search.models import IndexDeletion
from search.schema import document_for

logger = logging.getLogger(__name__)

BATCH = 500
PARALLEL_FROM = 20_000  # articles from which a rebuild writes with several processes
FREQUENT_SHARE = 0.02  # a word in this share of the articles or more is "frequent" (see frequent_words)
MIN_SAMPLE = 1000
REQUEST_KEY = "newsdesk:index-requested"


_deferral = threading.local()


@contextmanager
def deferred():
    """Bulk work (an import) asks for one index run at its end instead of one per batch."""
    _deferral.depth = getattr(_deferral, "depth", 0) + 1
    try:
        yield
    finally:
        _deferral.depth -= 1
    request_indexing()


def request_indexing() -> None:
    """Ask for an index run once the current transaction commits; requests within 2 s share one."""
    if getattr(_deferral, "depth", 0):
        return

    def enqueue():
        if cache.add(REQUEST_KEY, 1, timeout=2):
            from search import tasks

            tasks.index_pending.delay()

    transaction.on_commit(enqueue)


def _indexable(ids):
    return selectors.published_articles().filter(pk__in=ids).order_by()


def index_pending() -> int:
    """Index every article whose index copy is stale, and remove deleted ones. Returns how many."""
    # From here on, a new request must queue a new run: this one only takes rows changed before now.
    cache.delete(REQUEST_KEY)
    started = timezone.now()
    done = 0
    while True:
        # Only rows changed before this run began: a row changed meanwhile waits for the next run,
        # so this loop always ends.
        ids = list(
            Article.objects.index_stale()
            .filter(updated_at__lt=started)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        deletions = list(IndexDeletion.objects.order_by("pk").values_list("article_id", flat=True)[:BATCH])
        if not ids and not deletions:
            return done
        articles = list(_indexable(ids))
        gone = (set(ids) - {a.pk for a in articles}) | set(deletions)  # hidden, duplicate or deleted
        get_backend().write([document_for(a) for a in articles], sorted(gone))
        Article.objects.filter(pk__in=ids, updated_at__lt=started).update(indexed_at=F("updated_at"))
        IndexDeletion.objects.filter(article_id__in=deletions).delete()
        done += len(ids) + len(deletions)


def rebuild(progress=None, chunk: int = 1000) -> int:
    """Build a whole new index beside the live one and swap it in; searches answer throughout."""
    backend = get_backend()
    started = timezone.now()
    generation = backend.new_generation(frequent_words())
    ids = list(selectors.published_articles().order_by("pk").values_list("pk", flat=True))
    # For a large archive, one writer process per core, each writing its own segment: twice the
    # speed of one writer. A small one is quicker written here than by forked processes.
    procs = (os.cpu_count() or 1) if len(ids) >= PARALLEL_FROM else 1
    limit = settings.NEWSDESK_INDEX_WRITER_MB
    writer = backend.open_index(generation).writer(procs=procs, limitmb=limit, multisegment=procs > 1)
    try:
        for start in range(0, len(ids), chunk):
            for article in _indexable(ids[start : start + chunk]):
                writer.add_document(**document_for(article))
            if progress:
                progress(min(start + chunk, len(ids)), len(ids))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    Article.objects.filter(updated_at__lt=started).update(indexed_at=F("updated_at"))
    backend.swap_in(generation)
    # What changed while we built went into the old generation: index it again in the new one.
    Article.objects.filter(updated_at__gte=started).update(indexed_at=None)
    IndexDeletion.objects.all().delete()
    extra = backend.document_ids() - set(selectors.published_articles().values_list("pk", flat=True))
    if extra:
        backend.write([], sorted(extra))
    index_pending()
    return len(ids)


def frequent_words(sample: int = 5000, share: float = FREQUENT_SHARE) -> frozenset[str]:
    """Words in at least `share` of the articles, judged on an even sample of them: the words
    whose phrases the index keeps as word pairs (search.analysis.PairTokenizer) and whose
    postings it keeps again without positions for scoring (search.schema.WordCounts). A small
    archive has none; its short posting lists are read from `text` alone, cheaply."""
    ids = list(selectors.published_articles().order_by("pk").values_list("pk", flat=True))
    if len(ids) < MIN_SAMPLE:
        return frozenset()
    picked = ids[:: max(len(ids) // sample, 1)]
    counts = Counter()
    for start in range(0, len(picked), 1000):
        for title, body in Article.objects.filter(pk__in=picked[start : start + 1000]).values_list("title", "body"):
            counts.update(set(terms(f"{title} {body}")))
    return frozenset(word for word, count in counts.items() if count >= share * len(picked))


@dataclass
class IndexReport:
    missing: list[int] = field(default_factory=list)  # published, not in the index
    extra: list[int] = field(default_factory=list)  # in the index, not published
    stale: list[int] = field(default_factory=list)  # index copy older than the row

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def compare() -> IndexReport:
    indexed = get_backend().document_ids()
    published = set(selectors.published_articles().values_list("pk", flat=True))
    return IndexReport(
        missing=sorted(published - indexed),
        extra=sorted(indexed - published),
        stale=sorted(Article.objects.index_stale().filter(pk__in=published).values_list("pk", flat=True)),
    )
