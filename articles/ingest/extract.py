"""The article inside a page: title, author, date and main text, without the page around it."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from django.utils import timezone
from lxml.etree import ParserError

from articles.ingest.cleaning import html_to_text

MIN_TEXT_LENGTH = 150


class ExtractionFailed(Exception):
    pass


@dataclass
class Extracted:
    text: str
    title: str = ""
    author: str = ""
    published: datetime | None = None
    canonical: str = ""


def _canonical(tree, page_url: str) -> str:
    """The page's rel=canonical, when it stays on the page's own site (a page can't claim another's)."""
    for href in tree.xpath('//link[@rel="canonical"]/@href'):
        candidate = urljoin(page_url, href.strip())
        page_host = (urlsplit(page_url).hostname or "").removeprefix("www.")
        host = (urlsplit(candidate).hostname or "").removeprefix("www.")
        if urlsplit(candidate).scheme in ("http", "https") and host == page_host:
            return candidate
    return ""


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def extract_article(html: bytes | str, url: str, selector: str = "", metadata: bool = True) -> Extracted:
    """The page's article. Metadata (title, author, date) costs a third of the time: skip it when
    the feed already said."""
    try:
        tree = lxml.html.fromstring(html)
    except (ParserError, ValueError) as exc:
        raise ExtractionFailed(f"page is not HTML: {exc}") from None
    canonical = _canonical(tree, url)
    if selector:
        try:
            nodes = tree.cssselect(selector)
        except Exception as exc:  # cssselect raises several error types for a bad selector
            raise ExtractionFailed(f"bad CSS selector {selector!r}: {exc}") from None
        text = "\n".join(html_to_text(lxml.html.tostring(node, encoding="unicode")) for node in nodes)
        if len(text) < MIN_TEXT_LENGTH:
            raise ExtractionFailed(f"selector {selector!r} found no article text")
        title = tree.findtext(".//title") or ""
        return Extracted(text=text, title=" ".join(title.split()), canonical=canonical)
    # trafilatura reads the raw page better than our tree: it cleans and decodes it its own way.
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=metadata,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    text = (document.text or "") if document is not None else ""
    if len(text) < MIN_TEXT_LENGTH:
        raise ExtractionFailed("no main text found on the page")
    return Extracted(
        text=text,
        title=document.title or "",
        author=document.author or "",
        published=_date(document.date),
        canonical=canonical,
    )
