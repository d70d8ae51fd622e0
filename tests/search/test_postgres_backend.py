"""What is PostgreSQL's own in its search backend: switching to it with rebuild_index, the term
counts more-like-this reads kept right through updates and deletions, several writers at once,
related lists, and /healthz. (What a reader sees runs on both backends: tests/search/test_search.py
and test_language.py, through the `search_backend` fixture.)"""

import subprocess
import sys
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from search import indexing, language
from search import postgres as postgres_backend
from search.backend import get_backend
from tests.factories import ArticleFactory
from tests.services import require, subprocess_env

pytestmark = [pytest.mark.postgresql]


@pytest.fixture
def postgres(settings):
    settings.NEWSDESK_SEARCH_BACKEND = "postgres"
    return get_backend()


def term_counts():
    with connection.cursor() as cursor:
        cursor.execute("SELECT term, documents FROM search_term WHERE documents > 0 ORDER BY term")
        kept = dict(cursor.fetchall())
        cursor.execute("SELECT word, ndoc FROM ts_stat('SELECT vector FROM search_document') ORDER BY word")
        actual = dict(cursor.fetchall())
    return kept, actual


@pytest.mark.django_db
def test_switching_is_the_variable_and_rebuild_index(postgres, capsys):
    articles = [
        ArticleFactory(title=f"Genk wint match {n}", body=f"KRC Genk won wedstrijd {n} met 2-0.") for n in range(5)
    ]
    call_command("rebuild_index", "--quiet")
    assert "index rebuilt: 5 articles" in capsys.readouterr().out
    assert postgres.document_ids() == {article.pk for article in articles}
    call_command("check_index")  # exits 1 on a difference
    page = postgres.search_tree(None, limit=3)
    assert page.total == 5 and len(page.hits) == 3
    status = postgres.status()
    assert status["documents"] == 5 and status["generation"] == "postgresql"
    assert status["generation_age_seconds"] is not None


@pytest.mark.django_db
def test_a_rebuild_takes_no_lock_per_article(postgres):
    """Advisory locks last until the transaction ends: one per article in a rebuild (a single
    transaction) ran out of PostgreSQL's lock table at 12,000 articles. It holds the tables."""
    articles = [ArticleFactory(title=f"Genk wint match {n}", body=f"KRC Genk won wedstrijd {n}.") for n in range(30)]
    indexing.rebuild()  # in the test's transaction: its locks are still held here
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT locktype, mode FROM pg_locks WHERE pid = pg_backend_pid() AND granted"
            " AND (locktype = 'advisory' OR (locktype = 'relation' AND relation = 'search_document'::regclass))"
        )
        held = cursor.fetchall()
    assert ("advisory", "ExclusiveLock") not in held
    assert ("relation", "AccessExclusiveLock") in held  # the table that took the live one's place
    assert postgres.document_ids() == {article.pk for article in articles}


@pytest.mark.django_db
def test_term_counts_follow_updates_and_deletions(postgres):
    first = ArticleFactory(title="Genk wint", body="Genk won van Westerlo.")
    second = ArticleFactory(title="Westerlo verliest", body="Westerlo verloor van Genk.")
    indexing.index_pending()
    first.body = "Genk speelde gelijk tegen Anderlecht."
    first.save()
    indexing.index_pending()
    second.delete()
    indexing.index_pending()
    kept, actual = term_counts()
    assert kept == actual
    assert "westerlo" not in kept and kept["anderlecht"] == 1


