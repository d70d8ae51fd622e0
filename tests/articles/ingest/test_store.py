"""Storing a feed's entries together: a few queries for all, and one refused row fails alone."""

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from articles.ingest import store
from articles.ingest.store import Outcome
from articles.models import Article
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def _drafts(source, count, prefix="artikel"):
    return [
        store.draft(
            source,
            url=f"https://krant.example/{prefix}-{n}",
            guid=f"{prefix}-{n}",
            title=f"Verslag {prefix} {n}",
            body_text=f"Het verslag van wedstrijd {prefix} {n}, met alles wat er gebeurde. " * 5,
        )
        for n in range(count)
    ]


def test_a_batch_is_stored_with_a_few_queries_whatever_its_size():
    source = SourceFactory()
    with CaptureQueriesContext(connection) as small:
        store.store_batch(_drafts(source, 2, "klein"))
    with CaptureQueriesContext(connection) as large:
        results = store.store_batch(_drafts(source, 25, "groot"))
    assert [r.outcome for r in results] == [Outcome.NEW] * 25
    assert len(large) == len(small)  # not ten queries an entry, as one at a time took


def test_a_row_the_database_refuses_fails_alone_and_the_others_are_kept():
    source = SourceFactory()
    drafts = _drafts(source, 4)
    drafts[1].fields["title"] = None  # NOT NULL: refused by SQLite and PostgreSQL alike
    results = store.store_batch(drafts)
    assert isinstance(results[1], DatabaseError)
    assert [r.outcome for n, r in enumerate(results) if n != 1] == [Outcome.NEW] * 3
    assert sorted(Article.objects.values_list("guid", flat=True)) == ["artikel-0", "artikel-2", "artikel-3"]
    # Stored again, the same batch changes nothing and the bad row is refused again.
    again = store.store_batch(drafts)
    assert isinstance(again[1], DatabaseError)
    assert [r.outcome for n, r in enumerate(again) if n != 1] == [Outcome.UNCHANGED] * 3
