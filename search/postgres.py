"""The search backend on PostgreSQL's full-text search, for a newsroom with several web machines:
every machine reaches the same database, where Whoosh's folder is local to one.

Documents are rows of `search_document` (search/migrations/0002): the tsvector of newsdesk's
own analysed terms (search.pg_text), the linked clubs' and players' slugs as arrays, the
source's key, the story's slug and the publication time. Queries are the search language's
tree compiled to SQL (search.pg_text); relevance is ts_rank with the title weighted A. Writes
are upserts in the writer's transaction, so any number of workers may write at once;
`search_term` keeps each term's document count for more-like-this, updated in term order so
concurrent writers never deadlock on it.
"""

import math
import time
from collections import Counter

from django.db import connection, transaction

from search import pg_text
from search.analysis import STOP_WORDS, TOKENS, edit_distance, fold, terms
from search.base import Hit, IndexUnavailable, Page, SearchBackend

KEY_TERMS = 12  # words of an article that more-like-this looks for
COMMON_SHARE = 0.1  # words in more than this share of the articles tell none apart…
COMMON_FROM = 1000  # …in an archive of at least this many (in a small one every word is "common")
SUGGESTION_CANDIDATES = 8
SIMILARITY = "0.2"  # trigram similarity from which a vocabulary word is a candidate


class PostgresBackend(SearchBackend):
    name = "postgres"

    def __init__(self):
        self._found = False

    # --- reading -----------------------------------------------------------------------------
    def search_tree(self, tree, *, offset=0, limit=10, filters=None, newest_first=False, facets=()) -> Page:
        where, params = self._where(tree, filters)
        counted = {}
        with self._cursor() as cursor:
            if "source" in facets:  # the count comes with the sources' counts: one query for both
                cursor.execute(f"SELECT source, count(*) FROM search_document WHERE {where} GROUP BY source", params)
                by_source = dict(cursor.fetchall())
                total = sum(by_source.values())
                counted["source"] = {key: count for key, count in by_source.items() if key}
            else:
                cursor.execute(f"SELECT count(*) FROM search_document WHERE {where}", params)
                total = cursor.fetchone()[0]
            rank = pg_text.rank_query(tree) if tree is not None and not newest_first else None
            if rank is None:
                cursor.execute(
                    f"SELECT article_id, 0.0 FROM search_document WHERE {where} "
                    "ORDER BY published DESC, article_id DESC LIMIT %s OFFSET %s",
                    [*params, limit, offset],
                )
            else:
                cursor.execute(
                    "SELECT article_id, ts_rank(vector, %s::tsquery, 1) AS score FROM search_document "
                    f"WHERE {where} ORDER BY score DESC, article_id DESC LIMIT %s OFFSET %s",
                    [rank, *params, limit, offset],
                )
            hits = [Hit(int(article_id), float(score)) for article_id, score in cursor.fetchall()]
            for name in facets:
                if name not in counted:
                    counted[name] = self._facet(cursor, name, where, params) if total else {}
        return Page(hits=hits, total=total, facets={name: counted[name] for name in facets})

    def _where(self, tree, filters) -> tuple[str, list]:
        parts, params = [], []
        if tree is not None:
            sql, values = pg_text.compile_tree(tree)
            parts.append(sql)
            params += values
        sql, values = pg_text.filter_sql(filters)
        if sql:
            parts.append(sql)
            params += values
        return " AND ".join(parts) or "TRUE", params

    def _facet(self, cursor, name: str, where: str, params: list) -> dict[str, int]:
        cursor.execute(
            f"SELECT key, count(*) FROM search_document, unnest({name}) AS key WHERE {where} GROUP BY key", params
        )
        return dict(cursor.fetchall())

    def more_like_this(self, article_id: int, text: str, limit: int = 10, filter=None) -> list[int]:
        return self.more_like_these({article_id: text}, limit=limit, filter=filter)[article_id]

    def more_like_these(self, texts: dict[int, str], limit: int = 10, filter=None) -> dict[int, list[int]]:
        """Articles sharing the most telling words of each text: its words weighted by count
        and rarity (tf·idf), the common ones left out, ranked by ts_rank."""
        counts = {article_id: Counter(terms(text)) for article_id, text in texts.items()}
        vocabulary = sorted(set().union(*counts.values())) if counts else []
        filter_sql, filter_params = pg_text.filter_sql(filter)
        similar = {}
        with self._cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_document")
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
                query = " | ".join(pg_text.lexeme(word) for word in key_terms[:KEY_TERMS])
                cursor.execute(
                    "SELECT article_id FROM search_document WHERE vector @@ %s::tsquery AND article_id <> %s"
                    + (f" AND {filter_sql}" if filter_sql else "")
                    + " ORDER BY ts_rank(vector, %s::tsquery) DESC, article_id DESC LIMIT %s",
                    [query, article_id, *filter_params, query, limit],
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
    def write(self, documents, deleted_ids, *, locked=False) -> None:
        """Replace the given documents and delete the others, in the caller's transaction, with
        the term counts moved by the difference. Writers of the same articles take turns (an
        advisory lock per article, taken in id order, unless the caller holds the whole table:
        `locked`); the term counts change in one statement, in term order, so writers of
        different articles never deadlock on them."""
        rows = list({row[0]: row for row in map(_row, documents)}.values())  # a document given twice: once
        replaced = sorted({row[0] for row in rows} | {int(pk) for pk in deleted_ids})
        if not replaced:
            return
        with self._cursor() as cursor:
            if not locked:
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

    @transaction.atomic
    def replace_all(self, chunks) -> int:
        """A rebuild: every document anew, in one transaction (searches see the old documents
        until it commits). `chunks` yields lists of documents.

        It holds the table (EXCLUSIVE: searches read on, other writers wait for the commit)
        rather than an advisory lock per article: those are held to the end of the transaction,
        and PostgreSQL's lock table (max_locks_per_transaction × max_connections, 6,400 by
        default) ran out at 12,000 articles."""
        with self._cursor() as cursor:
            cursor.execute("LOCK TABLE search_document IN EXCLUSIVE MODE")
            cursor.execute("DELETE FROM search_document")
            cursor.execute("DELETE FROM search_term")
            cursor.execute("DELETE FROM search_vocabulary")
        written = 0
        for documents in chunks:
            self.write(documents, [], locked=True)
            written += len(documents)
        with self._cursor() as cursor:
            cursor.execute("DELETE FROM search_term WHERE documents <= 0")
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


def _row(document: dict) -> tuple:
    title = document["title"]
    body = document["text"].split("\n", 2)[2] if document["text"].count("\n") >= 2 else ""
    return (
        int(document["id"]),
        document["published"],
        pg_text.document_vector(title, body),
        [slug for slug in document["clubs"].split(",") if slug],
        [slug for slug in document["players"].split(",") if slug],
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
