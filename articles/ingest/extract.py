"""The article inside a page: title, author, date and main text, without the page around it.

Two readings of the page by trafilatura, and the one that agrees with the other wins: the
precision-first reading (lists, comments and tables pruned) when it holds at least AGREEMENT of
what the balanced reading (trafilatura's default cascade, tables kept) found, else the balanced
one. Precision alone kept no text at all on pages where it found under 150 characters, and half
an article where it pruned too much; balanced alone lets more of the page around the article in.
Measured on the shared sets (tests/articles/ingest/test_extraction_quality.py, BENCHMARKS.md):
together they score above either alone and above trafilatura's default run directly.

A source's own rules come first: its selectors to strip are removed from the page before any
reading, and its content selector, when it finds the article, replaces both readings.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from cssselect import HTMLTranslator, SelectorError
from django.utils import timezone
from lxml import etree
from lxml.etree import ParserError, XPathError
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

from articles.ingest.cleaning import html_to_text

# A selector's text shorter than this is not the article (a caption, a byline).
MIN_TEXT_LENGTH = 150
# The precise reading wins when it keeps at least this share of the balanced reading's text:
# less means it pruned part of the article (measured over both shared sets: 0.6-0.8 score
# alike, 0.9 lets the balanced reading's boilerplate in on the sport pages).
AGREEMENT = 0.8
# A source's rules: a selector is at most this long, and at most this many selectors are stripped.
MAX_SELECTOR_LENGTH = 300
MAX_STRIP_SELECTORS = 50


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
    # What the source's rules met on the page: a rule that did not work here (the text was then
    # found automatically), and how many elements each selector matched.
    warning: str = ""
    matches: dict[str, int] = field(default_factory=dict)


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


_TRANSLATOR = HTMLTranslator()  # element names in any case, as lxml's CSSSelector(translator="html")


@lru_cache(maxsize=256)
def _xpath(selector: str) -> str:
    """The XPath a CSS selector compiles to (SelectorError, or XPathError when lxml refuses
    cssselect's output): compiled once per selector, not for every page."""
    path = _TRANSLATOR.css_to_xpath(selector)
    etree.XPath(path)
    return path


@lru_cache(maxsize=256)
def selector_problem(selector: str) -> str | None:
    """What is wrong with a CSS selector (in cssselect's words), or None when it can be used."""
    if len(selector) > MAX_SELECTOR_LENGTH:
        return f"longer than {MAX_SELECTOR_LENGTH} characters"
    try:
        _xpath(selector)
    except (SelectorError, XPathError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def strip_list(selectors: str) -> list[str]:
    """A source's selectors to strip (one a line, as the admin edits them), blank lines left out."""
    return list(dict.fromkeys(line.strip() for line in (selectors or "").splitlines() if line.strip()))


def _matching(tree, selector: str) -> list:
    """The outermost elements `selector` matches (a match inside another is part of it)."""
    problem = selector_problem(selector)
    if problem:
        raise ExtractionFailed(f"bad CSS selector {selector!r}: {problem}")
    # The XPath string is shared; its evaluation is the page's own (lxml's compiled evaluators
    # are not to be shared between threads).
    nodes = tree.xpath(_xpath(selector))
    chosen = set(nodes)
    return [node for node in nodes if not any(parent in chosen for parent in node.iterancestors())]


def strip(tree, selectors) -> tuple[dict[str, int], list[str]]:
    """Remove what `selectors` match from the tree, before any reading: ({selector: elements
    removed}, problems). A bad selector is skipped and named in the problems."""
    removed, problems = {}, []
    for selector in selectors:
        try:
            nodes = _matching(tree, selector)
        except ExtractionFailed as exc:
            problems.append(str(exc))
            continue
        removed[selector] = 0
        for node in nodes:
            if node.getparent() is not None:  # the root stays: without it there is no page
                node.drop_tree()
                removed[selector] += 1
    return removed, problems


def select_text(tree, selector: str) -> tuple[str, int]:
    """(the text of the elements `selector` (CSS) matches, one paragraph a line; how many)."""
    nodes = _matching(tree, selector)
    if not nodes:
        raise ExtractionFailed(f"content selector {selector!r} matches nothing on the page")
    text = "\n".join(html_to_text(lxml.html.tostring(node, encoding="unicode", with_tail=False)) for node in nodes)
    return text, len(nodes)


def extract_article(
    html: bytes | str, url: str, selector: str = "", metadata: bool = True, strip_selectors=()
) -> Extracted:
    """The page's article, by the source's rules: what `strip_selectors` match is removed first;
    with `selector`, the text is that of the elements it matches. A selector that matches nothing
    here (or too little to be the article, or is no selector at all) does not lose the article:
    the text is found automatically and the warning says why. Metadata (title, author, date) costs
    as much as a reading: skip it when the feed already said."""
    tree = _load(html)
    canonical, page_title = _canonical(tree, url), _title(tree)  # before a strip selector can take them
    matches, problems = strip(tree, strip_selectors)
    selected = ""
    if selector:
        try:
            selected, matches[selector] = select_text(tree, selector)
        except ExtractionFailed as exc:
            matches.setdefault(selector, 0)
            problems.append(str(exc))
        else:
            if len(selected) >= MIN_TEXT_LENGTH:
                warning = "; ".join(problems)
                return Extracted(
                    selected, page_title, canonical=canonical, method="selector", warning=warning, matches=matches
                )
            problems.append(f"content selector {selector!r} found only {len(selected)} characters")
    text, method = main_text(tree, url)
    if not text.strip() and selected.strip():
        text, method = selected, "selector"  # too short to trust, but all the text there is
    if not text.strip():
        raise ExtractionFailed("; ".join([*problems, "no main text found on the page"]))
    if problems and method != "selector":
        problems.append("the text was found automatically")
    extracted = Extracted(text=text, canonical=canonical, method=method, warning="; ".join(problems), matches=matches)
    if metadata:
        document = extract_metadata(tree, url)
        extracted.title = document.title or page_title
        extracted.author = document.author or ""
        extracted.published = _date(document.date)
    return extracted
