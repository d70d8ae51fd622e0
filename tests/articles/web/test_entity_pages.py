"""Club and player pages: grouping, counts, filters, results, stories, feeds, query counts."""

from datetime import timedelta

import feedparser
import pytest
from django.utils import timezone

from articles.entities import linking
from articles.models import Story
from articles.stories import clustering
from tests.factories import ArticleFactory, ClubFactory, PlayerFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    brugge = ClubFactory(slug="club-brugge", name="Club Brugge", country="BEL", league="Jupiler Pro League")
    anderlecht = ClubFactory(
        slug="anderlecht", name="RSC Anderlecht", aliases=["Anderlecht"], country="BEL", league="Jupiler Pro League"
    )
    ajax = ClubFactory(slug="ajax", name="Ajax", country="NED", league="Eredivisie")
    vanaken = PlayerFactory(slug="hans-vanaken", name="Hans Vanaken", club=brugge)
    PlayerFactory(slug="brandon-mechele", name="Brandon Mechele", club=brugge)
    linking.bump_gazetteer_version()
    krant, site = SourceFactory(name="Sportkrant"), SourceFactory(name="Doelpunt")
    now = timezone.now()
    story = Story.objects.create(slug="topper", headline="De topper in Brugge")
    articles = [
        ArticleFactory(
            title="Club Brugge – Anderlecht 3-1",
            body="Hans Vanaken scoorde twee keer.",
            source=krant,
            published_at=now - timedelta(days=1),
            story=story,
        ),
        ArticleFactory(
            title="Mechele verlengt bij Club Brugge",
            body="Brandon Mechele tekent bij.",
            source=site,
            published_at=now - timedelta(days=10),
        ),
        ArticleFactory(title="Ajax zoekt een trainer", body="Het bestuur praat.", source=site, published_at=now),
    ]
    # Many more articles about the club: lists must not cost a query per article.
    articles += [
        ArticleFactory(
            title=f"Club Brugge traint voor de zoveelste keer ({n})",
            body="Hans Vanaken en Brandon Mechele waren erbij.",
            source=krant,
            published_at=now - timedelta(days=20, hours=n),
        )
        for n in range(30)
    ]
    linking.link_articles(articles)
    clustering.refresh_stories([story.pk])
    return {"brugge": brugge, "anderlecht": anderlecht, "ajax": ajax, "vanaken": vanaken, "krant": krant, "site": site}


def titles(response):
    return [article.title for article in response.context["page"].object_list]


