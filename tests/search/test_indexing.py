"""The index pipeline: stale rows reach the index, deletions leave it, writers never lose an
update, and a rebuild never stops search from answering."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from search import indexing
from search.backend import get_backend
from search.searching import schema
from tests.factories import ArticleFactory
from tests.services import subprocess_env

ROOT = Path(__file__).resolve().parents[2]


def found(text):
    from search.query import parse

    return {hit.id for hit in get_backend().search(parse(text, schema()), limit=100).hits}


@pytest.mark.django_db
def test_saved_article_is_indexed_by_the_task_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(title="Westerlo verrast Standard", body="Een late treffer.")
    assert found("Westerlo") == {article.pk}
    article.refresh_from_db()
    assert not article.is_index_stale
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Westerlo wint van Standard"
        article.save()
    assert found("wint") == {article.pk}


@pytest.mark.django_db
def test_deleted_and_duplicate_articles_leave_the_index(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = ArticleFactory(title="Eupen degradeert", body="x")
        second = ArticleFactory(title="Eupen degradeert opnieuw", body="y")
    assert found("Eupen") == {first.pk, second.pk}
    with django_capture_on_commit_callbacks(execute=True):
        first.delete()
        second.duplicate_of = ArticleFactory(title="Ander artikel", body="z")
        second.save()
    assert found("Eupen") == set()


@pytest.mark.django_db
def test_check_index_reports_differences(capsys):
    article = ArticleFactory(title="Lommel promoveert", body="x")
    with pytest.raises(CommandError):
        call_command("check_index")
    assert "1 published but not in the index" in capsys.readouterr().out
    indexing.index_pending()
    call_command("check_index")
    Article.objects.filter(pk=article.pk).update(status=Article.Status.HIDDEN)  # behind the pipeline's back
    with pytest.raises(CommandError):
        call_command("check_index")
    assert "1 in the index but not published" in capsys.readouterr().out
    call_command("rebuild_index", "--quiet")
    call_command("check_index")


WRITE = """
import sys
import django
django.setup()
from search.backend import get_backend
from search.schema import build_schema
from django.utils import timezone
prefix, count = sys.argv[1], int(sys.argv[2])
backend = get_backend()
for n in range(count):
    doc = {"id": f"{prefix}{n}", "title": f"schrijver {prefix}", "text": "tekst", "spell": "", "clubs": "",
           "players": "", "source": "x", "story": "", "published": timezone.now()}
    backend.write([doc], [])
print("ok")
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path, settings):
    settings.NEWSDESK_INDEX_DIR = tmp_path / "index"
    get_backend().live_generation()  # create it once, before the writers race
    env = subprocess_env(NEWSDESK_INDEX_DIR=str(tmp_path / "index"))
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITE, prefix, "30"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("1000", "2000")
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert out.strip() == "ok"
    ids = get_backend().document_ids()
    assert ids == {int(f"{p}{n}") for p in ("1000", "2000") for n in range(30)}


@pytest.mark.django_db(transaction=True)
def test_rebuild_while_searches_run_every_search_answers():
    ArticleFactory.create_batch(300, title="Verslag van de match", body="Doelpunten en kansen in de tweede helft.")
    indexing.rebuild()
    failures, answers = [], []
    stop = threading.Event()

    def searching():
        while not stop.is_set():
            try:
                answers.append(len(found("match")))
            except Exception as exc:  # any failure is the test's failure
                failures.append(repr(exc))

    threads = [threading.Thread(target=searching) for _ in range(2)]
    for thread in threads:
        thread.start()
    for _ in range(3):
        indexing.rebuild()
    time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(answers) > 10
    assert set(answers) == {100}  # every search saw a whole index (limit 100 of 300 matches)


def test_an_index_written_before_a_field_was_added_still_takes_new_articles(db):
    """After an upgrade that adds an index field, articles keep being indexed into the old
    generation (without that field) until rebuild_index writes one with it."""
    from whoosh import index as whoosh_index

    from search.query import parse
    from search.schema import build_schema

    backend = get_backend()
    generation = backend.new_generation()
    older = build_schema()
    older.remove("words")
    whoosh_index.create_in(str(generation), older)
    backend.swap_in(generation)
    article = ArticleFactory(title="Doelman redt de punten", body="De doelman hield alles tegen.")
    indexing.index_pending()
    assert backend.document_ids() == {article.pk}
    assert "words" not in backend.searcher().schema
    assert [hit.id for hit in backend.search(parse("doelmannen", schema())).hits] == [article.pk]


