"""The Whoosh search backend (the embedded default), and get_backend(), which picks it or the
PostgreSQL one (search.postgres) by NEWSDESK_SEARCH_BACKEND.

The index lives in generations under NEWSDESK_INDEX_DIR; the symlink `current` names the live
one. A rebuild fills a new generation and swaps the link in one rename, so searches keep
answering throughout. Each thread keeps one searcher and refreshes it (cheap when nothing
changed) instead of opening one per query, which costs 170 ms at 100,000 articles.
"""

import heapq
import os
import shutil
import threading
import time
from collections import Counter
from itertools import chain, islice
from pathlib import Path

from django.conf import settings
from whoosh import classify
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.index import LockError

from search import base, columns
from search.analysis import terms
from search.base import Hit, IndexUnavailable, Page, SearchBackend, pooled, within_postings
from search.matching import Evaluator
from search.postgres import PostgresBackend
from search.query import compile_filters, compile_tree
from search.schema import build_schema

# Term scores a batch of more-like-this queries keeps for the terms its articles share: each
# is a document number and a float (about 100 bytes), so at most some 50 MB.
SHARED_SCORES = 500_000
WRITE_TIMEOUT = 120.0  # seconds a writer waits for another's lock before giving up


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def __init__(self, root: Path):
        self.root = Path(root)
        self.local = threading.local()

    # --- generations -------------------------------------------------------------------------
    @property
    def current_link(self) -> Path:
        return self.root / "current"

    def new_generation(self, frequent_words=frozenset(), common_words=frozenset(), neighbours=None) -> Path:
        path = self.root / f"gen-{time.time_ns()}"
        path.mkdir(parents=True)
        whoosh_index.create_in(str(path), build_schema(frequent_words, common_words, neighbours))
        return path

    def live_generation(self) -> Path:
        if not self.current_link.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            self.swap_in(self.new_generation())
        return self.current_link.resolve()

    def swap_in(self, generation: Path) -> None:
        """Make `generation` live with an atomic rename, then drop all but the previous one."""
        temporary = self.root / f"current.{time.time_ns()}"
        os.symlink(generation.name, temporary)
        previous = self.current_link.resolve() if self.current_link.exists() else None
        os.replace(temporary, self.current_link)
        keep = {generation.name, previous.name if previous else ""}
        for old in self.root.glob("gen-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def open_index(self, generation: Path | None = None):
        return whoosh_index.open_dir(str(generation or self.live_generation()))

    # --- reading -----------------------------------------------------------------------------
    def searcher(self):
        try:
            return self._searcher()
        except IndexUnavailable:
            raise
        except Exception as exc:  # whoosh raises many kinds (EmptyIndexError, OSError, struct errors)
            self.local.cached = None
            raise IndexUnavailable(f"{self.root}: {type(exc).__name__}: {exc}") from exc

    def _searcher(self):
        if not self.current_link.exists():
            # Reading never creates an index: an empty one would answer "nothing found" for an
            # archive that has articles. Writers (index_pending, rebuild_index) create it.
            raise IndexUnavailable(f"no search index at {self.current_link} (run manage.py rebuild_index)")
        generation = self.live_generation()
        cached = getattr(self.local, "cached", None)
        if cached and cached[0] == generation:
            searcher, ix = cached[1], cached[2]
            # Checking the generation is one directory listing. whoosh's own refresh() reuses the
            # readers of old segments and so misses deletions in them: open anew on any change.
            if ix.latest_generation() == searcher.reader().generation():
                return searcher
            searcher.close()
        elif cached:
            cached[1].close()
        ix = self.open_index(generation)
        searcher = ix.searcher()
        self.local.cached = (generation, searcher, ix)
        return searcher

    def search_tree(
        self, tree, *, offset=0, limit=10, filters=None, newest_first=False, facets=(), count_limit=None
    ) -> Page:
        query = compile_tree(tree)
        return self.search(
            query,
            offset=offset,
            limit=limit,
            filter=compile_filters(filters),
            newest_first=newest_first,
            facets=facets,
            count_limit=count_limit,
        )

    def status(self) -> dict:
        generation = self.current_link.resolve()
        searcher = self.searcher()  # IndexUnavailable when unreadable
        created_ns = int(generation.name.removeprefix("gen-")) if generation.name.startswith("gen-") else None
        return {
            "generation": generation.name,
            "generation_age_seconds": round(time.time() - created_ns / 1e9) if created_ns else None,
            "documents": searcher.doc_count(),
        }

    def search(
        self, query, *, offset=0, limit=10, filter=None, newest_first=False, facets=(), count_limit=None
    ) -> Page:
        """One page of hits, the number of all matches, and facet counts over all of them, or
        over the first count_limit + 1 when there are more (as the PostgreSQL backend).

        The query is evaluated once over the posting lists (search.matching) into scores of
        every matching document; the count, the facets, the best page and a date order all
        come from those and the per-segment columns (search.columns).
        """
        searcher = self.searcher()
        evaluator = Evaluator(searcher)
        left_out = _only_left_out(query)
        if left_out and filter is None and count_limit is not None:
            return self._all_but(searcher, evaluator, left_out, offset, limit, facets, count_limit)
        # The filters first (a club's articles are few): the query then reads only their blocks.
        allowed = evaluator.documents(filter) if filter is not None else None
        scores = evaluator.scores(query, allowed) if query is not None else evaluator.all_documents(allowed)
        wanted = offset + limit
        total = len(scores)
        if newest_first or query is None:
            published = columns.values(searcher, "published")
            ranked = heapq.nlargest(wanted, zip(map(published.__getitem__, scores), scores, strict=False))
            chosen = [doc for _key, doc in ranked[offset:]]
        elif count_limit is not None and total > count_limit and total >= base.RELEVANCE_POOL_FROM:
            # As PostgreSQL: the best of the newest matches, then the rest newest first.
            in_pool, after = pooled(offset, limit)
            published = columns.values(searcher, "published")
            dated = zip(map(published.__getitem__, scores), scores, strict=False)
            newest = [doc for _date, doc in heapq.nlargest(max(wanted, base.RELEVANCE_POOL), dated)]
            pool = sorted(newest[: base.RELEVANCE_POOL], key=scores.__getitem__, reverse=True)
            chosen = [pool[place] for place in in_pool if place < len(pool)]
            chosen += [newest[place] for place in after if place < len(newest)]
        else:  # equal scores: the most recently indexed first
            ranked = heapq.nlargest(wanted, zip(scores.values(), scores, strict=False))
            chosen = [doc for _key, doc in ranked[offset:]]
        hits = [Hit(int(searcher.stored_fields(doc)["id"]), scores[doc]) for doc in chosen]
        if count_limit is not None and total > count_limit:  # as PostgreSQL, which stops counting there
            total, counted = count_limit + 1, list(islice(scores, count_limit + 1))
        else:
            counted = scores
        return Page(hits=hits, total=total, facets={name: _count(searcher, name, counted) for name in facets})

    @staticmethod
    def _all_but(searcher, evaluator, left_out, offset, limit, facets, count_limit) -> Page:
        """A search of only words to leave out ("-transfer"), newest first as on PostgreSQL:
        the documents with those words, then the newest documents without them, as far as the
        page and the count need. Scoring every other document, as a query with a word to look
        for is, took 170-210 ms at 100,000 articles."""
        excluded = set().union(*(evaluator.documents(query) for query in left_out))
        total = min(searcher.doc_count() - len(excluded), count_limit + 1)
        read = max(offset + limit, count_limit + 1 if facets else 0)
        newest = list(islice((doc for doc in columns.newest_first(searcher) if doc not in excluded), read))
        hits = [Hit(int(searcher.stored_fields(doc)["id"]), 0.0) for doc in newest[offset : offset + limit]]
        counted = newest[: count_limit + 1]
        return Page(hits=hits, total=total, facets={name: _count(searcher, name, counted) for name in facets})

    def more_like_this(self, article_id: int, text: str, limit: int = 10, filter=None) -> list[int]:
        """Articles whose words are most like `text`, the article itself left out.

        Built from the text, not the stored document, so an article not yet indexed (one that
        has just landed) gets its list too: Whoosh's more_like() needs the document number."""
        return self.more_like_these({article_id: text}, limit=limit, filter=filter)[article_id]

    def more_like_these(self, texts: dict[int, str], limit: int = 10, filter=None) -> dict[int, list[int]]:
        """more_like_this for many articles at once ({article id: text}), as related lists are
        made a batch at a time. Each article's query is an Or of its key terms, weighted; a
        term's BM25 scores are proportional to its weight, so a term shared by several
        articles of the batch (most are: the same clubs, the same words of the game) has its
        postings read and scored once, then added in with each article's weight. Only shared
        terms are kept, and no more than SHARED_SCORES of their scores, whatever the index's
        size."""
        searcher = self.searcher()
        evaluator = Evaluator(searcher)
        allowed = evaluator.documents(filter) if filter is not None else None
        wanted = {article_id: self.key_terms(searcher, text, 12) for article_id, text in texts.items()}
        uses = Counter(word for key_terms in wanted.values() for word, _weight in key_terms)
        shared, kept = {}, 0
        similar = {}
        for article_id, key_terms in wanted.items():
            totals: dict[int, float] = {}
            for word, weight in key_terms:
                scores = shared.get(word)
                if scores is None:
                    scores = evaluator.scores(wq.Term("text", word))
                    if uses[word] > 1 and kept + len(scores) <= SHARED_SCORES:
                        shared[word], kept = scores, kept + len(scores)
                get = totals.get
                totals.update({doc: get(doc, 0.0) + weight * score for doc, score in scores.items()})
            excluded = evaluator.documents(wq.Term("id", str(article_id)))
            ranked = heapq.nlargest(
                limit,
                (
                    (score, doc)
                    for doc, score in totals.items()
                    if doc not in excluded and (allowed is None or doc in allowed)
                ),
            )
            similar[article_id] = [int(searcher.stored_fields(doc)["id"]) for _score, doc in ranked]
        return similar

    def key_terms(self, searcher, text: str, number: int) -> list[tuple[str, float]]:
        """The `number` words of `text` that best tell it apart, with their weights: what
        whoosh's classify.Expander gives (Bo1 model, normalized), computed from the words alone
        (its key_terms_from_text() runs the analyzer token by token) and with each word's
        collection frequency kept for as long as the searcher lives. Every article's words
        are mostly the same few thousand, and on an index of many segments each look-up asks
        every segment: the expander's look-ups were two thirds of a more-like-this."""
        reader = searcher.reader()
        model = classify.Bo1Model(reader.doc_count_all(), reader.field_length("text"))
        counts = Counter(terms(text))
        total = float(sum(counts.values()))
        frequencies = self._frequencies(searcher)
        scored = []
        for word, weight in counts.items():
            found = frequencies.get(word)
            if found is None:
                btext = word.encode("utf-8")
                known = ("text", btext) in reader
                found = frequencies[word] = (
                    (reader.frequency("text", btext), reader.doc_frequency("text", btext)) if known else (0, 0)
                )
            if found[0]:
                scored.append((model.score(weight, found[0], total), word))
        if not scored:
            return []
        norm = model.normalizer(max(score for score, _ in scored), total)
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        weights = {word: score / norm for score, word in scored[:number]}
        kept = within_postings(list(weights), lambda word: frequencies[word][1])
        return [(word, weights[word]) for word in kept]

    def _frequencies(self, searcher) -> dict[str, tuple[float, int]]:
        """Each word's (collection frequency, document frequency), for as long as `searcher` lives."""
        cached = getattr(self.local, "frequencies", None)
        if cached is None or cached[0] is not searcher:
            cached = self.local.frequencies = (searcher, {})
        return cached[1]

    def suggest_word(self, word: str, stem: str) -> str | None:
        """A known word near `word` (folded, lower case) when neither it nor its stem is indexed."""
        searcher = self.searcher()
        if searcher.doc_frequency("spell", word) or searcher.doc_frequency("text", stem):
            return None
        suggestions = searcher.corrector("spell").suggest(word, limit=1, maxdist=2)
        return suggestions[0] if suggestions else None

    def exists(self) -> bool:
        return self.current_link.exists()

    def document_ids(self) -> set[int]:
        if not self.exists():
            return set()  # check_index then lists every published article as missing
        searcher = self.searcher()
        return {int(fields["id"]) for fields in searcher.all_stored_fields()}

    # --- writing: only search.indexing calls these --------------------------------------------
    def write(self, documents, deleted_ids, generation: Path | None = None) -> None:
        """One writer, one commit: delete then add. Waits for another writer's lock."""
        ix = self.open_index(generation)
        try:
            writer = ix.writer(timeout=WRITE_TIMEOUT, delay=0.05)
        except LockError:
            raise LockError(f"the search index stayed locked for {WRITE_TIMEOUT} s") from None
        try:
            # An index written before a field was added lacks it: leave the field out until
            # rebuild_index writes a generation with the current schema.
            known = set(ix.schema.names())
            with writer.searcher() as searcher:  # one searcher for all deletes, not one per call
                for article_id in deleted_ids:
                    writer.delete_by_term("id", str(article_id), searcher=searcher)
                for document in documents:
                    writer.delete_by_term("id", document["id"], searcher=searcher)
                    writer.add_document(**{name: value for name, value in document.items() if name in known})
            writer.commit()
        except BaseException:
            writer.cancel()
            raise

    def clear(self) -> None:
        self.swap_in(self.new_generation())


def _only_left_out(query) -> list | None:
    """The queries a query of only words to leave out leaves out ("-a -b": a and b), else None."""
    if isinstance(query, wq.Not):
        return [query.query]
    if isinstance(query, wq.And) and query.subqueries and all(isinstance(q, wq.Not) for q in query.subqueries):
        return [q.query for q in query.subqueries]
    return None


def _count(searcher, field: str, docnums) -> dict[str, int]:
    keys = columns.values(searcher, field)
    if field in columns.MULTI_VALUED:
        counts = Counter(chain.from_iterable(map(keys.__getitem__, docnums)))
    else:
        counts = Counter(map(keys.__getitem__, docnums))
    counts.pop("", None)  # articles without a club are no facet anyone can pick
    return dict(counts)


_backends: dict = {}


def get_backend() -> SearchBackend:
    """The backend NEWSDESK_SEARCH_BACKEND names: Whoosh in NEWSDESK_INDEX_DIR (tests point it at a
    folder of their own), or PostgreSQL's full-text search in the site's database."""
    if settings.NEWSDESK_SEARCH_BACKEND == "postgres":
        key = ("postgres",)
        if key not in _backends:
            _backends[key] = PostgresBackend()
        return _backends[key]
    root = Path(settings.NEWSDESK_INDEX_DIR)
    backend = _backends.get(("whoosh",))
    if backend is None or backend.root != root:
        backend = _backends[("whoosh",)] = WhooshBackend(root)
    return backend


__all__ = ["Hit", "IndexUnavailable", "Page", "PostgresBackend", "SearchBackend", "WhooshBackend", "get_backend"]
