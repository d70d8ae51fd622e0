"""The only code that writes the search index: batches of stale articles in one writer,
full rebuilds into a new generation, and the comparison of index and database."""

import gc
import logging
import multiprocessing
import os
import queue
import threading
import traceback
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from articles import selectors
from articles.models import Article, ArticleClub, ArticlePlayer, LinkState
from search import hooks
from search.analysis import terms
from search.backend import get_backend
from search.models import IndexDeletion
from search.schema import document_for
from search.segments import RebuildWriter

logger = logging.getLogger(__name__)

# Articles written per commit. Each commit adds a segment, and every search and more-like-this
# reads each segment's postings: 2,000 articles written 500 at a time left the related lists
# twice as slow (5.4 ms against 2.6 ms an article) and the writes a quarter slower than in one
# commit (bench_ingest, timed). 2,000 documents of some 3-40 KB of text each stay well within
# the writer's memory.
BATCH = 2000
PARALLEL_FROM = 20_000  # articles from which a rebuild writes with several processes
FREQUENT_SHARE = 0.02  # a word in this share of the articles or more is "frequent" (see frequent_words)
COMMON_SHARE = 0.2  # and in this share "common": paired with its neighbours (search.analysis.PairTokenizer)…
NEIGHBOUR_SHARE = 0.001  # …the words in this share or more (5 of the 5,000 articles sampled)
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
            responses = hooks.index_requested.send(sender=__name__)
            if any(response is False for _receiver, response in responses):
                cache.delete(REQUEST_KEY)  # the broker is down: the rows stay stale for the periodic run

    transaction.on_commit(enqueue)


def _documents(ids) -> dict[int, dict]:
    """The index documents of the published articles among `ids`, by id. Read as plain values:
    a rebuild reads 100,000 articles, and as model instances with their related objects (as
    pages load them) that is three times the work."""
    clubs, players = defaultdict(list), defaultdict(list)
    links = ArticleClub.objects.filter(article_id__in=ids, state=LinkState.LINKED).order_by()
    for article_id, slug in links.values_list("article_id", "club__slug"):
        clubs[article_id].append(slug)
    links = ArticlePlayer.objects.filter(article_id__in=ids, state=LinkState.LINKED).order_by()
    for article_id, slug in links.values_list("article_id", "player__slug"):
        players[article_id].append(slug)
    rows = Article.objects.published().filter(pk__in=ids).order_by()
    fields = ("title", "body", "published_at", "source__name", "story__slug")
    return {
        pk: document_for(
            pk,
            title=title,
            body=body,
            published_at=published_at,
            source=source,
            story=story,
            clubs=clubs[pk],
            players=players[pk],
        )
        for pk, title, body, published_at, source, story in rows.values_list("pk", *fields)
    }


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
            if done:
                hooks.index_updated.send(sender=__name__, count=done)
            return done
        documents = _documents(ids)
        gone = (set(ids) - documents.keys()) | set(deletions)  # hidden, duplicate or deleted
        get_backend().write(list(documents.values()), sorted(gone))
        Article.objects.filter(pk__in=ids, updated_at__lt=started).update(indexed_at=F("updated_at"))
        IndexDeletion.objects.filter(article_id__in=deletions).delete()
        done += len(ids) + len(deletions)


def rebuild(progress=None, chunk: int = 1000) -> int:
    """Build a whole new index beside the live one and swap it in; searches answer throughout."""
    backend = get_backend()
    if backend.name == "postgres":
        return _rebuild_in_database(backend, progress, chunk)
    started = timezone.now()
    shares = frequent_words(share=NEIGHBOUR_SHARE)
    frequent = frozenset(word for word, share in shares.items() if share >= FREQUENT_SHARE)
    common = frozenset(word for word, share in shares.items() if share >= COMMON_SHARE)
    generation = backend.new_generation(frequent, common, neighbours=frozenset(shares))
    ids = list(selectors.published_articles().order_by("pk").values_list("pk", flat=True))
    limit = settings.NEWSDESK_INDEX_WRITER_MB
    ix = backend.open_index(generation)
    writer = RebuildWriter(ix, limitmb=limit)  # holds the new generation's lock throughout
    parts = _parallel_parts(len(ids))
    try:
        if parts > 1:
            writer.commit_segments(_write_in_parallel(ix, ids, parts, limit, chunk, progress))
        else:
            with _young_collections_only():
                done = 0
                for count in _write_articles(writer, ids, chunk):
                    done += count
                    if progress:
                        progress(done, len(ids))
                writer.commit()
    except BaseException:
        writer.cancel()
        raise
    _mark_indexed(started)
    backend.swap_in(generation)
    # What changed while we built went into the old generation: index it again in the new one.
    Article.objects.filter(updated_at__gte=started).update(indexed_at=None)
    IndexDeletion.objects.all().delete()
    extra = backend.document_ids() - set(selectors.published_articles().values_list("pk", flat=True))
    if extra:
        backend.write([], sorted(extra))
    index_pending()
    return len(ids)


