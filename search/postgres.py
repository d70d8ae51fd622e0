"""The search backend on PostgreSQL's full-text search, for a newsroom with several web machines:
every machine reaches the same database, where Whoosh's folder is local to one.

Documents are rows of `search_document` (search/migrations/0002): the tsvector of newsdesk's
own analysed terms and of its linked clubs, players and source (search.pg_text), those again as
arrays and a key for the facets, the story's slug and the publication time. Queries are the
search language's tree and filters as one tsquery (search.pg_text); relevance is ts_rank with
the title weighted A, or, for many matches, the RUM index's rank where PostgreSQL has the
extension (migration 0003). Writes are upserts in the writer's transaction, so any number of
workers may write at once; `search_term` keeps each term's document count for more-like-this,
updated in term order so concurrent writers never deadlock on it.
"""

import json
import math
import time
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction

from search import base, pg_text
from search.analysis import STOP_WORDS, TOKENS, edit_distance, fold, terms
from search.base import Hit, IndexUnavailable, Page, SearchBackend, pooled, within_postings
from search.language import QueryError

COMMON_SHARE = 0.1  # words in more than this share of the articles tell none apart…
COMMON_FROM = 1000  # …in an archive of at least this many (in a small one every word is "common")
SUGGESTION_CANDIDATES = 8
SIMILARITY = "0.2"  # trigram similarity from which a vocabulary word is a candidate
# Up to this many matches, ts_rank reads each one's tsvector from the table (about 10 ms); more
# are ranked in the RUM index where there is one.
RANK_READ = 200
QUERY_CANCELED = "57014"  # the SQLSTATE of a statement stopped by statement_timeout


