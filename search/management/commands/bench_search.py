"""Search benchmark: synthetic Dutch articles into the database, a full index rebuild, then at
least 200 timed queries of each kind, through the search backend's interface (search.base), for
each backend asked (`--backend whoosh --backend postgres`: side by side on the same archive; the
PostgreSQL backend needs a PostgreSQL database), and the same corpus and queries in SQLite FTS5
for comparison. Prints JSON; make bench-search runs it on a database and index folder of its own."""

import itertools
import json
import random
import re
import sqlite3
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from articles import selectors
from articles.bench import archive as bench_archive
from articles.bench.runs import BenchCommand, percentiles
from articles.models import Article, ArticleClub
from search import indexing, language
from search.analysis import normalize_word
from search.backend import get_backend
from search.searching import snippet

# Common words (in 10-20 % of the articles) and specific ones (2-5 %); the run prints each one's share.
ONE = ["doelman", "strafschop", "blessure", "transfer", "hamstring", "kruisband", "zaakwaarnemer", "shirtsponsor"]
TWO = ["doelman blessure", "strafschop scheidsrechter", "transfer contract", "kruisband operatie", "makelaar bod"]
PHRASES = ['"gele kaart"', '"vrije trap"', '"de technische staf"', '"eerste helft"', '"rode kaart"']
LEFT_OUT = [f"-{word}" for word in ONE]  # only words to leave out: no index answers them


def timed(function, repeat: int) -> dict:
    durations = []
    for n in range(repeat):
        started = time.perf_counter()
        function(n)
        durations.append((time.perf_counter() - started) * 1000)
    return percentiles(durations)


class Command(BenchCommand):
    help = "Benchmark search on the synthetic archive (loaded first when it is smaller than asked)."
    repeat = ("queries", 200)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--backend",
            action="append",
            choices=["whoosh", "postgres"],
            help="backend to measure (repeat for several; default: NEWSDESK_SEARCH_BACKEND)",
        )
        parser.add_argument("--load-only", action="store_true", help="load the archive, measure nothing")
        parser.add_argument(
            "--keep-index", action="store_true", help="time the queries on the index as it is (no rebuild)"
        )
        parser.add_argument(
            "--no-reference",
            action="store_true",
            help="leave out SQLite FTS5 (at 1,000,000 articles its build and more-like-this take half an hour)",
        )

    def handle(self, *args, articles, queries, backend, load_only, keep_index, **options):
        out = {"articles": articles, "database": connection.vendor}
        bench_archive.load_for(out, articles, self.stderr, bulk=options["bulk"])
        if load_only:
            self.stdout.write(json.dumps(out, indent=2))
            return
        shares = indexing.frequent_words()
        out["share_of_articles_per_word"] = {word: round(shares.get(normalize_word(word), 0), 3) for word in ONE}
        rng = random.Random(5)
        club_slugs = list(ArticleClub.objects.values_list("club__slug", flat=True).distinct()[:60])
        ids = list(Article.objects.values_list("pk", flat=True))
        rarer = _phrases_with_a_rarer_word(frozenset(shares))
        out["phrases_with_a_rarer_word"] = rarer[:5]
        # The word in most articles, left out: every article read to find the few without it.
        most = _surface_word(max(shares, key=shares.get))
        out["word_in_most_articles"] = {"word": most, "share": round(shares[normalize_word(most)], 3)}
        chosen = backend or [settings.NEWSDESK_SEARCH_BACKEND]
        for name in chosen:
            out[name] = self._backend(name, queries, club_slugs, ids, rarer, most, random.Random(5), keep_index)
        if options["no_reference"]:
            self.stdout.write(json.dumps(out, indent=2))
            return
        out["fts5"] = _fts5(queries, club_slugs, ids, rng, rarer, most)
        for name in chosen:
            kinds = out[name]["queries"]
            out[f"ratio_{name}_over_fts5_p95"] = {
                kind: round(kinds[kind]["p95_ms"] / out["fts5"][kind]["p95_ms"], 1)
                for kind in kinds
                if kind in out["fts5"] and out["fts5"][kind]["p95_ms"] > 0
            }
        self.stdout.write(json.dumps(out, indent=2))

    def _backend(self, name, queries, club_slugs, ids, rarer, most, rng, keep_index=False) -> dict:
        settings.NEWSDESK_SEARCH_BACKEND = name  # this process only: get_backend() reads it per call
        result = {}
        if not keep_index:
            started = time.perf_counter()
            indexing.rebuild()
            result["rebuild_seconds"] = round(time.perf_counter() - started, 1)
        if name == "whoosh":
            result["index_mb"] = round(_size(Path(settings.NEWSDESK_INDEX_DIR)) / 2**20, 1)
        else:
            result["index_mb"] = _pg_size()
        backend = get_backend()

        def run(text, **kwargs):  # counted as the site counts (NEWSDESK_SEARCH_COUNT_LIMIT)
            return backend.search_tree(
                language.parse(text), limit=10, count_limit=settings.NEWSDESK_SEARCH_COUNT_LIMIT, **kwargs
            )

        run("doelman")  # open the searcher once; every timed query reuses it
        refused = []

        def run_or_refused(text):  # a query that gives up is a 400 to the reader: counted, timed
            try:
                run(text)
            except language.QueryError:
                refused.append(text)

        result["queries"] = {
            "one_term": timed(lambda n: run(ONE[n % len(ONE)]), queries),
            "two_terms": timed(lambda n: run(TWO[n % len(TWO)]), queries),
            "phrase": timed(lambda n: run(PHRASES[n % len(PHRASES)]), queries),
            "phrase_with_a_rarer_word": timed(lambda n: run(rarer[n % len(rarer)]), queries),
            "term_with_club_filter": timed(
                lambda n: run(ONE[n % len(ONE)], filters=language.Filters(club=club_slugs[n % len(club_slugs)])),
                queries,
            ),
            "newest_first": timed(lambda n: run(ONE[n % len(ONE)], newest_first=True), queries),
            "with_facets": timed(lambda n: run(ONE[n % len(ONE)], facets=("clubs", "source")), queries),
            "top10_with_snippets": timed(lambda n: _with_snippets(run, ONE[n % len(ONE)]), queries),
            "more_like_this": timed(lambda n: _more_like_this(backend, rng.choice(ids)), queries),
            "only_words_left_out": timed(lambda n: run_or_refused(LEFT_OUT[n % len(LEFT_OUT)]), queries),
        }
        result["only_words_left_out_refused"] = len(refused)
        refused.clear()
        result["queries"]["word_in_most_left_out"] = timed(lambda n: run_or_refused(f"-{most}"), queries)
        result["word_in_most_left_out_refused"] = len(refused)
        return result


