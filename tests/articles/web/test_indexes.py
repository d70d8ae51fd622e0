"""The directories: every player under his club (/players/), every story newest first
(/stories/), both in the header, both cheap whatever the archive's size."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.templatetags.dates import relative_time
from tests.factories import ArticleFactory, ClubFactory, PlayerFactory, StoryFactory

pytestmark = pytest.mark.django_db


def test_the_header_and_the_sitemap_link_to_players_and_stories(client):
    nav = client.get("/").content.decode().split('<nav aria-label="Hoofdmenu">')[1].split("</nav>")[0]
    assert '<a href="/players/">Spelers</a>' in nav and '<a href="/stories/">Verhalen</a>' in nav
    pages = client.get("/sitemap-pages.xml").content.decode()
    assert "<loc>http://testserver/players/</loc>" in pages and "<loc>http://testserver/stories/</loc>" in pages


def test_players_are_listed_under_their_clubs_in_the_club_lists_order(client, django_assert_max_num_queries):
    clubs = [
        ClubFactory(slug="ajax", name="Ajax", country="NED", league="Eredivisie"),
        ClubFactory(slug="club-brugge", name="Club Brugge", country="BEL", league="Jupiler Pro League"),
        ClubFactory(slug="rwdm", name="RWDM", country="BEL", league="Challenger Pro League"),
        ClubFactory(slug="anderlecht", name="RSC Anderlecht", country="BEL", league="Jupiler Pro League"),
        ClubFactory(slug="arsenal", name="Arsenal", country="ENG", league="Premier League"),
        ClubFactory(slug="leeg", name="Zonder spelers", country="BEL", league="Jupiler Pro League"),
    ]
    for club in clubs[:5]:
        PlayerFactory(name=f"Speler van {club.name}", slug=f"speler-{club.slug}", club=club)
    PlayerFactory(name="Aaron Vroeg", slug="aaron-vroeg", club=clubs[1])
    PlayerFactory(name="Vrije Speler", slug="vrije-speler", club=None)

    with django_assert_max_num_queries(2):  # the clubs and the players, however many
        response = client.get("/players/")
    html = response.content.decode()
    headings = re.findall(r'<h2 id="[^"]+"><a href="/clubs/([\w-]+)/">', html)
    # The club list's order (selectors.club_directory); no heading for a club without players.
    assert headings == ["club-brugge", "anderlecht", "rwdm", "ajax", "arsenal"]
    brugge = html.split('id="club-club-brugge"')[1].split("</section>")[0]
    assert brugge.index(">Aaron Vroeg<") < brugge.index(">Speler van Club Brugge<")  # by name
    assert 'href="/players/aaron-vroeg/"' in brugge
    # Players without a club come last, under a heading of their own.
    assert html.index(">Zonder club</h2>") > html.index('id="club-arsenal"')
    assert 'href="/players/vrije-speler/"' in html.split(">Zonder club</h2>")[1]


@pytest.fixture
def stories():
    now = timezone.now()
    made = []
    for n in range(25):
        story = StoryFactory(
            slug=f"verhaal-{n}",
            headline="",
            article_count=n + 1,
            source_count=min(n + 1, 4),
            last_published_at=now - timedelta(hours=n),
        )
        story.lead_article = ArticleFactory(title=f"Kop van verhaal {n}", story=story)
        story.save()
        made.append(story)
    StoryFactory(slug="leeg", headline="Alles verborgen", article_count=0, last_published_at=now)
    return made


def test_stories_are_listed_newest_first_twenty_a_page_with_their_counts(client, stories, django_assert_num_queries):
    with django_assert_num_queries(2):  # the count (then cached) and the page, stories and leads in one
        response = client.get("/stories/")
    html = response.content.decode()
    titles = re.findall(r'<h2 class="teaser-title"><a href="/stories/([\w-]+)/">([^<]+)</a>', html)
    assert titles == [(f"verhaal-{n}", f"Kop van verhaal {n}") for n in range(20)]  # "leeg" has nothing published
    third = html.split('href="/stories/verhaal-2/"')[1].split("</li>")[0]
    # "2 uur geleden", or "gisteren om …" between midnight and two in Brussels.
    ago = relative_time(stories[2].last_published_at)
    assert "3 bronnen · 3 artikels · bijgewerkt <time" in third and f"{ago}</time>" in third
    assert "1 bron · 1 artikel" in html.split('href="/stories/verhaal-0/"')[1].split("</li>")[0]
    assert "Pagina 1 van 2" in html and 'href="?page=2"' in html

    with django_assert_num_queries(1):  # the count comes from the cache now
        response = client.get("/stories/?page=2")
    titles = re.findall(r'<a href="/stories/([\w-]+)/">', response.content.decode())
    assert titles == [f"verhaal-{n}" for n in range(20, 25)]
    assert client.get("/stories/?page=99").context["page"].number == 2
    assert client.get("/stories/?page=x").context["page"].number == 1


def test_an_editors_headline_names_the_story_in_the_list(client, stories):
    stories[0].headline = "De topper van het jaar"
    stories[0].save()
    assert ">De topper van het jaar</a>" in client.get("/stories/").content.decode()