@pytest.mark.django_db(transaction=True)
def test_several_writers_at_once_neither_deadlock_nor_miscount(postgres):
    """Four threads, each with its own connection, write overlapping articles (the same common
    words) at once: every write commits, and the counts equal PostgreSQL's own."""
    articles = [
        ArticleFactory(title=f"Genk en Anderlecht {n}", body="Genk Anderlecht Brugge Westerlo doelman " * 5)
        for n in range(40)
    ]
    documents = indexing._documents([article.pk for article in articles])
    errors = []

    def write(part):
        try:
            for _ in range(3):
                postgres.write([documents[article.pk] for article in part], [])
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(articles[n::4] + articles[:4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert postgres.document_ids() == {article.pk for article in articles}
    kept, actual = term_counts()
    assert kept == actual


@pytest.mark.django_db
def test_related_lists_come_from_postgres(postgres):
    call_command("load_gazetteer")
    transfer = [
        ArticleFactory(title=f"Transfer van Steuckers {n}", body="Jarne Steuckers tekent bij een Duitse club. " * 3)
        for n in range(3)
    ]
    other = ArticleFactory(title="Wielrennen", body="Een renner wint de etappe in de Alpen na een lange ontsnapping.")
    indexing.index_pending()
    similar = postgres.more_like_these({article.pk: f"{article.title}\n{article.body}" for article in transfer})
    for article in transfer:
        assert set(similar[article.pk]) == {a.pk for a in transfer} - {article.pk}
    assert other.pk not in similar[transfer[0].pk]
    call_command("refresh_related")
    assert Article.objects.get(pk=transfer[0].pk).related_ids


@pytest.mark.django_db
def test_healthz_reports_the_postgres_backend(postgres, client):
    ArticleFactory()
    call_command("rebuild_index", "--quiet")
    index = client.get("/healthz").json()["checks"]["index"]
    assert index["backend"] == "postgres" and index["documents"] == 1


def test_the_postgres_backend_needs_a_postgres_database(tmp_path):
    env = subprocess_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}", NEWSDESK_SEARCH_BACKEND="postgres")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "NEWSDESK_SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL" in result.stderr
    env["NEWSDESK_SEARCH_BACKEND"] = "elastic"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert "NEWSDESK_SEARCH_BACKEND must be one of whoosh, postgres" in result.stderr


@pytest.mark.django_db
def test_a_rebuild_leaves_the_table_as_the_migrations_made_it(postgres):
    """A rebuild writes a new table and puts it in the live one's place: same indexes, same
    primary key, term counts as the documents hold them, and writes go on as before."""

    def shape():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'search_document' ORDER BY 1")
            indexes = cursor.fetchall()
            cursor.execute("SELECT conname, contype FROM pg_constraint WHERE conrelid = 'search_document'::regclass")
            return indexes, cursor.fetchall()

    before = shape()
    articles = [ArticleFactory(title=f"Genk wint match {n}", body=f"KRC Genk won wedstrijd {n}.") for n in range(12)]
    indexing.rebuild()
    assert shape() == before
    kept, actual = term_counts()
    assert kept == actual and kept["genk"] == 12
    articles[0].delete()
    indexing.index_pending()
    assert postgres.document_ids() == {article.pk for article in articles[1:]}
    assert term_counts()[0]["genk"] == 11


@pytest.mark.django_db
def test_many_matches_are_ranked_in_the_rum_index(postgres, monkeypatch):
    """Beyond RANK_READ matches the RUM index ranks (ts_rank would read every match's tsvector
    from the table), with the same best match first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum')")
        available = cursor.fetchone()[0]
    require(available, "PostgreSQL has no rum extension (Debian's postgresql-15-rum: make installs it as root)")
    assert postgres._ranks_in_index()
    best = ArticleFactory(title="Doelman redt, doelman scoort", body="De doelman was de man van de match.")
    for n in range(6):
        body = f"Het werd {n}-0; de doelman kon niets doen. " + "Lang verhaal. " * n
        ArticleFactory(title=f"Wedstrijdverslag {n}", body=body)
    indexing.rebuild()
    tree = language.parse("doelman")
    read = postgres.search_tree(tree, limit=3)
    monkeypatch.setattr(postgres_backend, "RANK_READ", 0)
    with CaptureQueriesContext(connection) as queries:
        ranked = postgres.search_tree(tree, limit=3)
    assert any("<=>" in query["sql"] for query in queries.captured_queries)
    assert ranked.total == read.total == 7
    assert ranked.hits[0].id == read.hits[0].id == best.pk
    assert ranked.hits[0].score > ranked.hits[-1].score > 0


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_analysed_by_several_processes_holds_every_article_once(postgres, monkeypatch):
    articles = [ArticleFactory(title=f"Doelman nummer {n}", body=f"De doelman {n} keepte sterk.") for n in range(40)]
    monkeypatch.setattr(indexing, "PARALLEL_FROM", 10)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    steps = []
    assert indexing.rebuild(progress=lambda done, total: steps.append((done, total)), chunk=7) == 40
    assert steps[-1] == (40, 40) and len(steps) == 6
    assert postgres.document_ids() == {article.pk for article in articles}
    assert postgres.search_tree(language.parse("doelmannen"), limit=100).total == 40  # this connection lives on
    kept, actual = term_counts()
    assert kept == actual and kept["doelman"] == 40
    assert indexing.compare().clean


def _planner_settings():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')")
        return cursor.fetchone()


@pytest.mark.django_db
def test_a_bounded_count_stops_at_the_limit_and_leaves_the_planner_as_it_was(postgres):
    """Counting up to a limit plans with the index's bitmap (the planner, left alone, reads the
    table from the start for a common word); the settings it changes for that one statement
    are put back, whatever they were."""
    for n in range(8):
        ArticleFactory(title=f"Transfer {n}", body="Een transfer naar het buitenland.")
    indexing.index_pending()
    tree = language.parse("transfer")
    assert postgres.search_tree(tree, count_limit=3).total == 4  # more than 3
    assert postgres.search_tree(tree, count_limit=3, facets=("clubs", "source")).total == 4
    assert postgres.search_tree(tree, count_limit=8).total == 8
    assert postgres.search_tree(tree).total == 8
    assert _planner_settings() == ("on", "on")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_indexscan = off")
    try:
        with CaptureQueriesContext(connection) as queries:
            postgres.search_tree(tree, count_limit=3, newest_first=True)
        assert any("enable_seqscan" in query["sql"] for query in queries.captured_queries)
        assert _planner_settings() == ("on", "off")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_indexscan")


@pytest.mark.django_db(transaction=True)
def test_a_search_within_a_club_is_one_tsquery_and_migration_0004_gives_older_documents_their_entities(postgres):
    """A document's clubs, players and source are lexemes of its words, so a search and its
    filters are one tsquery (RUM then ranks among the club's matches only). Documents written
    before migration 0004 get them from their columns, with their term counts."""
    from django.db.migrations.executor import MigrationExecutor

    from articles.models import Club, LinkState
    from search import pg_text

    genk = Club.objects.create(slug="genk", name="KRC Genk", country="BEL")
    articles = [ArticleFactory(title=f"Transfer {n}", body="Een transfer naar Limburg.") for n in range(3)]
    articles[0].club_links.create(club=genk, state=LinkState.LINKED)

    MigrationExecutor(connection).migrate([("search", "0003_rum_ranking")])
    with connection.cursor() as cursor:  # written as before 0004: words only, entities in columns
        cursor.execute("TRUNCATE search_document, search_term")  # what landing indexed
        for document in indexing._documents([article.pk for article in articles]).values():
            title, body = document["title"], document["text"].split("\n", 2)[2]
            clubs = [slug for slug in document["clubs"].split(",") if slug]
            words = pg_text.document_vector(title, body)
            cursor.execute(
                "INSERT INTO search_document (article_id, published, vector, clubs, source)"
                " VALUES (%s, %s, %s, %s, %s)",
                [int(document["id"]), document["published"], words, clubs, document["source"]],
            )
        cursor.execute("INSERT INTO search_term SELECT word, ndoc FROM ts_stat('SELECT vector FROM search_document')")
    executor = MigrationExecutor(connection)
    executor.migrate([("search", "0004_entity_lexemes")])

    kept, actual = term_counts()
    assert kept == actual and kept["club:genk"] == 1 and kept["transfer"] == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'search_document'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert "search_document_vector" in indexes and "search_document_clubs" not in indexes
    with CaptureQueriesContext(connection) as queries:
        within = postgres.search_tree(language.parse("transfer"), filters=language.Filters(club="genk"))
    assert [hit.id for hit in within.hits] == [articles[0].pk]
    assert not any("clubs @>" in query["sql"] for query in queries.captured_queries)
    assert [hit.id for hit in postgres.search_tree(language.parse("transfer club:genk")).hits] == [articles[0].pk]
    assert postgres.search_tree(language.parse("transfer -club:genk")).total == 2


@pytest.mark.django_db
def test_a_rebuild_rewrites_only_the_articles_it_had_to_mark_indexed(postgres):
    """Marking every article indexed after a rebuild rewrote a million rows (a new version each)
    when all but a few were marked already: only the stale ones are written."""
    articles = [ArticleFactory(title=f"Genk wint match {n}", body=f"KRC Genk won wedstrijd {n}.") for n in range(4)]
    indexing.rebuild()

    def versions():
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, xmin::text FROM articles_article ORDER BY id")
            return dict(cursor.fetchall())

    before = versions()
    Article.objects.filter(pk=articles[0].pk).update(title="Genk wint opnieuw")  # stale now
    indexing.rebuild()
    after = versions()
    assert [pk for pk in before if after[pk] != before[pk]] == [articles[0].pk]
    assert not Article.objects.index_stale().exists()


@pytest.mark.django_db
def test_words_to_leave_out_only_never_reach_the_rum_index(postgres):
    """A query of words to leave out ("-transfer", as a tsquery '!transfer') matches documents
    without any word, which RUM cannot answer: on the 100,000-article archive rum 1.3 crashed the
    server (signal 11) in the bounded reading's bitmap scan (`search_tree(parse("-transfer"),
    count_limit=1000)` on `bench-archive-pg`'s database; a few thousand documents do not crash it).
    Such a query is asked as NOT (its opposite), which no index answers, with the same results."""
    from datetime import UTC, datetime

    documents = [
        {
            "id": str(n),
            "title": f"Verslag {n}",
            "text": f"Verslag {n}\nVerslag {n}\n" + ("De ploeg bleef rustig." if n % 10 else "De ploeg won."),
            "published": datetime(2026, 1, 1, tzinfo=UTC),
            "clubs": "genk" if n % 2 else "",
            "players": "",
            "source": "krant",
            "story": "",
        }
        for n in range(1, 3001)
    ]
    postgres.replace_all([postgres.prepare(documents)])  # the index built whole, as a rebuild does
    for text, club, expected in (("-bleef", None, 300), ("-bleef OR ploeg", None, 3000), ("-bleef", "genk", 0)):
        filters = language.Filters(club=club) if club else None
        with CaptureQueriesContext(connection) as queries:
            page = postgres.search_tree(language.parse(text), filters=filters, count_limit=5000, facets=("source",))
        assert page.total == expected, text
        asked = [query["sql"] for query in queries.captured_queries if "@@" in query["sql"]]
        assert asked and all("NOT (vector @@" in sql or "club:" in sql for sql in asked), text
    page = postgres.search_tree(language.parse("-bleef"), count_limit=100)
    assert page.total == 101 and len(page.hits) == 10


@pytest.mark.django_db
def test_words_to_leave_out_only_give_up_after_the_scan_budget(postgres, settings, client):
    """No index answers "-bleef": it reads rows until it has found a page and a count of
    documents without the word, every row when the word is in nearly all of them (a million
    rows at a million articles). Past NEWSDESK_SEARCH_SCAN_MS the database stops and the reader
    is asked for a word to look for; the request's transaction and settings are as before."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO search_document (article_id, published, vector, clubs, players, source, story, words)"
            " SELECT n, now(), CASE WHEN n % 100 = 0 THEN 'won:1' ELSE 'bleef:1 rustig:2' END::tsvector,"
            " '{}', '{}', 'krant', '', 2 FROM generate_series(1, 50000) AS n"
        )
        cursor.execute("SHOW statement_timeout")
        (timeout_before,) = cursor.fetchone()
    assert postgres.search_tree(language.parse("-bleef"), count_limit=1000).total == 500  # within the budget
    settings.NEWSDESK_SEARCH_SCAN_MS = 5  # reading 50,000 rows takes tens of milliseconds
    with pytest.raises(language.QueryError, match="Zoek op een woord dat erin moet staan"):
        postgres.search_tree(language.parse("-bleef"), count_limit=1000, facets=("source",))
    response = client.get("/api/search/", {"q": "-bleef"})
    assert response.status_code == 400 and "Zoek op een woord dat erin moet staan" in response.json()["error"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == (timeout_before,)
    assert postgres.search_tree(language.parse("won"), count_limit=1000).total == 500  # the transaction goes on
    assert postgres.search_tree(language.parse("-won"), count_limit=10).total == 11  # a few rows: in budget


@pytest.mark.django_db(transaction=True)
def test_words_to_leave_out_only_wait_for_a_rebuild_outside_the_scan_budget(postgres, settings):
    """A rebuild holds the table while it puts the new one in place (seconds at a million
    articles); statement_timeout counts waiting for a lock, so without the lock taken first a
    search of "-bleef" on any table was refused then, where a search of a word waited."""
    settings.NEWSDESK_SEARCH_SCAN_MS = 100
    postgres.clear()  # what earlier tests committed
    held, release = threading.Event(), threading.Event()

    def hold_the_table():
        try:
            with transaction.atomic(using="default"), connection.cursor() as cursor:
                cursor.execute("LOCK TABLE search_document IN ACCESS EXCLUSIVE MODE")
                held.set()
                release.wait(5)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_table)
    holder.start()
    assert held.wait(5)
    threading.Timer(0.5, release.set).start()  # five times the budget
    try:
        page = postgres.search_tree(language.parse("-bleef"), count_limit=1000)
    finally:
        release.set()
        holder.join()
    assert page.total == 0
