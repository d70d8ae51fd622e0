"""The article inside a page: title, author, date and main text, without the page around it.

Two readings of the page by trafilatura, and the one that agrees with the other wins: the
precision-first reading (lists, comments and tables pruned) when it holds at least AGREEMENT of
what the balanced reading (trafilatura's default cascade, tables kept) found, else the balanced
one. Precision alone kept no text at all on pages where it found under 150 characters, and half
an article where it pruned too much; balanced alone lets more of the page around the article in.
Measured on the shared sets (tests/articles/ingest/test_extraction_quality.py, BENCHMARKS.md):
together they score above either alone and above trafilatura's default run directly.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from django.utils import timezone
from lxml.etree import ParserError
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

from articles.ingest.cleaning import html_to_text

# A selector's text shorter than this is not the article (a caption, a byline).
MIN_TEXT_LENGTH = 150
# The precise reading wins when it keeps at least this share of the balanced reading's text:
# less means it pruned part of the article (measured over both shared sets: 0.6-0.8 score
# alike, 0.9 lets the balanced reading's boilerplate in on the sport pages).
AGREEMENT = 0.8


class ExtractionFailed(Exception):
    pass


@dataclass
class Extracted:
    text: str
    title: str = ""
    author: str = ""
    published: datetime | None = None
    canonical: str = ""
    method: str = ""  # which reading gave the text: "precise", "balanced" or "selector"


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


def _title(tree) -> str:
    return " ".join((tree.findtext(".//title") or "").split())


def _load(html: bytes | str):
    """The page as a tree: decoded as trafilatura decodes it (its declared charset, else a
    guess; undecodable bytes replaced), so an unknown encoding is never an exception."""
    try:
        tree = load_html(html)
    except (ParserError, ValueError, TypeError) as exc:
        raise ExtractionFailed(f"page is not HTML: {exc}") from None
    if tree is None:
        raise ExtractionFailed("page is not HTML: nothing to parse")
    return tree


def _reading(tree, url: str, *, precise: bool) -> str:
    document = trafilatura.bare_extraction(
        tree,  # trafilatura works on a copy of it
        url=url,
        with_metadata=False,
        include_comments=False,
        include_tables=not precise,
        favor_precision=precise,
        # The balanced reading without trafilatura's second opinions (readability, justext):
        # a third of the cost, and as good a measure of how much article the page holds.
        fast=not precise,
    )
    return (document.text or "") if document is not None else ""


def main_text(tree, url: str) -> tuple[str, str]:
    """(text, which reading gave it): the precise reading when the balanced one agrees it
    holds the article, else the balanced one."""
    precise = _reading(tree, url, precise=True)
    balanced = _reading(tree, url, precise=False)
    if len(precise) >= MIN_TEXT_LENGTH and len(precise) >= AGREEMENT * len(balanced):
        return precise, "precise"
    if balanced.strip():
        return balanced, "balanced"
    return precise, "precise"


def select_text(tree, selector: str) -> str:
    """The text of the nodes `selector` (CSS) matches, one paragraph a line."""
    try:
        nodes = tree.cssselect(selector)
    except Exception as exc:  # cssselect raises several error types for a bad selector
        raise ExtractionFailed(f"bad CSS selector {selector!r}: {exc}") from None
    if not nodes:
        raise ExtractionFailed(f"selector {selector!r} matches nothing on the page")
    return "\n".join(html_to_text(lxml.html.tostring(node, encoding="unicode")) for node in nodes)


def extract_article(html: bytes | str, url: str, selector: str = "", metadata: bool = True) -> Extracted:
    """The page's article. Metadata (title, author, date) costs as much as a reading: skip it
    when the feed already said."""
    tree = _load(html)
    canonical = _canonical(tree, url)
    if selector:
        text = select_text(tree, selector)
        if len(text) < MIN_TEXT_LENGTH:
            raise ExtractionFailed(f"selector {selector!r} found no article text")
        return Extracted(text=text, title=_title(tree), canonical=canonical, method="selector")
    text, method = main_text(tree, url)
    if not text.strip():
        raise ExtractionFailed("no main text found on the page")
    extracted = Extracted(text=text, canonical=canonical, method=method)
    if metadata:
        document = extract_metadata(tree, url)
        extracted.title = document.title or _title(tree)
        extracted.author = document.author or ""
        extracted.published = _date(document.date)
    return extracted
