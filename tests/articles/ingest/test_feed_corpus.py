"""Every file of feedparser's own test suite through our parse-and-store path: nothing crashes,
nothing ill-formed is silently lost, and no script survives into stored HTML."""

import re

import pytest

from articles.ingest import feeds
from articles.models import Article, Source
from tests.services import require_shared

pytestmark = pytest.mark.django_db

DANGEROUS = re.compile(r"<\s*script|<\s*iframe|<\s*object|<\s*embed|\son[a-z]+\s*=|javascript\s*:|vbscript\s*:", re.I)
HEADER = re.compile(r"^Header:\s*([^:]+):\s*(.*)$", re.M)


def corpus_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name not in {"LICENSE", "SOURCE.txt"})


def headers_of(raw: bytes) -> dict[str, str]:
    """The HTTP headers a test file says it was served with (its `Header:` lines)."""
    head = raw[:2000].decode("utf-8", errors="replace")
    return {name.strip().lower(): value.strip() for name, value in HEADER.findall(head)}


def test_every_feedparser_test_file_is_stored_or_recorded(django_capture_on_commit_callbacks):
    root = require_shared("feedparser-tests")
    files = corpus_files(root)
    assert len(files) >= 2100
    crashes, lost = [], []
    with django_capture_on_commit_callbacks(execute=True):
        for number, path in enumerate(files):
            relative = path.relative_to(root).as_posix()
            source = Source.objects.create(
                name=relative, feed_url=f"http://feeds.example/{number}/{relative}", fetch_full_text=False
            )
            raw = path.read_bytes()
            try:
                report = feeds.ingest_document(source, raw, headers_of(raw), source.feed_url)
            except Exception as exc:
                crashes.append(f"{relative}: {type(exc).__name__}: {exc}")
                continue
            source.refresh_from_db()
            stored = source.articles.exists() or report.counts["unchanged"] or report.counts["duplicate"]
            explained = source.last_error or source.last_warning
            if not stored and not explained:
                lost.append(relative)
            if relative.startswith("illformed/") and not (stored or source.last_error):
                lost.append(relative)
    assert crashes == []
    assert lost == []

    dangerous = [
        (a.source.name, DANGEROUS.search(a.body_html).group(0))
        for a in Article.objects.select_related("source")
        if DANGEROUS.search(a.body_html)
    ]
    assert dangerous == []
    # Every sanitizer case with entry text must be stored (so checked above). Feed-level cases hold
    # no entry, and a title that is only markup leaves no text: those are recorded as errors.
    sanitize_sources = (
        Source.objects.filter(name__startswith="wellformed/sanitize/")
        .exclude(name__startswith="wellformed/sanitize/feed_")
        .exclude(name__startswith="wellformed/sanitize/xml_")
        .exclude(name__contains="_title_")
    )
    stored_sanitize = sanitize_sources.filter(articles__isnull=False).distinct().count()
    print(
        f"\nfeedparser corpus: {len(files)} files, {Article.objects.count()} articles stored, "
        f"{Source.objects.exclude(last_error='').count()} recorded as source errors, "
        f"{stored_sanitize}/{sanitize_sources.count()} sanitizer cases stored and checked"
    )
    missing = list(sanitize_sources.filter(articles__isnull=True).values_list("name", flat=True))
    assert missing == []