def _phrases_with_a_rarer_word(frequent, count=40):
    """Two adjacent words from the archive, one frequent and one not: a phrase the index kept
    no word pair for until it paired common words with any neighbour (search.analysis.
    PairTokenizer); with a frequent word that is not common it is still checked by positions."""
    phrases = []
    for body in Article.objects.order_by("pk").values_list("body", flat=True)[
        :: max(Article.objects.count() // count, 1)
    ]:
        words = re.findall(r"\w+", body)
        for first, second in itertools.pairwise(words):
            pair = (normalize_word(first), normalize_word(second))
            if None not in pair and sum(word in frequent for word in pair) == 1:
                phrases.append(f'"{first} {second}"')
                break
    return phrases


def _surface_word(term: str) -> str:
    """A word of the archive as written whose analysed term is `term` (FTS5 does not stem)."""
    for body in Article.objects.order_by("pk").values_list("body", flat=True)[:100]:
        for word in re.findall(r"\w+", body):
            if normalize_word(word) == term:
                return word.lower()
    return term


def _with_snippets(run, text):
    """A page of results as the search page reads it (selectors.search_results: what a result
    shows, with its clubs and players, not the stored HTML), with its snippets."""
    page = run(text)
    terms = language.wanted_words(language.parse(text))
    found = {article.pk: article for article in selectors.search_results([hit.id for hit in page.hits])}
    return [snippet(found[hit.id].body, terms, found[hit.id].teaser) for hit in page.hits if hit.id in found]


def _more_like_this(backend, article_id):
    body = Article.objects.values_list("body", flat=True).get(pk=article_id)
    return backend.more_like_this(article_id, body, limit=10)


def _pg_size() -> float:
    """The PostgreSQL backend's tables and their indexes, in MB."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "WHERE c.relkind = 'r' AND c.relname IN ('search_document', 'search_term', 'search_vocabulary')"
        )
        return round(float(cursor.fetchone()[0] or 0) / 2**20, 1)


def _size(path: Path) -> int:
    live = (path / "current").resolve()
    return sum(f.stat().st_size for f in live.rglob("*") if f.is_file())


def _fts5(queries, club_slugs, ids, rng, rarer, most):
    """The same corpus in SQLite FTS5 (unicode61, diacritics removed), the same kinds of query."""
    folder = tempfile.mkdtemp(prefix="fts5-")
    db = sqlite3.connect(Path(folder) / "fts.sqlite3")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='unicode61 remove_diacritics 2')")
    db.execute("CREATE TABLE meta (id INTEGER PRIMARY KEY, published TEXT)")
    db.execute("CREATE TABLE clubs (article_id INTEGER, club TEXT)")
    started = time.perf_counter()
    rows = Article.objects.values_list("pk", "title", "body", "published_at").iterator(chunk_size=5000)
    for pk, title, body, published in rows:
        db.execute("INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)", (pk, title, body))
        db.execute("INSERT INTO meta VALUES (?, ?)", (pk, published.isoformat()))
    db.executemany("INSERT INTO clubs VALUES (?, ?)", ArticleClub.objects.values_list("article_id", "club__slug"))
    db.execute("CREATE INDEX clubs_club ON clubs (club, article_id)")
    db.commit()
    build = time.perf_counter() - started

    def match(sql, *params):
        return db.execute(sql, params).fetchall()

    top = "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10"
    left_out = (
        "SELECT rowid FROM docs WHERE rowid NOT IN (SELECT rowid FROM docs WHERE docs MATCH ?) "
        "ORDER BY rowid DESC LIMIT 10"
    )
    result = {
        "build_seconds": round(build, 1),
        "one_term": timed(lambda n: match(top, ONE[n % len(ONE)]), queries),
        "two_terms": timed(lambda n: match(top, TWO[n % len(TWO)]), queries),
        "phrase": timed(lambda n: match(top, PHRASES[n % len(PHRASES)]), queries),
        "phrase_with_a_rarer_word": timed(lambda n: match(top, rarer[n % len(rarer)]), queries),
        "term_with_club_filter": timed(
            lambda n: match(
                "SELECT docs.rowid FROM docs JOIN clubs ON clubs.article_id = docs.rowid "
                "WHERE docs MATCH ? AND clubs.club = ? ORDER BY rank LIMIT 10",
                ONE[n % len(ONE)],
                club_slugs[n % len(club_slugs)],
            ),
            queries,
        ),
        "newest_first": timed(
            lambda n: match(
                "SELECT docs.rowid FROM docs JOIN meta ON meta.id = docs.rowid WHERE docs MATCH ? "
                "ORDER BY meta.published DESC LIMIT 10",
                ONE[n % len(ONE)],
            ),
            queries,
        ),
        "top10_with_snippets": timed(
            lambda n: match(
                "SELECT rowid, snippet(docs, 1, '<mark>', '</mark>', ' … ', 24) FROM docs WHERE docs MATCH ? "
                "ORDER BY rank LIMIT 10",
                ONE[n % len(ONE)],
            ),
            queries,
        ),
        "more_like_this": timed(lambda n: _fts5_more_like_this(db, rng.choice(ids)), queries),
        # FTS5 cannot match only a NOT: the newest rows outside the word's matches.
        "only_words_left_out": timed(lambda n: match(left_out, ONE[n % len(ONE)]), queries),
        "word_in_most_left_out": timed(lambda n: match(left_out, most), queries),
    }
    result["size_mb"] = round(sum(f.stat().st_size for f in Path(folder).iterdir()) / 2**20, 1)
    db.close()
    return result


def _fts5_more_like_this(db, article_id):
    """FTS5 has no more-like-this: the article's 12 most frequent long words, ORed."""
    (body,) = db.execute("SELECT body FROM docs WHERE rowid = ?", (article_id,)).fetchone()
    words = re.findall(r"\w{6,}", body.lower())
    common = sorted(set(words), key=lambda w: -words.count(w))[:12]
    query = " OR ".join(f'"{w}"' for w in common)
    return db.execute(
        "SELECT rowid FROM docs WHERE docs MATCH ? AND rowid != ? ORDER BY rank LIMIT 10", (query, article_id)
    ).fetchall()
