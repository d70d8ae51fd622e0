"""A reader in a real browser: home page, club, article and its teasers, search with facets,
the player and story directories, a story's timeline, a page that does not exist, times that
stay relative, the keyboard alone, a phone's width. Every page: no console error, no failed request (the
favicon included), no request to another host, no serious accessibility violation."""

import re
import secrets
import struct
import zlib
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

import pytest
from playwright.sync_api import expect

from tests.browser.harness import ROOT, Site, no_horizontal_scroll
from tests.feedserver import FeedServer
from tests.services import require_chromium

pytestmark = [pytest.mark.once]


def test_a_reader_goes_from_the_home_page_to_a_club_an_article_and_its_teasers(demo_site, new_page):
    page, watch = new_page(demo_site, "reader")
    page.goto(demo_site.url + "/")
    expect(page.get_by_role("heading", name="Laatste verhalen")).to_be_visible()
    watch.check("home")

    page.locator("a.chip-club", has_text="Club Brugge").first.click()
    expect(page).to_have_url(demo_site.url + "/clubs/club-brugge/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Club Brugge")
    watch.check("club")

    page.locator("main .teasers .teaser-title a").first.click()
    expect(page).to_have_url(re.compile(r"/articles/\d+/[\w-]+/$"))
    watch.check("article")

    # "LEES OOK" after the first paragraph, then a "Meest recent" and a "Gerelateerd" teaser.
    for step, link in [
        ("lees-ook", page.locator(".article-body .read-also a")),
        ("meest-recent", page.locator('section[aria-labelledby="latest-title"] .teaser-title a')),
        ("gerelateerd", page.locator('section[aria-labelledby="related-title"] .teaser-title a')),
    ]:
        link = link.first
        expect(link).to_be_visible()
        title, href = link.inner_text(), link.get_attribute("href")
        link.click()
        expect(page).to_have_url(demo_site.url + href)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        watch.check(step)


def test_a_reader_browses_players_and_stories_and_follows_a_story_as_it_unfolded(demo_site, new_page):
    page, watch = new_page(demo_site, "indexes")
    page.goto(demo_site.url + "/")
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("link", name="Spelers").click()
    expect(page).to_have_url(demo_site.url + "/players/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Spelers")
    expect(page.get_by_role("heading", level=2, name="Club Brugge", exact=True)).to_be_visible()
    watch.check("players")

    page.locator("#club-club-brugge").get_by_role("link", name="Hans Vanaken").click()
    expect(page).to_have_url(demo_site.url + "/players/hans-vanaken/")
    # ("Meer over Club Brugge" stays away here: the demo's Brugge articles all name him, and the page lists them.)
    sidebar = page.get_by_role("complementary", name="Verder lezen")
    expect(sidebar.get_by_role("heading", name="Meest recent")).to_be_visible()
    watch.check("player")

    menu.get_by_role("link", name="Verhalen").click()
    expect(page).to_have_url(demo_site.url + "/stories/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verhalen")
    watch.check("stories")

    # A story several sources report: its page is a timeline, the first report marked.
    story = page.locator(".story-index .teaser", has_text="bronnen").first.get_by_role("link")
    title = story.inner_text()
    story.click()
    expect(page).to_have_url(re.compile(r"/stories/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".timeline-entry").first.locator(".first-report")).to_contain_text("Eerst gemeld door ")
    expect(page.locator(".timeline-entry .delay").first).to_have_text(re.compile(r"^\+\d+ (d|u|min)"))
    watch.check("timeline")


@pytest.fixture(scope="module")
def production_site(tmp_path_factory):
    """A site as production runs it (DJANGO_DEBUG=0: Django's own error pages off, static files
    from collectstatic's manifest), with nothing loaded: what a reader meets on a wrong address."""
    require_chromium()
    workdir = tmp_path_factory.mktemp("production-site")
    site = Site(workdir)
    site.env.update(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain http on loopback
            "DJANGO_STATIC_ROOT": str(workdir / "static"),
        }
    )
    try:
        site.create_database()
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["rebuild_index", "--quiet"]):
            site.manage(*command)
        yield site.start()
    finally:
        site.stop()