@pytest.mark.parametrize("search_backend", ["whoosh"], indirect=True)  # Whoosh's own workings
def test_key_terms_are_whoosh_expanders_on_an_index_of_many_segments(newsroom):
    """more-like-this's own key terms (cached frequencies) equal classify.Expander's."""
    from collections import Counter

    from whoosh import classify

    from search.analysis import terms

    for n in range(3):  # more segments: each write commits one
        ArticleFactory(title=f"Anderlecht wint de topper {n}", body="Paars-wit won met 2-0 van Genk in het Lotto Park.")
        indexing.index_pending()
    backend = get_backend()
    searcher = backend.searcher()
    assert len(searcher.reader().leaf_readers()) > 1
    for article in Article.objects.all():
        text = f"{article.title}\n{article.body}"
        expander = classify.Expander(searcher.reader(), "text")
        expander.add(Counter(terms(text)).items())
        expected = expander.expanded_terms(12)
        for _ in range(2):  # the second time from the cached frequencies
            ours = backend.key_terms(searcher, text, 12)
            assert [word for word, _ in ours] == [word for word, _ in expected]
            assert [weight for _, weight in ours] == pytest.approx([weight for _, weight in expected])


@pytest.mark.parametrize("search_backend", ["whoosh"], indirect=True)  # Whoosh's own workings
def test_more_like_these_ranks_each_article_as_its_own_or_query_would(newsroom):
    """A batch of more-like-this queries shares the postings of common terms: each article's
    list is still what an Or of its weighted key terms, scored by BM25, ranks first."""
    from whoosh import query as wq

    from search.matching import Evaluator

    topics = ["Anderlecht wint van Genk", "Club Brugge verliest in Gent", "Standard speelt gelijk"]
    for n in range(12):
        topic = topics[n % 3]
        ArticleFactory(title=f"{topic} ({n})", body=f"{topic}. Verslag nummer {n} met doelpunten en kansen.")
    indexing.index_pending()
    backend = get_backend()
    searcher = backend.searcher()
    texts = {a.pk: f"{a.title}\n{a.body}" for a in Article.objects.all()}
    batch = backend.more_like_these(texts, limit=4)
    for article_id, text in texts.items():
        key_terms = backend.key_terms(searcher, text, 12)
        scores = Evaluator(searcher).scores(wq.Or([wq.Term("text", w, boost=weight) for w, weight in key_terms]))
        ranked = sorted(((s, d) for d, s in scores.items()), reverse=True)
        expected = [int(searcher.stored_fields(d)["id"]) for _s, d in ranked]
        expected = [pk for pk in expected if pk != article_id][:4]
        assert batch[article_id] == expected
        assert backend.more_like_this(article_id, text, limit=4) == expected


def test_more_like_this_reads_its_rarer_key_words_within_the_postings_budget(newsroom, monkeypatch):
    """An article's key words are taken best first until their documents add up to the budget:
    a word that would read too many is left out, so it brings no related article of its own."""
    from search import base

    rare = ArticleFactory(title="Zeldzaamheid", body="Over een zeldzaamwoord, eenmaal gezien.")
    common = [ArticleFactory(title=f"Alledaags {n}", body="Gewoonterecht, gewoonterecht.") for n in range(5)]
    indexing.index_pending()
    text = "Nieuw\nzeldzaamwoord zeldzaamwoord gewoonterecht"
    backend = get_backend()
    assert set(backend.more_like_this(0, text, limit=10)) >= {rare.pk, *(a.pk for a in common)}
    monkeypatch.setattr(base, "MORE_LIKE_THIS_POSTINGS", 3)
    if hasattr(backend, "local"):
        backend.local.frequencies = None  # Whoosh keeps frequencies per searcher; same index
    assert backend.more_like_this(0, text, limit=10) == [rare.pk]


def test_within_postings_keeps_the_best_words_that_fit():
    from search.base import MORE_LIKE_THIS_POSTINGS, within_postings

    df = {"a": MORE_LIKE_THIS_POSTINGS, "b": 1, "c": 1}
    assert within_postings(["a", "b", "c"], df.__getitem__) == ["a"]  # the first always, then nothing fits
    df = {"a": 5, "b": MORE_LIKE_THIS_POSTINGS, "c": 7}
    assert within_postings(["a", "b", "c"], df.__getitem__) == ["a", "c"]  # b skipped, c still fits
    assert within_postings([f"w{n}" for n in range(20)], lambda word: 1) == [f"w{n}" for n in range(12)]
