"""What an attacker puts in articles, met in a real browser: scripts, event handlers,
javascript: and data: links, SVG with script, CSS expressions, frames, forms, meta refresh, in
titles, text and teasers, arriving by an import file and by a feed (with its article pages).
On every page they appear on, nothing runs, nothing is logged, nothing is fetched from
elsewhere; and the stored HTML holds none of it."""

import json
import re
from html import escape
from html.parser import HTMLParser

import pytest
from playwright.sync_api import expect

from articles.ingest.cleaning import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from tests.articles.ingest.test_hostile_feeds import PAYLOADS, assert_clean, hostile_text
from tests.articles.samples import PARAGRAPHS, article_page, full_content, rss
from tests.browser.harness import Site, no_horizontal_scroll
from tests.feedserver import FeedServer
from tests.services import require_chromium

pytestmark = [pytest.mark.once]

WORD = "Xylofoonaanval"  # in every hostile article, and in no other: a search finds just them
SOURCE = "Vijandige Bron"
PLAIN = " ".join(PAYLOADS)


def import_lines() -> str:
    """Hostile articles in the import format (articles/data/demo_articles.jsonl): the payloads
    in the title, the text (whose start is the teaser) and everywhere between."""
    records = [
        {
            "title": f"{WORD}: Club Brugge <script>alert('titel')</script> <img src=x onerror=alert('titel-img')>",
            "body": f"<script>alert('teaser')</script> {WORD} bij Club Brugge. {PLAIN}\nClub Brugge won.\n{PLAIN}",
        },
        {
            "title": f"Club Brugge {WORD} <a href=\"javascript:alert('link')\">klik</a> <iframe src=//evil.example>",
            "body": f"<svg onload=alert('svg')><script>alert(1)</script></svg> Club Brugge en {WORD}.\n{PLAIN}",
        },
        {
            "title": f"{WORD} <meta http-equiv=refresh content='0;url=https://evil.example/'> Club Brugge",
            "body": f"<style>body{{background:url(https://evil.example/x)}}</style> {WORD} Club Brugge.\n{PLAIN}",
        },
    ]
    return "".join(
        json.dumps(
            {
                **record,
                "url": f"https://vijandig.example/artikel-{n}",
                "published": f"2026-11-22T1{n}:00:00+01:00",
                "source": SOURCE,
                "guid": f"vijandig-{n}",
            }
        )
        + "\n"
        for n, record in enumerate(records)
    )


def serve_feed(server: FeedServer) -> str:
    """A feed whose entries carry the payloads as HTML, one of them only as a summary, so its
    article page (payloads in its text) is fetched and extracted too."""
    paragraphs = [f"Club Brugge heeft {WORD} gewonnen tegen KRC Genk.", *PARAGRAPHS]
    page = article_page(f"{WORD} in Brugge", paragraphs=paragraphs)
    second = f"<p>{escape(paragraphs[1])}</p>"
    server.route("/voetbal/brugge", page.replace(second, second + "".join(PAYLOADS), 1))
    items = [
        {
            "title": f"Club Brugge {WORD} <script>alert('feed-titel')</script>",
            "link": server.url("/voetbal/inhoud"),
            # Long enough to be the article itself (a short text is a summary, and the page is read).
            "content": hostile_text(f"Club Brugge {WORD}") + full_content([*PARAGRAPHS, f"{WORD} in Brugge."]),
            "date": "Sun, 22 Nov 2026 16:00:00 +0100",
        },
        {
            "title": f"{WORD} bij Club Brugge <img src=x onerror=alert('feed-img')>",
            "link": server.url("/voetbal/brugge"),
            "summary": "".join(PAYLOADS),
            "date": "Sun, 22 Nov 2026 17:00:00 +0100",
        },
    ]
    return server.route("/feed.xml", rss(items, title=SOURCE + " (feed)"))


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    require_chromium()
    workdir = tmp_path_factory.mktemp("hostile")
    jsonl = workdir / "hostile.jsonl"
    jsonl.write_text(import_lines(), encoding="utf-8")
    feeds = FeedServer().start()
    site = Site(workdir)
    try:
        feed_url = serve_feed(feeds)
        fetch = (
            "from articles.ingest import feeds\n"
            "from articles.models import Source\n"
            f"source = Source.objects.create(name={SOURCE + ' (feed)'!r}, feed_url={feed_url!r})\n"
            "feeds.fetch_and_ingest(source)\n"
            "source.refresh_from_db()\n"
            "assert not source.last_error, source.last_error\n"
        )
        site.setup(jsonl, then=fetch, env={"NEWSDESK_FETCH_ALLOWLIST": f"127.0.0.1:{feeds.port}"})
        yield site.start()
    finally:
        site.stop()
        feeds.stop()