def test_a_reader_on_a_wrong_address_gets_a_dutch_404_and_searches_from_it(production_site, new_page):
    page, watch = new_page(production_site, "404")
    url = production_site.url + "/clubs/bestaat-niet/"
    response = page.goto(url)
    assert response.status == 404
    # The one failed request this step is about (the browser logs it too); nothing else may fail.
    expected = [
        f"HTTP 404: {url}",
        "console error: Failed to load resource: the server responded with a status of 404 (Not Found)",
    ]
    for problem in expected:
        watch.problems.remove(problem)
    expect(page).to_have_title("Pagina niet gevonden · newsdesk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze pagina bestaat niet (meer)")
    expect(page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Verhalen")).to_be_visible()
    watch.check("not-found")
    page.get_by_role("searchbox", name="Zoeken in het nieuws").fill("Vanaken")
    page.keyboard.press("Enter")
    expect(page).to_have_url(production_site.url + "/search/?q=Vanaken")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zoekresultaten voor “Vanaken”")
    watch.check("search-from-404")


def test_times_stay_relative_on_a_page_left_open(demo_site, new_page):
    """static/js/relative-time.js writes the times again every minute: a page kept in a cache,
    or open in a tab, does not keep saying "net nu"."""
    page, watch = new_page(demo_site, "clock")
    page.clock.install()
    page.goto(demo_site.url + "/stories/")
    first = page.locator("main time[data-relative]").first
    first.evaluate("el => el.setAttribute('datetime', new Date(Date.now() - 5 * 60000).toISOString())")
    page.clock.run_for(120_000)  # two ticks of the script's minute, the last 6 to 7 minutes after
    expect(first).to_have_text(re.compile(r"^[67] minuten geleden$"))
    first.evaluate("el => el.setAttribute('datetime', new Date(Date.now() - 26 * 3600000).toISOString())")
    page.clock.run_for(60_000)
    expect(first).to_have_text(re.compile(r"^(gisteren om \d\d:\d\d|\d{1,2} [a-z]+)$"))
    watch.check("refreshed", axe=False)  # axe ran on this page in the test above


def results(page) -> int:
    return int(re.match(r"\d+", page.locator(".result-count").inner_text()).group())


def test_a_reader_searches_narrows_with_a_facet_and_removes_it(demo_site, new_page):
    page, watch = new_page(demo_site, "search")
    page.goto(demo_site.url + "/")
    page.get_by_role("searchbox", name="Zoeken in het nieuws").fill("Anderlecht")
    page.keyboard.press("Enter")
    expect(page).to_have_url(demo_site.url + "/search/?q=Anderlecht")
    everything = results(page)
    assert everything > 1
    expect(page.locator(".active-filters")).to_have_count(0)
    watch.check("results")

    facets = page.get_by_role("complementary", name="Verfijnen")
    facets.get_by_role("link", name="Club Brugge", exact=True).click()
    expect(page).to_have_url(demo_site.url + "/search/?q=Anderlecht&club=club-brugge")
    chip = page.locator(".active-filters").get_by_role("link", name="Filter verwijderen: Club: Club Brugge")
    expect(chip).to_be_visible()
    expect(facets.locator('a[aria-current="true"]')).to_contain_text("Club Brugge")
    narrowed = results(page)
    assert 0 < narrowed < everything
    watch.check("facet")

    # A new query typed in the page's form keeps the filter, and the page says so.
    query = page.get_by_role("searchbox", name="Zoekopdracht")
    query.fill("topper")
    query.press("Enter")
    expect(page).to_have_url(re.compile(r"\?q=topper&.*club=club-brugge"))
    expect(chip).to_be_visible()
    expect(page.locator(".active-filters")).to_contain_text("Een nieuwe zoekopdracht blijft binnen deze filters.")
    watch.check("new-query")

    chip.click()
    expect(page).to_have_url(re.compile(r"\?q=topper[^&]*(&date_from=&date_to=&sort=relevance)?$"))
    expect(page.locator(".active-filters")).to_have_count(0)
    expect(facets.locator('a[aria-current="true"]')).to_have_count(0)
    watch.check("filter-removed")


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {tag: el.tagName, href: el.getAttribute('href') || '', text: el.innerText || '',
          visible: el !== document.body && (outline || style.boxShadow !== 'none')};
}"""


def tab_to(page, matches, limit=250) -> dict:
    """Press Tab until the focused element satisfies `matches` (its tag, href and text), checking
    on the way that every focused element shows it has the focus (an outline or a shadow)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["visible"], f"no visible focus on {focused}"
        if matches(focused):
            return focused
    raise AssertionError(f"no element found by Tab in {limit} presses on {page.url}")


