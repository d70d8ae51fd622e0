"""Turning one feed entry into a stored article, with the full text from its page when needed."""

import logging
from dataclasses import dataclass, fields
from datetime import datetime

from articles.ingest import http, images, politeness
from articles.ingest.cleaning import html_to_text, make_teaser
from articles.ingest.extract import Extracted, ExtractionFailed, extract_article, strip_list
from articles.ingest.store import Draft, StoreResult, draft, store_draft
from articles.models import Source

logger = logging.getLogger(__name__)

# Feed text shorter than this is a summary: the article itself is on the page.
SUMMARY_ONLY_BELOW = 600
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


def _needs_page(source: Source, entry: dict) -> bool:
    text = html_to_text(entry.get("html") or "")
    return len(text) < SUMMARY_ONLY_BELOW and entry.get("has_page", True) and source.fetch_full_text


def get_page(url: str, *, source_id: int | None = None, interactive: bool = False) -> http.Response | http.FetchError:
    """An article page, fetched as every article page is: within the page size cap, by its
    robots.txt (RobotsDisallowed: not fetched), politely; the response or the error met. What
    politeness cost is noted for the health of the source `source_id` (when given). An
    `interactive` fetch (an editor waits for it) has a short budget and does not wait long for
    the host's turn (http.INTERACTIVE_TIMEOUT, INTERACTIVE_WAIT). Network and cache only, no
    database: safe in a thread."""
    budgets = {"timeout": http.INTERACTIVE_TIMEOUT, "max_wait": http.INTERACTIVE_WAIT} if interactive else {}
    try:
        page = http.fetch(url, max_bytes=http.MAX_PAGE_BYTES, accept=PAGE_ACCEPT, robots=True, **budgets)
    except http.FetchError as exc:
        if source_id is not None and (note := getattr(exc, "health_note", "")):  # a pause, robots.txt
            kind = "paused" if isinstance(exc, http.RetryAfter) else type(exc).__name__
            politeness.note(source_id, kind, note)
        return exc
    if source_id is not None and (note := politeness.slowed_note(page.url, page.waited)):
        politeness.note(source_id, "slowed", note)
    return page


def put_off(error: http.FetchError) -> int:
    """Seconds until a page that met `error` may be asked for again, when the error was no
    fault of the page's: its host asked us to wait (a pause, or a queue too long for its turn),
    or its robots.txt could not be read. 0 for any other error."""
    if isinstance(error, http.HostPaused | http.RobotsUnavailable):
        return error.seconds
    if isinstance(error, http.RetryAfter) and error.health_note:  # this answer paused the host
        return error.seconds
    return 0


def fetch_page(source: Source, entry: dict) -> http.Response | http.FetchError | None:
    """The entry's page when the feed gives only a summary (get_page): the response, or the
    error met, or None when the feed's text is the article. A page robots.txt forbids is not
    fetched (RobotsDisallowed: the feed's text stays)."""
    if not _needs_page(source, entry):
        return None
    return get_page(entry["link"], source_id=source.pk)


@dataclass
class PageArticle(Extracted):
    """The article extracted from a page, with the page's lead image (og:image), which the
    extraction leaves out."""

    image: images.LeadImage | None = None


# What an entry's page gave: the article in it, the error met, or None (no page needed).
PageResult = PageArticle | Extracted | http.FetchError | ExtractionFailed | None


def read_page(source: Source, entry: dict, extract=extract_article) -> PageResult:
    """Fetch the entry's page (when the feed gives only a summary) and extract its article.
    No database: safe in a thread. `extract` is extract_article or a stand-in that runs it in
    another process (feeds.fetch_and_ingest_all)."""
    page = fetch_page(source, entry)
    if page is None or isinstance(page, http.FetchError):
        return page
    needs_metadata = not (entry.get("title") and entry.get("published"))
    try:
        extracted = extract(
            page.body,
            page.url,
            source.content_selector,
            metadata=needs_metadata,
            strip_selectors=strip_list(source.strip_selectors),
        )
    except ExtractionFailed as exc:
        return exc
    except Exception as exc:  # a parser's bug on one page: that entry keeps the feed's text
        logger.exception("extracting %s for source %s failed", page.url, source.pk)
        return ExtractionFailed(f"the extractor failed: {type(exc).__name__}: {exc}")
    found = {f.name: getattr(extracted, f.name) for f in fields(extracted)}
    found["canonical"] = extracted.canonical or page.url
    return PageArticle(**found, image=images.page_image(page.body, page.url))


def entry_draft(source: Source, entry: dict, page: PageResult, *, raise_network_errors: bool = False) -> Draft:
    """The article `entry` (a normalized feed entry) makes, as it will be stored; `page` is what
    read_page() returned for it. Page trouble keeps the feed's own text, noted why; with
    raise_network_errors a network failure is raised instead, so that it can be tried again
    later. No database, no network."""
    feed_html = entry.get("html") or ""
    text = html_to_text(feed_html)
    title, author = entry.get("title") or "", entry.get("author") or ""
    published = datetime.fromisoformat(entry["published"]) if entry.get("published") else None
    url, body_html, note = entry["link"], feed_html, ""
    image = images.LeadImage.from_dict(entry.get("image"))
    if isinstance(page, http.NetworkError):
        if raise_network_errors:
            raise page
        note = "page not reachable; kept the feed's text"
        logger.warning("page %s not reachable for source %s: %s", entry["link"], source.pk, page)
    elif isinstance(page, http.FetchError | ExtractionFailed):
        note = f"kept the feed's text: {type(page).__name__}: {page}"
    elif page is not None:
        if len(page.text) >= len(text):  # a page reading shorter than the feed's summary is not the article
            text, body_html = page.text, ""
            note = page.warning  # a source rule that did not work on this page
        else:
            note = "kept the feed's text: the page's text is shorter"
        title = title or page.title
        author = author or page.author
        published = published or page.published
        url = page.canonical
        image = images.better(image, getattr(page, "image", None))
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
        image=image,
        entry_hash=entry.get("fingerprint", ""),
    )


def ingest_entry(source: Source, entry: dict, *, raise_network_errors: bool = False) -> StoreResult:
    """Store one entry, its page read here (the ingest_entry task)."""
    page = read_page(source, entry)
    return store_draft(entry_draft(source, entry, page, raise_network_errors=raise_network_errors))
