"""Turning one feed entry into a stored article, with the full text from its page when needed."""

import logging
from datetime import datetime

from articles.ingest import http
from articles.ingest.cleaning import html_to_text, make_teaser
from articles.ingest.extract import ExtractionFailed, extract_article
from articles.ingest.store import Draft, StoreResult, draft, store_draft
from articles.models import Source

logger = logging.getLogger(__name__)

# Feed text shorter than this is a summary: the article itself is on the page.
SUMMARY_ONLY_BELOW = 600
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


_UNFETCHED = object()


def _needs_page(source: Source, entry: dict) -> bool:
    text = html_to_text(entry.get("html") or "")
    return len(text) < SUMMARY_ONLY_BELOW and entry.get("has_page", True) and source.fetch_full_text


def fetch_page(source: Source, entry: dict) -> http.Response | http.FetchError | None:
    """The entry's page when the feed gives only a summary: the response, or the error met, or
    None when the feed's text is the article. Network only, no database: safe in a thread."""
    if not _needs_page(source, entry):
        return None
    try:
        return http.fetch(entry["link"], max_bytes=http.MAX_PAGE_BYTES, accept=PAGE_ACCEPT)
    except http.FetchError as exc:
        return exc


def entry_draft(source: Source, entry: dict, page, *, raise_network_errors: bool = False) -> Draft:
    """The article `entry` (a normalized feed entry) makes, as it will be stored; `page` is what
    fetch_page() returned for it. Page trouble keeps the feed's own text, noted why; with
    raise_network_errors a network failure is raised instead, so that it can be tried again
    later. CPU only (extraction, cleaning): no database, no network."""
    feed_html = entry.get("html") or ""
    text = html_to_text(feed_html)
    title, author = entry.get("title") or "", entry.get("author") or ""
    published = datetime.fromisoformat(entry["published"]) if entry.get("published") else None
    url, body_html, note = entry["link"], feed_html, ""
    if page is not None:
        try:
            if isinstance(page, http.FetchError):
                raise page
            needs_metadata = not (title and published)
            extracted = extract_article(page.body, page.url, source.content_selector, metadata=needs_metadata)
        except http.NetworkError as exc:
            if raise_network_errors:
                raise
            note = "page not reachable; kept the feed's text"
            logger.warning("page %s not reachable for source %s: %s", entry["link"], source.pk, exc)
        except (http.FetchError, ExtractionFailed) as exc:
            note = f"kept the feed's text: {type(exc).__name__}: {exc}"
        else:
            text, body_html = extracted.text, ""
            title = title or extracted.title
            author = author or extracted.author
            published = published or extracted.published
            url = extracted.canonical or page.url
    return draft(
        source,
        url=url,
        guid=entry.get("guid") or entry["link"],
        title=title or make_teaser(text, 90) or url,
        body_text=text,
        body_html=body_html,
        author=author,
        published_at=published,
        extraction_note=note,
        entry_hash=entry.get("fingerprint", ""),
    )


def ingest_entry(source: Source, entry: dict, *, raise_network_errors: bool = False, page=_UNFETCHED) -> StoreResult:
    """Store one entry, fetching its page here unless the caller fetched it ahead (`page`)."""
    if page is _UNFETCHED:
        page = fetch_page(source, entry)
    return store_draft(entry_draft(source, entry, page, raise_network_errors=raise_network_errors))