def test_club_list_groups_by_country_and_league_with_counts(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = client.get("/clubs/")
    countries = response.context["countries"]
    assert [country for country, _ in countries] == ["België", "Nederland"]
    belgium = dict(countries[0][1])
    counts = {club.slug: club.article_count for club in belgium["Jupiler Pro League"]}
    assert counts == {"club-brugge": 32, "anderlecht": 1}
    page = response.content.decode().partition('<main id="main"')[2]  # the header names competitions too
    assert page.index("België") < page.index("Eredivisie")


def test_club_page_lists_articles_players_results_and_stories(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = client.get("/clubs/club-brugge/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 32
    assert titles(response)[0] == "Club Brugge – Anderlecht 3-1"
    page = response.content.decode()
    assert "32 artikels" in page
    assert 'href="/players/hans-vanaken/"' in page and 'href="/players/brandon-mechele/"' in page
    assert "<strong>3-1</strong>" in page  # the result, with both clubs linked
    assert 'href="/clubs/anderlecht/"' in page
    assert "De topper in Brugge" in page
    assert 'type="application/atom+xml"' in page and "/clubs/club-brugge/feed/" in page


def test_club_page_filters_by_player_source_and_date(client, world, django_assert_max_num_queries):
    mechele = world["brugge"].players.get(slug="brandon-mechele")
    with django_assert_max_num_queries(10):
        by_player = client.get("/clubs/club-brugge/", {"player": mechele.pk})
    assert by_player.context["page"].paginator.count == 31
    assert "Club Brugge – Anderlecht 3-1" not in titles(by_player)
    by_source = client.get("/clubs/club-brugge/", {"source": world["site"].pk})
    assert titles(by_source) == ["Mechele verlengt bij Club Brugge"]
    since = (timezone.now() - timedelta(days=15)).date().isoformat()
    recent = client.get("/clubs/club-brugge/", {"date_from": since})
    assert titles(recent) == ["Club Brugge – Anderlecht 3-1", "Mechele verlengt bij Club Brugge"]
    # Pages keep the filters in their links.
    paged = client.get("/clubs/club-brugge/", {"source": world["krant"].pk})
    assert f"source={world['krant'].pk}&amp;page=2" in paged.content.decode()


def test_club_and_player_pages_count_up_to_the_limit_as_search_does(client, world, settings):
    """A big club's articles are counted only up to NEWSDESK_SEARCH_COUNT_LIMIT (counting all
    10,000 of them was most of a club page at a million articles): beyond it the page says
    "meer dan", and its pages end there; a filter that selects fewer counts them exactly."""
    settings.NEWSDESK_SEARCH_COUNT_LIMIT = 25
    response = client.get("/clubs/club-brugge/")
    paginator = response.context["page"].paginator
    assert (paginator.count, paginator.count_exact, paginator.num_pages) == (25, False, 2)
    page = response.content.decode()
    assert "meer dan 25 artikels" in page and "32 artikels" not in page
    assert client.get("/clubs/club-brugge/", {"page": 3}).context["page"].number == 2  # the last there is

    since = (timezone.now() - timedelta(days=15)).date().isoformat()
    recent = client.get("/clubs/club-brugge/", {"date_from": since})
    assert (recent.context["page"].paginator.count, recent.context["page"].paginator.count_exact) == (2, True)
    assert "2 artikels" in recent.content.decode()

    player = client.get("/players/hans-vanaken/").content.decode()
    assert "meer dan 25 artikels" in player
    settings.NEWSDESK_SEARCH_COUNT_LIMIT = 31
    assert "31 artikels" in client.get("/players/hans-vanaken/").content.decode()


def test_a_bad_filter_value_is_a_form_error_not_a_crash(client, world):
    response = client.get("/clubs/club-brugge/", {"date_from": "gisteren", "player": "999999"})
    assert response.status_code == 200
    assert response.context["filter"].errors
    assert response.context["page"].paginator.count == 32


def test_player_page_shows_club_articles_and_feed(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = client.get("/players/hans-vanaken/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 31
    page = response.content.decode()
    assert 'href="/clubs/club-brugge/"' in page
    assert "/players/hans-vanaken/feed/" in page


@pytest.mark.parametrize("url, count", [("/clubs/club-brugge/feed/", 30), ("/players/hans-vanaken/feed/", 30)])
def test_atom_feeds_list_the_latest_articles(client, world, url, count, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert len(feed.entries) == count
    assert feed.entries[0].title == "Club Brugge – Anderlecht 3-1"
    assert feed.entries[0].author == "Sportkrant"


def test_unknown_club_and_player_are_404(client, world):
    for url in ["/clubs/geen-club/", "/clubs/geen-club/feed/", "/players/niemand/", "/players/niemand/feed/"]:
        assert client.get(url).status_code == 404, url


def test_atom_summaries_are_plain_text_so_a_teaser_never_becomes_markup(client, world):
    """A source's teaser that reads like HTML reaches a feed reader as text: `type="text"`
    summaries, the characters escaped once, never `type="html"` (which readers render)."""
    from articles.models import Article
    from search import indexing

    hostile = '<script>alert(1)</script> <img src=x onerror="alert(2)"> <a href="javascript:alert(3)">lees</a>'
    Article.objects.update(teaser=hostile)
    indexing.index_pending()  # the search feed reads the index
    for url in ["/clubs/club-brugge/feed/", "/players/hans-vanaken/feed/", "/search/feed/?q=Brugge"]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert 'type="html"' not in body, url
        assert "<script>" not in body and "<img" not in body, url
        summaries = [entry.summary_detail for entry in feedparser.parse(response.content).entries]
        assert summaries and all(detail.type == "text/plain" for detail in summaries), url
        assert {entry.summary for entry in feedparser.parse(response.content).entries} == {hostile}, url
