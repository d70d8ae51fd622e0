"""The rebuild's segment writer writes what Whoosh's own writer writes, and a rebuild written by
several processes holds every article once."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from search import indexing
from search.analysis import terms
from search.backend import get_backend
from search.schema import build_schema, document_for
from search.segments import RebuildWriter
from tests.factories import ArticleFactory

DEMO = Path(__file__).resolve().parents[2] / "articles" / "data" / "demo_articles.jsonl"


def _documents(count=300):
    """The demo articles, over again: enough for posting lists of several blocks (128 each)."""
    records = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines()]
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for n in range(count):
        record = records[n % len(records)]
        yield document_for(
            n,
            title=record["title"],
            body=f"{record['body']} Speeldag {n}.",
            published_at=start + timedelta(hours=n),
            source=f"bron {n % 4}",
            story=f"verhaal-{n // 5}" if n % 2 else None,
            clubs=["club-brugge", "ajax"] if n % 3 else [],
            players=[f"speler-{n % 7}"],
        )


def _contents(path):
    """Every term's statistics and postings (id, weight, value), and every document's field
    lengths and stored fields, read back through Whoosh."""
    with whoosh_index.open_dir(str(path)).reader() as reader:
        out = {"docs": reader.doc_count(), "stored": list(reader.all_stored_fields())}
        for fieldname in reader.schema.names():
            if reader.schema[fieldname].scorable:
                out[f"length:{fieldname}"] = [reader.doc_field_length(d, fieldname) for d in range(reader.doc_count())]
            for tbytes in reader.lexicon(fieldname) if reader.schema[fieldname].indexed else ():
                info = reader.term_info(fieldname, tbytes)
                matcher = reader.postings(fieldname, tbytes)
                postings = []
                while matcher.is_active():
                    postings.append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
                stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(), info.max_weight())
                out[(fieldname, tbytes)] = (stats, info.min_id(), info.max_id(), postings)
        return out


@pytest.mark.parametrize("limitmb", [256, 0.05])  # all in memory; spilled to runs every few documents
def test_rebuild_writer_writes_what_whooshs_writer_writes(tmp_path, limitmb):
    documents = list(_documents())
    words = {}
    for document in documents:
        for word in set(terms(document["text"])):
            words[word] = words.get(word, 0) + 1
    schema = build_schema(frozenset(word for word, count in words.items() if count >= 30))
    assert 10 < len(schema["words"].format.frequent) < 500  # frequent words and pairs are indexed too
    for name, writer_class in (("whoosh", SegmentWriter), ("ours", RebuildWriter)):
        (tmp_path / name).mkdir()
        writer = writer_class(whoosh_index.create_in(str(tmp_path / name), schema), limitmb=limitmb)
        for document in documents:
            writer.add_document(**document)
        if writer_class is RebuildWriter and limitmb < 1:
            assert len(writer.pool.runs) > 5
        writer.commit()
    ours, theirs = _contents(tmp_path / "ours"), _contents(tmp_path / "whoosh")
    assert ours.keys() == theirs.keys()
    assert len(ours) > 3000
    assert max(len(value[3]) for key, value in ours.items() if isinstance(key, tuple)) == 300  # several blocks
    assert [key for key in ours if ours[key] != theirs[key]] == []


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_written_by_several_processes_holds_every_article_once(monkeypatch):
    from search.query import parse
    from search.searching import schema

    articles = [ArticleFactory(title=f"Doelman nummer {n}", body=f"De doelman {n} keepte sterk.") for n in range(40)]
    monkeypatch.setattr(indexing, "PARALLEL_FROM", 10)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    steps = []
    assert indexing.rebuild(progress=lambda done, total: steps.append((done, total))) == 40
    searcher = get_backend().searcher()
    assert len(searcher.reader().leaf_readers()) == 3  # a segment from each process
    assert get_backend().document_ids() == {article.pk for article in articles}
    hits = get_backend().search(parse("doelmannen", schema()), limit=100)
    assert hits.total == 40
    assert steps[-1] == (40, 40)
    assert indexing.compare().clean


@pytest.mark.django_db
def test_a_rebuild_pauses_automatic_cycle_collection_only_while_it_writes(monkeypatch):
    """Writers work without automatic full collections (search.indexing._young_collections_only);
    the process they run in (a worker, a shell) gets the collector back as it was."""
    import gc

    ArticleFactory.create_batch(3)
    seen = []
    read = indexing._documents
    monkeypatch.setattr(indexing, "_documents", lambda ids: seen.append(gc.isenabled()) or read(ids))
    try:
        indexing.rebuild()
        assert seen == [False]
        assert gc.isenabled()
        gc.disable()
        indexing.rebuild()
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