def test_a_reader_pages_with_the_keyboard_alone(demo_site, new_page):
    page, watch = new_page(demo_site, "keyboard")
    page.goto(demo_site.url + "/")
    watch.check("home")

    # The first Tab reaches the skip link, which shows itself; Enter goes to the content.
    skip = tab_to(page, lambda el: True, limit=1)
    assert skip["text"] == "Naar de inhoud"
    box = page.locator(".skip-link").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    tab_to(page, lambda el: el["href"] == "?page=2")
    page.keyboard.press("Enter")
    expect(page).to_have_url(demo_site.url + "/?page=2")
    watch.check("home-page-2")

    story = tab_to(page, lambda el: re.match(r"/(articles|stories)/", el["href"]) and el["text"])
    page.keyboard.press("Enter")
    expect(page).to_have_url(demo_site.url + story["href"])
    expect(page.get_by_role("heading", level=1)).to_have_text(story["text"])
    watch.check("followed")

    # Back on the first page by the pagination's "Vorige" link.
    page.goto(demo_site.url + "/?page=2")
    tab_to(page, lambda el: el["href"] == "?page=1")
    page.keyboard.press("Enter")
    expect(page).to_have_url(demo_site.url + "/?page=1")
    watch.check("home-page-1")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/clubs/",
        "/clubs/club-brugge/",
        "/players/",
        "/players/hans-vanaken/",
        "/stories/",
        "/search/?q=Brugge&club=club-brugge",
        "article",
    ],
)
def test_the_site_at_390_px_wide(demo_site, new_page, path):
    page, watch = new_page(demo_site, "mobile", viewport={"width": 390, "height": 844})
    if path == "article":
        page.goto(demo_site.url + "/clubs/club-brugge/")
        page.locator("main .teasers .teaser-title a").first.click()
        expect(page).to_have_url(re.compile(r"/articles/"))
    else:
        page.goto(demo_site.url + path)
    scroll_width, viewport_width = no_horizontal_scroll(page)
    assert scroll_width <= viewport_width, f"{page.url}: {scroll_width}px wide in a {viewport_width}px viewport"
    watch.check(path.split("?")[0].strip("/").replace("/", "-") or "home")


# --- Lead images: hotlinked from the news site, on cards and atop the article -----------------

SCREENS = ROOT / "var" / "screens"