@pytest.fixture(scope="module")
def hostile_articles(hostile_site) -> list[dict]:
    return [a for a in hostile_site.articles() if WORD in a["title"] + a["body"]]


class Markup(HTMLParser):
    """Every element and attribute of an HTML fragment that the sanitizer does not allow."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES.get(tag, set()) and name != "rel":
                self.found.append(f"<{tag} {name}=…>")
            elif name in ("href", "src") and value and not re.match(r"(https?:|mailto:)", value.strip(), re.I):
                # (An empty href is what feedparser leaves of a javascript: link: a link to nowhere.)
                self.found.append(f"<{tag} {name}={value!r}>")


def constructs(html: str) -> list[str]:
    parser = Markup()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_stored_html_holds_none_of_the_constructs(hostile_articles):
    by_feed = [a for a in hostile_articles if a["url"].startswith("http://127.0.0.1")]
    assert len(hostile_articles) == 5 and len(by_feed) == 2
    for article in hostile_articles:
        assert constructs(article["body_html"]) == [], article["title"]
        assert WORD in article["body_html"]
    for article in by_feed:  # arrived as HTML: the sanitizer took every payload out, text and all
        assert_clean(article["body_html"])
        assert "<" not in article["title"] and "<" not in article["teaser"]


# What none of our pages may hold, whatever an article carries (the site's own pages have no
# script but their one static file, no inline style, no frame and no SVG; their only forms are
# the search and filter forms).
FOREIGN_ELEMENTS = (
    "script:not([src^='/static/js/']), style, iframe, frame, object, embed, svg, math, base, meta[http-equiv],"
    " link[rel=import],"
    " form:not(.search-box):not(.search-form), [onerror], [onload], [onmouseover], [onclick], [style],"
    " a[href^='javascript:' i], a[href^='data:' i], img[src^='data:' i], img:not([src^='http'])"
)


def test_no_payload_runs_logs_or_fetches_anything_in_a_browser(hostile_site, hostile_articles, new_page):
    paths = [f"/articles/{article['pk']}/{article['slug']}/" for article in hostile_articles]
    page, watch = new_page(hostile_site, "hostile")
    visits = [("home", "/"), ("club", "/clubs/club-brugge/"), ("search", f"/search/?q={WORD}")]
    visits += [("search-facet", f"/search/?q={WORD}&source=vijandigebron&sort=date")]
    visits += [(f"article-{n}", path) for n, path in enumerate(paths, start=1)]
    for step, path in visits:
        page.goto(hostile_site.url + path)
        expect(page.locator("main")).to_contain_text(WORD)
        assert page.locator(FOREIGN_ELEMENTS).count() == 0, f"{step}: {page.locator(FOREIGN_ELEMENTS).first}"
        scroll_width, viewport_width = no_horizontal_scroll(page)  # long unbroken payloads wrap too
        assert scroll_width <= viewport_width, f"{step}: {scroll_width}px wide in a {viewport_width}px viewport"
        watch.check(step)
    # The Atom feeds carry the same articles, as text (the browser shows the XML).
    for step, path in [("club-feed", "/clubs/club-brugge/feed/"), ("search-feed", f"/search/feed/?q={WORD}")]:
        page.goto(hostile_site.url + path)
        expect(page.locator("body")).to_contain_text(WORD)
        watch.check(step, axe=False)
    # Following the article's links: "Lees het origineel" goes to the source, nowhere else.
    page.goto(hostile_site.url + paths[0])
    original = page.get_by_role("link", name=re.compile("Lees het origineel"))
    assert re.match(r"https?://", original.get_attribute("href"))

    assert watch.dialogs == []
    assert watch.foreign == []
    assert watch.console == [], watch.console  # not even a warning: nothing of the payloads ran
