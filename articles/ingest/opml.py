"""Source lists as OPML, the format feed readers exchange subscriptions in."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from django.utils import timezone
from lxml import etree

from articles.ingest import http
from articles.ingest.registration import free_name
from articles.models import Source


class OPMLError(ValueError):
    pass


@dataclass
class OPMLImport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def read_outlines(data: bytes) -> list[dict]:
    # No entities, no DTDs, no network: an OPML file is data, never instructions to our parser.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise OPMLError(f"not well-formed XML: {exc}") from None
    if root.tag != "opml":
        raise OPMLError(f"the root element is <{root.tag}>, not <opml>")
    return [
        {
            "url": (outline.get("xmlUrl") or "").strip(),
            "name": (outline.get("title") or outline.get("text") or "").strip(),
            "site": (outline.get("htmlUrl") or "").strip(),
        }
        for outline in root.iter("outline")
        if outline.get("xmlUrl")
    ]


def import_sources(data: bytes) -> OPMLImport:
    result = OPMLImport()
    url_limit = Source._meta.get_field("feed_url").max_length
    for outline in read_outlines(data):
        url = outline["url"]
        if problem := http.registration_problem(url):
            result.refused.append(f"{url!r}: {problem}")
            continue
        if len(url) > url_limit:
            result.refused.append(f"{url[:80]!r}…: longer than {url_limit} characters")
            continue
        if Source.objects.filter(feed_url=url).exists():
            result.existing.append(url)
            continue
        host = urlsplit(url).hostname
        site = outline["site"] if outline["site"].startswith(("http://", "https://")) else ""
        Source.objects.create(name=free_name(outline["name"] or host, host), feed_url=url, site_url=site[:url_limit])
        result.created.append(url)
    return result


def export_sources() -> str:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<opml version="2.0">',
        f"  <head><title>newsdesk sources</title><dateCreated>{timezone.now():%a, %d %b %Y %H:%M:%S %z}"
        "</dateCreated></head>",
        "  <body>",
    ]
    for source in Source.objects.filter(feed_url__isnull=False).order_by("name"):
        site = f" htmlUrl={quoteattr(source.site_url)}" if source.site_url else ""
        lines.append(
            f'    <outline type="rss" text={quoteattr(source.name)} title={quoteattr(source.name)} '
            f"xmlUrl={quoteattr(source.feed_url)}{site}/>"
        )
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
