"""Turning untrusted article text into what we store: safe HTML, plain text, a teaser."""

import hashlib
import html
import re

import nh3

# A small allow-list: structure and emphasis, links and images; nothing that runs or styles.
ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "strong",
    "b",
    "em",
    "i",
    "a",
    "figure",
    "figcaption",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_BLOCK_TAGS = re.compile(r"</?(p|br|h[1-6]|li|ul|ol|blockquote|div|tr|figure|figcaption)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")

TEASER_LENGTH = 100


_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)")


def _absolute_urls_only(tag: str, attribute: str, value: str) -> str | None:
    """A link or image address must be absolute: a relative one (or an empty one, all that is
    left of a javascript: link after the feed parser) would point into this site, not the
    source's. Images must be https: the pages' Content-Security-Policy refuses others."""
    if attribute == "src":
        return value if value.lower().startswith("https://") else None
    if attribute == "href":
        return value if value.lower().startswith(("http://", "https://", "mailto:")) else None
    return value


def sanitize_html(raw: str) -> str:
    """Keep harmless markup; drop scripts, styles, event handlers and javascript: URLs. Links and
    images keep absolute addresses only; an image without a text alternative gets an empty one
    (decorative: the source gave none) so that it is no unnamed image on our pages."""
    cleaned = nh3.clean(
        raw or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_absolute_urls_only,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # nh3 writes its output itself (quoted attributes, no ">" inside one): these patterns hold.
    return _IMG_WITHOUT_ALT.sub('<img alt=""', _IMG_WITHOUT_SRC.sub("", cleaned)).strip()


def html_to_text(raw: str) -> str:
    """Plain text of an HTML fragment: one paragraph a line, entities decoded."""
    # Sanitizing first removes <script>/<style> with their contents, which must not become text.
    cleaned = nh3.clean(raw or "", tags={"p", "br", "li", "h2", "h3", "h4", "blockquote"}, attributes={})
    text = _BLOCK_TAGS.sub("\n", cleaned)
    text = html.unescape(_TAG.sub("", text))
    return normalize_text(text)


def normalize_text(text: str) -> str:
    text = _SPACES.sub(" ", text or "")
    return _BLANK_LINES.sub("\n", text).strip()


def text_to_html(text: str) -> str:
    """Paragraphs of escaped plain text, for articles that arrive without markup."""
    paragraphs = [p.strip() for p in (text or "").split("\n") if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def make_teaser(text: str, length: int = TEASER_LENGTH) -> str:
    """About `length` characters of plain text, cut at a word boundary, ending in '...'."""
    flat = " ".join((text or "").split())
    if len(flat) <= length:
        return flat
    cut = flat[: length + 1]
    cut = cut[: cut.rindex(" ")] if " " in cut else cut[:length]
    return cut.rstrip(" ,.;:-–—") + "..."


def content_hash(title: str, body: str) -> str:
    """Identity of an article's text, insensitive to white space and case."""
    normalized = " ".join(f"{title}\n{body}".lower().split())
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()