def _rebuild_in_database(backend, progress, chunk) -> int:
    """PostgreSQL: every document anew in one transaction; searches read the old rows until it
    commits. For a large archive, forked processes (one per core) read and analyse the articles
    (the most of a rebuild's work) and this one writes what they made."""
    started = timezone.now()
    ids = list(selectors.published_articles().order_by("pk").values_list("pk", flat=True))
    parts = [ids[start : start + chunk] for start in range(0, len(ids), chunk)]
    workers = _parallel_parts(len(ids))
    if workers > 1:
        connections.close_all()  # forked below: each process opens its own connection
        pool = multiprocessing.get_context("fork").Pool(workers)
        prepared = pool.imap(_prepare_part, parts)
    else:
        pool, prepared = None, map(_prepare_part, parts)

    def chunks():
        done = 0
        for rows in prepared:
            yield rows
            done += len(rows.documents)
            if progress:
                progress(done, len(ids))

    try:
        with transaction.atomic():
            backend.replace_all(chunks())
            _mark_indexed(started)
            IndexDeletion.objects.all().delete()
    finally:
        if pool is not None:
            pool.terminate()
    index_pending()
    return len(ids)


def _mark_indexed(started) -> None:
    """After a rebuild: every article changed before it began is indexed as it is now. Only the
    rows not marked so already are written: setting all a million rewrote every row of the
    table (a new version each, twice its size on disk until a vacuum, and index-only scans
    reading the table again: a club page's count went from 3 to 50 ms)."""
    stale = Article.objects.filter(updated_at__lt=started).exclude(indexed_at=F("updated_at"))
    stale.update(indexed_at=F("updated_at"))


def _prepare_part(ids):
    """The backend's rows for these articles (read and analysed): search.postgres.Prepared."""
    return get_backend().prepare(list(_documents(ids).values()))


def _parallel_parts(articles: int) -> int:
    """For a large archive, one writer process per core, each reading its share of the articles
    and writing its own segment: twice the speed of one. A small one is quicker written here
    than by forked processes, and a rebuild inside a transaction (a test) cannot hand its
    connection to other processes."""
    if articles < PARALLEL_FROM or transaction.get_connection().in_atomic_block:
        return 1
    return os.cpu_count() or 1


def _write_articles(writer, ids, chunk):
    """Add the articles to `writer` a chunk at a time, yielding how many each chunk held. Run
    under _young_collections_only()."""
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        for document in _documents(part).values():
            writer.add_document(**document)
        gc.collect(1)  # the chunk's garbage (its queries' objects)
        yield len(part)


@contextmanager
def _young_collections_only():
    """Python's automatic cycle collection off while a writer works. Its full collections walk
    every object that lives on, here the millions of postings a writer holds until it writes
    them out: a tenth of a rebuild's time, for no garbage. _write_articles collects the young
    generations instead, which leaves those alone."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _write_in_parallel(ix, ids, parts, limit, chunk, progress) -> list:
    """The articles split in `parts` runs of ids, each written by a forked process into a
    segment of `ix`; returns the segments, in id order, for the parent writer to commit."""
    context = multiprocessing.get_context("fork")
    written = context.Value("q", 0)
    results = context.Queue()
    size = -(-len(ids) // parts)
    connections.close_all()  # each process opens its own database connection
    processes = [
        context.Process(
            target=_write_part, args=(n, ix, ids[n * size : (n + 1) * size], limit, chunk, written, results)
        )
        for n in range(parts)
    ]
    for process in processes:
        process.start()
    segments = {}
    try:
        while len(segments) < parts:
            try:
                n, segment, failure = results.get(timeout=0.5)
            except queue.Empty:
                if any(process.exitcode not in (None, 0) for process in processes):
                    raise RuntimeError("an index writer process died") from None
            else:
                if failure:
                    raise RuntimeError(f"an index writer process failed:\n{failure}")
                segments[n] = segment
            if progress:
                progress(written.value, len(ids))
    finally:
        for process in processes:
            if process.is_alive() and len(segments) < parts:
                process.terminate()
            process.join()
    return [segments[n] for n in range(parts)]


def _write_part(n, ix, ids, limit, chunk, written, results) -> None:
    """In a writer process: one segment of the given articles, put on `results` finished but
    not committed (the parent commits all the parts' segments at once)."""
    try:
        writer = RebuildWriter(ix, limitmb=limit, lock=False)  # the parent holds the lock
        with _young_collections_only():
            for count in _write_articles(writer, ids, chunk):
                with written.get_lock():
                    written.value += count
            results.put((n, writer.finish_segment(), None))
    except BaseException:
        results.put((n, None, traceback.format_exc()))
    finally:
        connections.close_all()


def frequent_words(sample: int = 5000, share: float = FREQUENT_SHARE) -> dict[str, float]:
    """Words in at least `share` of the articles, with the share of the articles they are in,
    judged on an even sample of them: the words whose phrases the index keeps as word pairs
    (search.analysis.PairTokenizer) and whose postings it keeps again without positions for
    scoring (search.schema.WordCounts). A small archive has none; its short posting lists are
    read from `text` alone, cheaply."""
    ids = list(selectors.published_articles().order_by("pk").values_list("pk", flat=True))
    if len(ids) < MIN_SAMPLE:
        return {}
    picked = ids[:: max(len(ids) // sample, 1)]
    counts = Counter()
    for start in range(0, len(picked), 1000):
        for title, body in Article.objects.filter(pk__in=picked[start : start + 1000]).values_list("title", "body"):
            counts.update(set(terms(f"{title} {body}")))
    return {word: count / len(picked) for word, count in counts.items() if count >= share * len(picked)}


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
