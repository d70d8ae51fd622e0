"""Lead images: taken from the feed (media:content, an image enclosure, media:thumbnail) or the
page (og:image), kept only when their address is a plain http(s) one, stored with their size
and text alternative."""

from html import escape

import pytest

from articles.ingest import feeds, images
from articles.models import Article, Source
from tests.articles.samples import PARAGRAPHS, article_page, full_content
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

MEDIA = "http://search.yahoo.com/mrss/"


def media_rss(items: list[dict]) -> bytes:
    """RSS whose items carry `media` (raw XML: enclosures, media:content, media:thumbnail)."""
    parts = "".join(
        f"""<item><title>{escape(item["title"])}</title><link>{escape(item["link"])}</link>
  <guid>{escape(item["link"])}</guid><pubDate>Sat, 14 Nov 2026 20:00:00 +0100</pubDate>
  <description>{escape(item.get("summary", ""))}</description>
  {f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>" if item.get("content") else ""}
  {item.get("media", "")}</item>"""
        for item in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="{MEDIA}">
<channel><title>Sportkrant voetbal</title><link>https://www.sportkrant.example/</link>
<description>Voetbal</description>{parts}</channel></rss>""".encode()


def page_with_meta(title: str, meta: str) -> str:
    return article_page(title).replace("</head>", meta + "</head>", 1)


def ingest(feed_server, items) -> Article:
    url = feed_server.route("/feed.xml", media_rss(items))
    source = Source.objects.filter(feed_url=url).first() or SourceFactory(feed_url=url)
    report = feeds.fetch_and_ingest(source)
    assert not report.error, report.error
    return Article.objects.get()


# --- addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "data:image/png;base64,iVBORw0KGgo=",
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "ftp://foto.example/a.jpg",
        "file:///etc/passwd",
        "https://user:geheim@foto.example/a.jpg",
        "https:\\\\foto.example\\a.jpg",
        "https://foto.example:99999/a.jpg",
        "https://foto.example/a.jpg\n<script>",
        "https:///a.jpg",
        "https://foto.example/" + "a" * 1000 + ".jpg",
        "",
        None,
        ["https://foto.example/a.jpg"],
    ],
)
def test_an_address_that_is_not_plain_http_or_https_is_never_kept(raw):
    assert images.safe_url(raw, "https://www.sportkrant.example/voetbal/artikel") == ""
    assert images.lead_image(raw, "https://www.sportkrant.example/") is None


def test_relative_addresses_are_resolved_against_the_page_or_feed():
    base = "https://www.sportkrant.example/voetbal/genk-wint"
    assert images.safe_url("/foto/genk.jpg", base) == "https://www.sportkrant.example/foto/genk.jpg"
    assert images.safe_url("genk.jpg", base) == "https://www.sportkrant.example/voetbal/genk.jpg"
    assert images.safe_url("//cdn.sportkrant.example/genk.jpg", base) == "https://cdn.sportkrant.example/genk.jpg"
    assert images.safe_url("foto van genk.jpg", base) == "https://www.sportkrant.example/voetbal/foto%20van%20genk.jpg"
    assert images.safe_url("/foto/één.jpg", base) == "https://www.sportkrant.example/foto/%C3%A9%C3%A9n.jpg"
    assert images.safe_url("http://foto.example/a.jpg") == "http://foto.example/a.jpg"
    assert images.safe_url("/foto/genk.jpg") == ""  # relative with nothing to resolve it against


def test_sizes_are_kept_as_a_pair_when_plausible_and_tiny_images_are_not_lead_images():
    url = "https://foto.example/a.jpg"
    assert images.lead_image(url, "", "1200", "675", "  Genk\n viert ") == images.LeadImage(
        url, 1200, 675, "Genk viert"
    )
    assert images.lead_image(url, "", "1200", None) == images.LeadImage(url)
    assert images.lead_image(url, "", "-5", "675") == images.LeadImage(url)
    assert images.lead_image(url, "", "1200px", "675") == images.LeadImage(url)
    assert images.lead_image(url, "", "99999999", "675") == images.LeadImage(url)
    assert images.lead_image(url, "", "1", "1") is None  # a tracking pixel
    assert images.lead_image(url, "", "64", "64") is None  # an icon


# --- from pages -----------------------------------------------------------------------------


def test_og_image_comes_with_its_own_size_and_alt_not_the_next_images():
    page = page_with_meta(
        "Genk wint",
        '<meta property="og:image" content="/foto/genk.jpg">'
        '<meta property="og:image:width" content="1280"><meta property="og:image:height" content="720">'
        '<meta property="og:image:alt" content="Genk viert de zege">'
        '<meta property="og:image" content="/foto/tweede.jpg"><meta property="og:image:width" content="300">',
    )
    image = images.page_image(page.encode(), "https://www.sportkrant.example/voetbal/genk-wint")
    assert image == images.LeadImage("https://www.sportkrant.example/foto/genk.jpg", 1280, 720, "Genk viert de zege")


def test_a_page_without_og_image_falls_back_to_twitter_image_and_then_to_none():
    twitter = page_with_meta("Genk wint", '<meta name="twitter:image" content="https://foto.example/t.jpg">')
    assert images.page_image(twitter, "https://www.sportkrant.example/a").url == "https://foto.example/t.jpg"
    assert images.page_image(article_page("Genk wint"), "https://www.sportkrant.example/a") is None
    hostile = page_with_meta("Genk wint", '<meta property="og:image" content="javascript:alert(1)">')
    assert images.page_image(hostile, "https://www.sportkrant.example/a") is None
    assert images.page_image(b"", "https://www.sportkrant.example/a") is None
    assert images.page_image(b"\x00\xff\xfe binary", "https://www.sportkrant.example/a") is None


# --- through ingestion ----------------------------------------------------------------------


def test_the_largest_media_content_of_a_feed_entry_becomes_the_articles_image(feed_server):
    media = (
        '<media:content url="https://foto.sportkrant.example/klein.jpg" medium="image" width="320" height="180"/>'
        '<media:content url="https://foto.sportkrant.example/groot.jpg" medium="image" width="1600" height="900"/>'
        '<media:content url="https://video.sportkrant.example/samenvatting.mp4" type="video/mp4"/>'
    )
    link = "https://www.sportkrant.example/voetbal/genk-wint"
    article = ingest(feed_server, [{"title": "Genk wint", "link": link, "content": full_content(), "media": media}])
    assert (article.image_url, article.image_width, article.image_height) == (
        "https://foto.sportkrant.example/groot.jpg",
        1600,
        900,
    )
    assert article.image_alt == ""


def test_a_relative_image_enclosure_is_resolved_against_the_feeds_address(feed_server):
    media = '<enclosure url="/beelden/genk.jpg" type="image/jpeg" length="48000"/>'
    link = "https://www.sportkrant.example/voetbal/genk-wint"
    article = ingest(feed_server, [{"title": "Genk wint", "link": link, "content": full_content(), "media": media}])
    assert article.image_url == feed_server.url("/beelden/genk.jpg")
    assert article.image_width is None and article.image_height is None


def test_a_hostile_feed_image_is_dropped_and_the_article_kept(feed_server):
    media = (
        '<media:content url="javascript:alert(document.cookie)" medium="image"/>'
        '<enclosure url="data:image/svg+xml;base64,PHN2Zz4=" type="image/svg+xml" length="1"/>'
    )
    link = "https://www.sportkrant.example/voetbal/genk-wint"
    article = ingest(feed_server, [{"title": "Genk wint", "link": link, "content": full_content(), "media": media}])
    assert article.title == "Genk wint"
    assert article.image_url == ""


def test_a_summary_only_entry_takes_the_pages_og_image(feed_server):
    meta = (
        '<meta property="og:image" content="/beelden/genk-westerlo.jpg">'
        '<meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">'
        '<meta property="og:image:alt" content="Bonsu Baah trapt de 2-0 binnen">'
    )
    page = feed_server.route("/voetbal/genk-wint", page_with_meta("Genk wint van Westerlo", meta))
    article = ingest(feed_server, [{"title": "Genk wint van Westerlo", "link": page, "summary": "Genk wint met 2-0."}])
    assert PARAGRAPHS[0] in article.body
    assert article.image_url == feed_server.url("/beelden/genk-westerlo.jpg")
    assert (article.image_width, article.image_height) == (1200, 630)
    assert article.image_alt == "Bonsu Baah trapt de 2-0 binnen"


def test_the_feeds_image_without_a_size_gives_way_to_the_pages_with_one(feed_server):
    meta = (
        '<meta property="og:image" content="https://foto.example/groot.jpg">'
        '<meta property="og:image:width" content="1280"><meta property="og:image:height" content="720">'
    )
    page = feed_server.route("/voetbal/genk-wint", page_with_meta("Genk wint", meta))
    media = '<media:thumbnail url="https://foto.example/zonder-maat.jpg"/>'
    article = ingest(feed_server, [{"title": "Genk wint", "link": page, "summary": "Genk wint.", "media": media}])
    assert (article.image_url, article.image_width) == ("https://foto.example/groot.jpg", 1280)


def test_an_image_added_later_to_an_unchanged_entry_is_stored(feed_server):
    link = "https://www.sportkrant.example/voetbal/genk-wint"
    item = {"title": "Genk wint", "link": link, "content": full_content()}
    assert ingest(feed_server, [item]).image_url == ""
    media = '<media:content url="https://foto.sportkrant.example/genk.jpg" medium="image" width="1200" height="675"/>'
    article = ingest(feed_server, [{**item, "media": media}])
    assert article.image_url == "https://foto.sportkrant.example/genk.jpg"
    # And an entry that later names no image leaves the stored one alone.
    feed_server.route("/feed.xml", media_rss([{**item, "summary": "bijgewerkt"}]))
    feeds.fetch_and_ingest(article.source)
    assert Article.objects.get().image_url == "https://foto.sportkrant.example/genk.jpg"