class PostgresBackend(SearchBackend):
    name = "postgres"

    def __init__(self):
        self._found = False
        self._rum = None

    def _ranks_in_index(self) -> bool:
        """Whether the documents' words have a RUM index (search/migrations/0003), which ranks
        matches without reading them from the table."""
        if self._rum is None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT am.amname = 'rum' FROM pg_class AS index JOIN pg_am AS am ON am.oid = index.relam "
                    "WHERE index.relname = 'search_document_vector'"
                )
                row = cursor.fetchone()
            self._rum = bool(row and row[0])
        return self._rum

    # --- reading -----------------------------------------------------------------------------
    def search_tree(
        self, tree, *, offset=0, limit=10, filters=None, newest_first=False, facets=(), count_limit=None
    ) -> Page:
        where, params, indexed = self._where(tree, filters)
        rank = pg_text.rank_query(tree) if tree is not None and not newest_first else None
        with self._cursor() as cursor:
            if tree is None or indexed:
                return self._search(cursor, where, params, rank, indexed, offset, limit, facets, count_limit)
            # Only words to leave out: read from the table (see _where), which no index bounds.
            with _reading_for_at_most(cursor, settings.NEWSDESK_SEARCH_SCAN_MS):
                return self._search(cursor, where, params, rank, indexed, offset, limit, facets, count_limit)

    def _search(self, cursor, where, params, rank, indexed, offset, limit, facets, count_limit) -> Page:
        total, counted, matched, estimated = self._count(
            cursor, where, params, facets, count_limit, estimate=rank is not None, indexed=indexed
        )
        if matched is not None and total <= RANK_READ and total <= count_limit:  # all of them read
            # Few matches, read already: ranked or dated by their ids, without asking the
            # words' index again (a phrase with a rarer word is most of its cost there).
            where, params = "article_id = ANY(%s)", [matched]
        if estimated is not None and estimated >= base.RELEVANCE_POOL_FROM:
            return Page(
                hits=self._newest_ranked(cursor, where, params, rank, offset, limit),
                total=total,
                facets={name: counted[name] for name in facets},
            )
        if rank is None:
            cursor.execute(
                f"SELECT article_id, 0.0 FROM search_document WHERE {where} "
                "ORDER BY published DESC, article_id DESC LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
        elif total > RANK_READ and self._ranks_in_index():
            # The rank alone: a second key (the id, for ties) keeps the planner from reading
            # the matches in the index's rank order (it ranked all 15,000 matches of a word
            # in 480 ms instead of the best ten in 15). (Counting in that order too, in one
            # reading, was slower: a thousand rows fetched in rank order, 17 ms against 8.)
            cursor.execute(
                f"SELECT article_id, 1 / (vector <=> %s::tsquery) AS score FROM search_document WHERE {where} "
                "ORDER BY vector <=> %s::tsquery LIMIT %s OFFSET %s",
                [rank, *params, rank, limit, offset],
            )
        else:
            cursor.execute(
                "SELECT article_id, ts_rank(vector, %s::tsquery, 1) AS score FROM search_document "
                f"WHERE {where} ORDER BY score DESC, article_id DESC LIMIT %s OFFSET %s",
                [rank, *params, limit, offset],
            )
        hits = [Hit(int(article_id), float(score)) for article_id, score in cursor.fetchall()]
        return Page(hits=hits, total=total, facets={name: counted[name] for name in facets})

    @staticmethod
    def _newest_ranked(cursor, where: str, params: list, rank: str, offset: int, limit: int) -> list[Hit]:
        """A page of the order search.base.RELEVANCE_POOL describes: the newest matches ranked
        (read from the date index, each row tested as it comes: a few hundred rows for a
        common word), then the rest by date."""
        in_pool, after = pooled(offset, limit)
        rows = []
        if in_pool:
            cursor.execute(
                "SELECT article_id, ts_rank(vector, %s::tsquery, 1) AS score FROM ("
                f"SELECT article_id, vector FROM search_document WHERE {where} "
                "ORDER BY published DESC, article_id DESC LIMIT %s) AS newest "
                "ORDER BY score DESC, article_id DESC LIMIT %s OFFSET %s",
                [rank, *params, base.RELEVANCE_POOL, len(in_pool), in_pool.start],
            )
            rows += cursor.fetchall()
        if after:
            cursor.execute(
                f"SELECT article_id, 0.0 FROM search_document WHERE {where} "
                "ORDER BY published DESC, article_id DESC LIMIT %s OFFSET %s",
                [*params, len(after), after.start],
            )
            rows += cursor.fetchall()
        return [Hit(int(article_id), float(score)) for article_id, score in rows]

    @staticmethod
    def _count(cursor, where: str, params: list, facets, count_limit=None, estimate=False, indexed=True):
        """The number of matches, the facets' counts and, when the reading was bounded, the ids
        of the matches read: all from one reading of the matches. Each array facet (clubs,
        players) is counted over the same rows, materialised once. With a count_limit, the
        reading stops after count_limit + 1 matches: GIN and RUM indexes cannot count, so an
        exact count reads every match's row (144,000 rows, 200-250 ms, for a word in one
        article in seven at a million articles).

        With `estimate`, when there were more matches than the limit, the planner's estimate of
        them all comes fourth (else None), asked before the settings go back (one statement
        fewer); it was within 5 % for words at a million articles, far under for phrases."""
        if count_limit is None and not facets:
            cursor.execute(f"SELECT count(*) FROM search_document WHERE {where}", params)
            return cursor.fetchone()[0], {}, None, None
        bound = f" LIMIT {int(count_limit) + 1}" if count_limit is not None else ""
        reading = f"SELECT article_id, source, clubs, players FROM search_document WHERE {where}{bound}"

        def estimated(total):
            if not (estimate and bound and total > count_limit):
                return None
            cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM search_document WHERE {where}", params)
            plan = cursor.fetchone()[0]
            return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]

        if not facets:
            with _bitmap_scans(cursor, bound and indexed):
                cursor.execute(reading, params)
                matched = [row[0] for row in cursor.fetchall()]
                rows_estimated = estimated(len(matched))
            return len(matched), {}, matched, rows_estimated
        arrays = [name for name in facets if name in ("clubs", "players")]
        counts = ["SELECT 'source', source, count(*) FROM matched GROUP BY source"]
        counts += [
            f"SELECT '{name}', key, count(*) FROM matched, unnest({name}) AS key GROUP BY key" for name in arrays
        ]
        if bound:
            counts.append("SELECT 'id', article_id::text, 0 FROM matched")
        with _bitmap_scans(cursor, bound and indexed):
            cursor.execute(f"WITH matched AS MATERIALIZED ({reading}) " + " UNION ALL ".join(counts), params)
            rows = cursor.fetchall()
            rows_estimated = estimated(sum(count for name, _key, count in rows if name == "source"))
        counted: dict[str, dict[str, int]] = {name: {} for name in ("source", *arrays)}
        matched = [] if bound else None
        for name, key, count in rows:
            if name == "id":
                matched.append(int(key))
            else:
                counted[name][key] = count
        total = sum(counted["source"].values())
        counted["source"].pop("", None)
        return total, counted, matched, rows_estimated

    def _where(self, tree, filters) -> tuple[str, list, bool]:
        """The query and its club, player and source filters as one tsquery (search.pg_text),
        and the story and dates as columns; and whether the words' index answers it (not for
        a query of words to leave out only: forced into a bitmap of the table's every row, the
        planner's costs passed JIT's threshold, 500 ms where the plain scan stops early)."""
        parts, params, indexed = [], [], True
        entities = pg_text.filter_lexemes(filters)
        if tree is not None and not entities and pg_text.needs_no_word(tree):
            indexed = False
            # Only words to leave out: the documents without them, never through the index (see
            # pg_text.needs_no_word). Read from the table, but a page and a bounded count stop
            # early: most documents lack a given word.
            parts.append("NOT (vector @@ %s::tsquery)")
            params.append(f"!{pg_text.tsquery(tree)}")
        elif tree is not None or entities:
            parts.append("vector @@ %s::tsquery")
            params.append(" & ".join(([pg_text.tsquery(tree)] if tree is not None else []) + entities))
        sql, values = pg_text.filter_sql(filters)
        if sql:
            parts.append(sql)
            params += values
        return " AND ".join(parts) or "TRUE", params, indexed and bool(parts)

    def more_like_this(self, article_id: int, text: str, limit: int = 10, filter=None) -> list[int]:
        return self.more_like_these({article_id: text}, limit=limit, filter=filter)[article_id]

    def more_like_these(self, texts: dict[int, str], limit: int = 10, filter=None) -> dict[int, list[int]]:
        """Articles sharing the most telling words of each text: its words weighted by count
        and rarity (tf·idf), the common ones left out, ranked by ts_rank."""
        counts = {article_id: Counter(terms(text)) for article_id, text in texts.items()}
        vocabulary = sorted(set().union(*counts.values())) if counts else []
        filter_sql, filter_params = pg_text.filter_sql(filter)
        within = " & ".join(pg_text.filter_lexemes(filter))
        similar = {}
        with self._cursor() as cursor:
            # The planner's row estimate (kept by ANALYZE, which every rebuild and bulk run
            # ends with) is near enough for a word's rarity; an exact count read the whole
            # table (13 ms of a 50 ms related list at 100,000 articles). A small or never
            # analysed table is counted.
            cursor.execute(
                "SELECT CASE WHEN reltuples >= 10000 THEN reltuples::bigint"
                " ELSE (SELECT count(*) FROM search_document) END"
                " FROM pg_class WHERE oid = 'search_document'::regclass"
            )
            documents = cursor.fetchone()[0] or 1
            cursor.execute("SELECT term, documents FROM search_term WHERE term = ANY(%s)", [vocabulary])
            frequency = dict(cursor.fetchall())
            for article_id, words in counts.items():
                scored = [
                    (count * math.log(documents / frequency[word]), word)
                    for word, count in words.items()
                    if frequency.get(word) and (documents < COMMON_FROM or frequency[word] <= COMMON_SHARE * documents)
                ]
                key_terms = [word for _score, word in sorted(scored, key=lambda pair: (-pair[0], pair[1]))]
                if not key_terms:
                    similar[article_id] = []
                    continue
                query = " | ".join(pg_text.lexeme(word) for word in within_postings(key_terms, frequency.__getitem__))
                matching = f"({query}) & {within}" if within else query
                order = (
                    "vector <=> %s::tsquery"
                    if self._ranks_in_index()
                    else "ts_rank(vector, %s::tsquery) DESC, article_id DESC"
                )
                cursor.execute(
                    "SELECT article_id FROM search_document WHERE vector @@ %s::tsquery AND article_id <> %s"
                    + (f" AND {filter_sql}" if filter_sql else "")
                    + f" ORDER BY {order} LIMIT %s",
                    [matching, article_id, *filter_params, query, limit],
                )
                similar[article_id] = [row[0] for row in cursor.fetchall()]
        return similar

    def suggest_word(self, word: str, stem: str) -> str | None:
        """A title word near `word` (folded, lower case) when neither it nor its stem is indexed:
        candidates by trigram similarity (pg_trgm), then the fewest edits, as Whoosh's corrector."""
        with self._cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM search_vocabulary WHERE word = %s)"
                " OR EXISTS (SELECT 1 FROM search_term WHERE term = %s AND documents > 0)",
                [word, stem],
            )
            if cursor.fetchone()[0]:
                return None
            # pg_trgm's default threshold (0.3) misses one letter off a short word ("gank": "genk"
            # shares 2 of 8 trigrams); the edit distance below decides.
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, false)", [SIMILARITY])
            cursor.execute(
                "SELECT word FROM search_vocabulary WHERE word %% %s ORDER BY similarity(word, %s) DESC, word LIMIT %s",
                [word, word, SUGGESTION_CANDIDATES],
            )
            near = [(edit_distance(word, found), found) for (found,) in cursor.fetchall()]
        near = [pair for pair in near if pair[0] <= 2]
        return min(near)[1] if near else None

    def exists(self) -> bool:
        if connection.vendor != "postgresql":
            return False
        if not self._found:  # once there, the tables stay (clear() empties them)
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass('search_document') IS NOT NULL")
                self._found = cursor.fetchone()[0]
        return self._found

    def document_ids(self) -> set[int]:
        if not self.exists():
            return set()
        with self._cursor() as cursor:
            cursor.execute("SELECT article_id FROM search_document")
            return {row[0] for row in cursor.fetchall()}

    def status(self) -> dict:
        with self._cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_document")
            documents = cursor.fetchone()[0]
            cursor.execute("SELECT value FROM search_state WHERE name = 'rebuilt_at'")
            row = cursor.fetchone()
        rebuilt = float(row[0]) if row else None
        return {
            "generation": "postgresql",
            "generation_age_seconds": round(time.time() - rebuilt) if rebuilt else None,
            "documents": documents,
        }

    def _cursor(self):
        if not self.exists():
            raise IndexUnavailable("no search tables in this database (NEWSDESK_SEARCH_BACKEND=postgres needs "
                                   "PostgreSQL and manage.py migrate)")  # fmt: skip
        return connection.cursor()

    # --- writing: only search.indexing calls these --------------------------------------------
    @transaction.atomic
    def write(self, documents, deleted_ids) -> None:
        """Replace the given documents and delete the others, in the caller's transaction, with
        the term counts moved by the difference. Writers of the same articles take turns (an
        advisory lock per article, taken in id order); the term counts change in one statement,
        in term order, so writers of different articles never deadlock on them."""
        rows = list({row[0]: row for row in map(_row, documents)}.values())  # a document given twice: once
        replaced = sorted({row[0] for row in rows} | {int(pk) for pk in deleted_ids})
        if not replaced:
            return
        with self._cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(hashtextextended('search_document:' || id, 0)))"
                " FROM (SELECT id FROM unnest(%s::bigint[]) AS id ORDER BY id) AS ordered",
                [replaced],
            )
            cursor.execute(
                "INSERT INTO search_term (term, documents) "
                "SELECT term, sum(change) FROM ("
                "  SELECT unnest(tsvector_to_array(vector)) AS term, -1 AS change"
                "    FROM search_document WHERE article_id = ANY(%s)"
                "  UNION ALL"
                "  SELECT unnest(tsvector_to_array(new::tsvector)), 1 FROM unnest(%s::text[]) AS new"
                ") AS changes GROUP BY term HAVING sum(change) <> 0 ORDER BY term "
                "ON CONFLICT (term) DO UPDATE SET documents = search_term.documents + EXCLUDED.documents",
                [replaced, [row[2] for row in rows]],
            )
            cursor.execute("DELETE FROM search_document WHERE article_id = ANY(%s)", [replaced])
            if not rows:
                return
            cursor.executemany(
                "INSERT INTO search_document (article_id, published, vector, clubs, players, source, story, words)"
                " VALUES (%s, %s, %s::tsvector, %s, %s, %s, %s, %s)",
                rows,
            )
            titles = sorted({word for document in documents for word in title_words(document["title"])})
            if titles:
                cursor.execute(
                    "INSERT INTO search_vocabulary (word) SELECT unnest(%s::text[]) ORDER BY 1 ON CONFLICT DO NOTHING",
                    [titles],
                )

    def prepare(self, documents) -> "Prepared":
        """Documents analysed into rows for replace_all (search.indexing makes them in several
        processes at once: the analysis is most of a rebuild's work)."""
        rows = {row[0]: row for row in map(_row, documents)}  # a document given twice: once
        words = {word for document in documents for word in title_words(document["title"])}
        return Prepared(list(rows.values()), words)

    @transaction.atomic
    def replace_all(self, chunks) -> int:
        """A rebuild: every document anew, in one transaction (searches read the old documents
        until it commits). `chunks` yields prepare()'s results.

        The documents go into a new table without indexes (COPY), which then gets the live
        table's indexes, built once, and takes its place; the term counts are counted once at
        the end. Written into the live table, each document updated the GIN index and the
        counts of all its terms: a rebuild of 100,000 articles slowed from 270 to 60 articles a
        second as the term table filled with dead versions. The live table is held meanwhile
        (EXCLUSIVE: searches read on; writers wait, and once it is replaced fail and leave their
        articles stale for the next index run)."""
        columns = "article_id, published, vector, clubs, players, source, story, words"
        vocabulary, written = set(), 0
        with self._cursor() as cursor:
            cursor.execute("LOCK TABLE search_document IN EXCLUSIVE MODE")
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = 'search_document' ORDER BY indexname"
            )
            indexes = cursor.fetchall()
            cursor.execute("DROP TABLE IF EXISTS search_document_next")
            cursor.execute("CREATE TABLE search_document_next (LIKE search_document INCLUDING DEFAULTS)")
            for prepared in chunks:
                with cursor.cursor.copy(f"COPY search_document_next ({columns}) FROM STDIN") as copy:
                    for row in prepared.documents:
                        copy.write_row(row)
                vocabulary |= prepared.title_words
                written += len(prepared.documents)
            for name, definition in indexes:
                cursor.execute(_on_next_table(name, definition))
            cursor.execute("DROP TABLE search_document")
            cursor.execute("ALTER TABLE search_document_next RENAME TO search_document")
            for name, _definition in indexes:
                cursor.execute(f"ALTER INDEX {name}_next RENAME TO {name}")
            cursor.execute(
                "ALTER TABLE search_document ADD CONSTRAINT search_document_pkey PRIMARY KEY USING INDEX "
                "search_document_pkey"
            )
            cursor.execute("TRUNCATE search_term, search_vocabulary")
            cursor.execute(
                "INSERT INTO search_term (term, documents) SELECT term, count(*) "
                "FROM search_document, unnest(tsvector_to_array(vector)) AS term GROUP BY term"
            )
            cursor.execute(
                "INSERT INTO search_vocabulary (word) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING",
                [sorted(vocabulary)],
            )
            cursor.execute(
                "INSERT INTO search_state (name, value) VALUES ('rebuilt_at', %s) "
                "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                [str(time.time())],
            )
            cursor.execute("ANALYZE search_document")
        return written

    def clear(self) -> None:
        with self._cursor() as cursor:
            cursor.execute("TRUNCATE search_document, search_term, search_vocabulary")