def png(width: int, height: int, row_colour) -> bytes:
    """A PNG drawn row by row: row_colour(y) -> (r, g, b) (a pitch, a sky: something to look at)."""
    rows = b"".join(b"\x00" + bytes(row_colour(y)) * width for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def pitch(y: int) -> tuple:
    if 333 <= y <= 341:
        return (236, 240, 236)  # the halfway line
    return (46, 125, 50) if (y // 75) % 2 else (56, 142, 60)  # mown stripes


def evening_sky(y: int) -> tuple:
    return (20 + y // 8, 40 + y // 7, 90 + y // 6)


ARTICLE_TEXT = (
    "Club Brugge heeft zaterdagavond in het Jan Breydelstadion een verdiende zege geboekt. "
    "Hans Vanaken opende na een kwartier de score met een beheerste plaatsbal in de verste hoek. "
    "Na de rust drukte blauw-zwart door en viel de tweede treffer na een snelle aanval over links. "
    "De bezoekers kwamen er in het slot nog even bij, maar de thuisploeg hield stand tot het laatste fluitsignaal. "
    "Met deze overwinning blijft Club Brugge in het spoor van de leider, en de trainer toonde zich tevreden "
    "over de manier waarop zijn ploeg de wedstrijd naar zich toe trok in een volle en kolkende tribune."
)


EVENING_TEXT = (
    "RSC Anderlecht is in het Lotto Park niet verder geraakt dan een gelijkspel tegen een taai Westerlo. "
    "De paars-witten hadden het balbezit, maar vonden zelden een opening in het compacte blok van de Kempenaars. "
    "Een afgeweken schot zorgde net voor het uur voor de openingstreffer van de bezoekers. "
    "Anderlecht zette daarna alles op alles en werd beloond met een kopbal uit een hoekschop in de slotminuten. "
    "Het publiek floot na afloop: de achterstand op de top loopt op, en de komende weken wachten zware verplaatsingen."
)


@pytest.fixture(scope="module")
def news_site(tmp_path_factory):
    """The demo archive plus two articles a feed brought in just now: one whose feed names a
    1200 x 675 photo (media:content), one whose page names a photo without a size (og:image).
    Both photos are served by the news site's own server: another host, as on the real web."""
    require_chromium()
    news = FeedServer().start()
    news.route("/beelden/elftal.png", png(1200, 675, pitch), headers={"Content-Type": "image/png"})
    news.route("/beelden/avond.png", png(960, 540, evening_sky), headers={"Content-Type": "image/png"})
    page = (
        "<!DOCTYPE html><html lang=nl><head><meta charset=utf-8><title>Anderlecht speelt gelijk</title>"
        '<meta property="og:image" content="/beelden/avond.png">'
        '<meta property="og:image:alt" content="Het Lotto Park bij avondval"></head><body><main><article>'
        "<h1>Anderlecht speelt gelijk in eigen huis</h1>"
        + "".join(f"<p>{escape(part)}.</p>" for part in EVENING_TEXT.split(". "))
        + "</article></main></body></html>"
    )
    news.route("/voetbal/anderlecht-gelijk", page)
    now = format_datetime(datetime.now(UTC))
    feed = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Beeldkrant</title><link>{news.url("/")}</link><description>Voetbal</description>
<item><title>Club Brugge wint met beeld en klank</title><link>{news.url("/voetbal/brugge-wint")}</link>
  <guid>{news.url("/voetbal/brugge-wint")}</guid><pubDate>{now}</pubDate>
  <description>Club Brugge wint.</description>
  <content:encoded><![CDATA[<p>{escape(ARTICLE_TEXT)}</p>]]></content:encoded>
  <media:content url="/beelden/elftal.png" medium="image" width="1200" height="675"/></item>
<item><title>Anderlecht speelt gelijk in eigen huis</title><link>{news.url("/voetbal/anderlecht-gelijk")}</link>
  <guid>{news.url("/voetbal/anderlecht-gelijk")}</guid><pubDate>{now}</pubDate>
  <description>Anderlecht speelt gelijk.</description></item>
</channel></rss>"""
    feed_url = news.route("/feed.xml", feed)
    site = Site(tmp_path_factory.mktemp("news-site"))
    try:
        site.setup(
            then=f"run('add_source', {feed_url!r}, '--name', 'Beeldkrant')\nrun('fetch_sources')",
            env={"NEWSDESK_ALLOW_PRIVATE_FETCH": "1"},
        )
        site.news = news
        yield site.start()
    finally:
        site.stop()
        news.stop()


LOADED = "img => img.complete && img.naturalWidth > 0"


def lead_image_checked(image, width=None, height=None) -> None:
    """Lazy, decoded off the main thread, no referrer, its size given when known; and loaded."""
    assert image.get_attribute("loading") == "lazy"
    assert image.get_attribute("decoding") == "async"
    assert image.get_attribute("referrerpolicy") == "no-referrer"
    assert image.get_attribute("width") == width and image.get_attribute("height") == height
    image.scroll_into_view_if_needed()
    image.page.wait_for_function(f"([img]) => ({LOADED})(img)", arg=[image.element_handle()])


@pytest.mark.parametrize("width", [1280, 390])
def test_a_reader_sees_the_news_sites_photos_on_cards_and_atop_the_article(news_site, new_page, width):
    page, watch = new_page(news_site, f"images-{width}", viewport={"width": width, "height": 900})
    watch.image_hosts.append(f"127.0.0.1:{news_site.news.port}")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.goto(news_site.url + "/")
    sized = page.locator(".story-card img.card-image[src$='/beelden/elftal.png']").first
    lead_image_checked(sized, "1200", "675")
    unsized = page.locator(".story-card img.card-image[src$='/beelden/avond.png']").first
    lead_image_checked(unsized)
    assert unsized.get_attribute("alt") == "Het Lotto Park bij avondval"
    box = unsized.bounding_box()
    assert abs(box["width"] / box["height"] - 16 / 9) < 0.02, box  # the 16:9 box when the size is unknown
    # The competitions row fits the phone by scrolling sideways, not by widening the page.
    assert no_horizontal_scroll(page)[0] <= width
    expect(
        page.get_by_role("navigation", name="Competities en nationale ploegen").get_by_role("link", name="Eredivisie")
    ).to_be_attached()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENS / f"home-{width}.png"))
    watch.check("home")

    card = page.locator(".story-card", has=page.locator("img[src$='/beelden/elftal.png']")).first
    card.locator(".teaser-title a").click()
    expect(page).to_have_url(re.compile(r"/articles/\d+/club-brugge-wint-met-beeld-en-klank/$"))
    lead_image_checked(page.locator("article img.article-image"), "1200", "675")
    assert no_horizontal_scroll(page)[0] <= width
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENS / f"article-{width}.png"))
    watch.check("article")

    # The club page's teaser list: the photo beside the text.
    page.goto(news_site.url + "/clubs/club-brugge/")
    lead_image_checked(page.locator(".teaser-with-image img.teaser-image").first, "1200", "675")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENS / f"club-{width}.png"))
    watch.check("club")
