"""An article's lead image: from its feed entry (an image enclosure, media:content,
media:thumbnail) or from its page (og:image, with og:image:width, og:image:height and
og:image:alt where the page gives them).

Readers' browsers load the image from the news site's own address (hotlinked, as aggregators
do), so an address is kept only when it is safe to put in an <img src>: absolute http or https
(a relative one resolved against the feed's or page's address), no credentials, no white space
or control characters, at most MAX_URL characters. Anything else (data:, javascript:, a
mangled address) means no image, never a broken or hostile one. Dimensions are kept when they
are plausible; without them the pages show the image in a fixed 16:9 box.
"""

import re
from dataclasses import asdict, dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from django.utils.encoding import iri_to_uri
from lxml.etree import ParserError

MAX_URL = 1000  # Article.image_url; a longer address is a payload or a tracking blob, not a photo
MAX_SIDE = 20_000  # pixels: beyond this a dimension is a typo
# Smaller than this is an icon, a logo or a tracking pixel, not a lead image.
MIN_WIDTH, MIN_HEIGHT = 120, 60
MAX_ALT = 300  # Article.image_alt
HEAD_BYTES = 256 * 1024  # og: tags are in the <head>; a page that never closes it is read this far

_CONTROL = re.compile(r"[\x00-\x20\x7f]")  # after stripping: no space, tab, newline or control
_IMAGE_PATH = re.compile(r"\.(jpe?g|png|gif|webp|avif)$", re.IGNORECASE)
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class LeadImage:
    url: str
    width: int | None = None
    height: int | None = None
    alt: str = ""

    def as_dict(self) -> dict:
        """JSON-safe, for a normalized feed entry (which travels through the broker)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, value) -> "LeadImage | None":
        """The image a normalized entry carries, checked again (an entry is data from a queue)."""
        if not isinstance(value, dict):
            return None
        return lead_image(value.get("url"), "", value.get("width"), value.get("height"), value.get("alt"))

    @property
    def has_size(self) -> bool:
        return bool(self.width and self.height)


def safe_url(raw, base: str = "") -> str:
    """`raw` as an absolute http(s) address fit for an <img src>, resolved against `base`; ""
    when it is anything else."""
    if not isinstance(raw, str):
        return ""
    raw = raw.strip()
    if not raw or len(raw) > MAX_URL or _CONTROL.search(raw.replace(" ", "")) or "\\" in raw:
        return ""
    # Feeds write spaces in file names; browsers would encode them too. Any other white space or
    # control character ("java\tscript:"), or a backslash (which browsers read as a slash), makes
    # the address suspect: refused above. So does a scheme without a host ("https:///x.jpg"),
    # which browsers and urljoin read differently.
    url = raw.replace(" ", "%20")
    try:
        written = urlsplit(url)
    except ValueError:
        return ""
    if written.scheme and not written.netloc:
        return ""
    if base:
        if urlsplit(base).scheme.lower() not in ("http", "https"):
            return ""
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is no number
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return ""
    url = iri_to_uri(url)  # non-ASCII paths percent-encoded, as the browser would send them
    return url if len(url) <= MAX_URL else ""


def dimension(value) -> int | None:
    """A width or height in pixels ("1200", 1200), or None when absent or implausible."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 6:
        number = int(value.strip())
    else:
        return None
    return number if 0 < number <= MAX_SIDE else None


def clean_alt(value) -> str:
    return " ".join(value.split())[:MAX_ALT] if isinstance(value, str) else ""


def lead_image(raw_url, base: str = "", width=None, height=None, alt=None) -> LeadImage | None:
    """A LeadImage from raw values, or None when the address is unusable or the image is too
    small to lead an article. Width and height are kept as a pair or not at all."""
    url = safe_url(raw_url, base)
    if not url:
        return None
    w, h = dimension(width), dimension(height)
    if (w and w < MIN_WIDTH) or (h and h < MIN_HEIGHT):
        return None
    if not (w and h):
        w = h = None
    return LeadImage(url, w, h, clean_alt(alt))


def _is_image(item: dict, declared: str) -> bool:
    kind = (item.get("type") or "").lower()
    if kind:
        return kind.startswith("image/")
    if declared:
        return declared == "image"
    return bool(_IMAGE_PATH.search(urlsplit(str(item.get("url") or "")).path))


def _largest(candidates: list[LeadImage]) -> LeadImage | None:
    """The candidate with the most pixels (a feed lists sizes of one photo), else the first."""
    if not candidates:
        return None
    return max(candidates, key=lambda image: (image.width or 0) * (image.height or 0))


def feed_image(entry, base_url: str) -> LeadImage | None:
    """The lead image of a feedparser entry: its media:content images (the largest), else an
    image enclosure, else its media:thumbnail (the largest). `base_url` resolves relative ones."""
    media = [
        lead_image(item.get("url"), base_url, item.get("width"), item.get("height"))
        for item in entry.get("media_content") or []
        if isinstance(item, dict) and _is_image(item, (item.get("medium") or "").lower())
    ]
    if image := _largest([m for m in media if m]):
        return image
    for item in entry.get("enclosures") or []:
        is_image = isinstance(item, dict) and (item.get("type") or "").lower().startswith("image/")
        if is_image and (image := lead_image(item.get("href") or item.get("url"), base_url)):
            return image
    thumbnails = [
        lead_image(item.get("url"), base_url, item.get("width"), item.get("height"))
        for item in entry.get("media_thumbnail") or []
        if isinstance(item, dict)
    ]
    return _largest([t for t in thumbnails if t])


def _head(body: bytes | str) -> bytes | str:
    if isinstance(body, str):
        body = body.encode("utf-8", "replace")
    end = _HEAD_END.search(body, 0, HEAD_BYTES)
    return body[: end.end()] if end else body[:HEAD_BYTES]


def page_image(body: bytes | str, page_url: str) -> LeadImage | None:
    """The page's og:image (then twitter:image) with the og:image:width, :height and :alt that
    follow it, resolved against the page's address (or its <base href>). Only the <head> is
    parsed: a page costs a fraction of a millisecond here."""
    head = _head(body)
    if not head.strip():
        return None
    try:
        tree = lxml.html.fromstring(head)
    except (ParserError, ValueError):
        return None
    base = page_url
    for href in tree.xpath("//base/@href")[:1]:
        base = urljoin(page_url, href.strip())
    found: dict[str, str] = {}
    twitter: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        if not key or not value:
            continue
        if key in ("og:image", "og:image:url", "og:image:secure_url"):
            if "url" in found and key == "og:image":
                break  # the next image's tags begin: the first image is complete
            found.setdefault("url", value)
        elif key.startswith("og:image:") and "url" in found:
            found.setdefault(key.removeprefix("og:image:"), value)
        elif key in ("twitter:image", "twitter:image:src", "twitter:image:alt"):
            twitter.setdefault("alt" if key.endswith(":alt") else "url", value)
    if "url" in found:
        image = lead_image(found["url"], base, found.get("width"), found.get("height"), found.get("alt"))
        if image:
            return image
    if "url" in twitter:
        return lead_image(twitter["url"], base, alt=twitter.get("alt"))
    return None


def better(first: LeadImage | None, second: LeadImage | None) -> LeadImage | None:
    """`first` (the feed's) unless only `second` (the page's) says how large it is."""
    if first and second and not first.has_size and second.has_size:
        return second
    return first or second