@contextmanager
def _bitmap_scans(cursor, bounded):
    """For a reading of the first matches (LIMIT), plans that find the matches in the index.
    Told that a word is in one article in seven, PostgreSQL expects the first thousand within
    7,000 rows and reads the table from the start, testing each row's words: 37 ms at 100,000
    articles, where the index's bitmap of the matches and the first thousand rows take 3 ms (its
    costs leave out decompressing each row's tsvector)."""
    if not bounded:
        yield
        return
    with _settings(cursor, enable_seqscan="off", enable_indexscan="off"):
        yield


@contextmanager
def _reading_for_at_most(cursor, milliseconds: int):
    """Statements that give up after `milliseconds` (statement_timeout), as a QueryError (a 400
    for the reader). For a search no index answers: "-bleef", a word in 99 % of the articles,
    reads every row to find the other 1 % (850 ms at 100,000 articles, ten times that at a
    million). In a transaction (a savepoint where the caller has one already) that a timeout
    rolls back, so the caller's own transaction stays usable and the setting goes back."""
    try:
        with transaction.atomic():
            # The table first, without a time limit, which counts waiting for locks too: a
            # rebuild holds the table for seconds as it puts the new one in place, and a
            # search waits for it (as any other does) instead of failing.
            cursor.execute("LOCK TABLE search_document IN ACCESS SHARE MODE")
            with _settings(cursor, statement_timeout=f"{int(milliseconds)}ms"):
                yield
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) != QUERY_CANCELED:
            raise
        raise QueryError(
            "Deze zoekopdracht vraagt te veel werk: bijna elk artikel moet erop nagekeken worden. "
            "Zoek op een woord dat erin moet staan (bv. genk -transfer)."
        ) from None


@contextmanager
def _settings(cursor, **values):
    """Planner and run-time settings for the statements within; the settings as they were are
    put back after them (and a transaction that fails takes the change back with it), so the
    rest of a request runs as usual. Two statements around them."""
    names = list(values)
    cursor.execute(
        "SELECT " + ", ".join(["current_setting(%s)"] * len(names) + ["set_config(%s, %s, false)"] * len(names)),
        [*names, *(item for pair in values.items() for item in pair)],
    )
    before = cursor.fetchone()[: len(names)]
    restore = (
        "SELECT " + ", ".join(["set_config(%s, %s, false)"] * len(names)),
        [item for pair in zip(names, before, strict=True) for item in pair],
    )
    try:
        yield
    except BaseException:
        if not connection.in_atomic_block:  # in a transaction, its rollback puts them back
            with suppress(DatabaseError):  # a connection that broke is closed, settings and all
                cursor.execute(*restore)
        raise
    cursor.execute(*restore)


@dataclass
class Prepared:
    """Documents as rows of search_document, and their titles' words for suggestions."""

    documents: list[tuple]
    title_words: set[str]


def _on_next_table(name: str, definition: str) -> str:
    """A live index's definition (pg_get_indexdef), for the table that replaces it; the primary
    key's index becomes a plain unique one, made the key once the table is in place."""
    head, on, rest = definition.partition(" ON ")
    table, _space, using = rest.partition(" ")
    if not on or not table.endswith("search_document"):
        raise ValueError(f"unexpected index definition: {definition}")
    return f"{head.replace(name, name + '_next', 1)} ON {table}_next {using}"


def _row(document: dict) -> tuple:
    title = document["title"]
    body = document["text"].split("\n", 2)[2] if document["text"].count("\n") >= 2 else ""
    clubs = [slug for slug in document["clubs"].split(",") if slug]
    players = [slug for slug in document["players"].split(",") if slug]
    return (
        int(document["id"]),
        document["published"],
        pg_text.document_vector(title, body, clubs, players, document["source"]),
        clubs,
        players,
        document["source"],
        document["story"] or "",
        len(terms(body)),
    )


def title_words(title: str) -> list[str]:
    """The title's whole words for suggestions, as Whoosh's spelling field holds them: folded,
    lower case, no stop words, three letters or more."""
    words = (fold(token.lower()) for token in TOKENS.findall(title))
    return [word for word in words if len(word) >= 3 and word not in STOP_WORDS and word.isalpha()]


__all__ = ["PostgresBackend"]
