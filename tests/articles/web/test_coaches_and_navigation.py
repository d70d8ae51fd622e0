"""Coaches shown as coaches (their page, chips, the directories), and the header's navigation
to competitions and national teams."""

import re

import pytest

from articles.entities import linking
from tests.factories import ArticleFactory, ClubFactory, PlayerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def brugge():
    club = ClubFactory(slug="club-brugge", name="Club Brugge", country="BEL", league="Jupiler Pro League")
    ClubFactory(slug="ajax", name="Ajax", country="NED", league="Eredivisie")
    ClubFactory(slug="arsenal", name="Arsenal", country="ENG", league="Premier League")
    coach = PlayerFactory(slug="ivan-leko", name="Ivan Leko", club=club, role="coach")
    player = PlayerFactory(slug="hans-vanaken", name="Hans Vanaken", club=club)
    PlayerFactory(slug="aaron-aardvark", name="Aaron Aardvark", club=club)  # before the coach by name
    linking.bump_gazetteer_version()
    article = ArticleFactory(title="Club Brugge wint", body="Trainer Ivan Leko zag Hans Vanaken scoren.")
    linking.link_articles([article])
    return {"club": club, "coach": coach, "player": player, "article": article}


def test_a_coachs_page_says_whose_trainer_he_is(client, brugge):
    html = client.get("/players/ivan-leko/").content.decode()
    assert 'Trainer van <a href="/clubs/club-brugge/">Club Brugge</a>' in html
    html = client.get("/players/hans-vanaken/").content.decode()
    assert 'Speler van <a href="/clubs/club-brugge/">Club Brugge</a>' in html
    assert "Trainer van" not in html


def test_chips_mark_the_coach(client, brugge, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        html = client.get(brugge["article"].get_absolute_url()).content.decode()
    chips = {
        slug: classes
        for classes, slug in re.findall(r'<a class="chip chip-player([^"]*)" href="/players/([\w-]+)/"', html)
    }
    assert chips == {"ivan-leko": " chip-coach", "hans-vanaken": ""}
    assert '<span class="role">trainer</span>Ivan Leko</a>' in html


def test_the_player_directory_puts_each_clubs_coach_first_and_marks_him(client, brugge, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        html = client.get("/players/").content.decode()
    group = html.partition('id="club-club-brugge"')[2].partition("</section>")[0]
    names = re.findall(r'<a href="/players/[\w-]+/">([^<]+)</a>', group)
    assert names == ["Ivan Leko", "Aaron Aardvark", "Hans Vanaken"]
    assert 'Ivan Leko</a> <span class="role">trainer</span>' in group


def test_a_club_page_lists_its_coach_first(client, brugge):
    html = client.get("/clubs/club-brugge/").content.decode()
    sidebar = html.partition("<h2>Spelers</h2>")[2]
    names = re.findall(r'<a href="/players/[\w-]+/">([^<]+)</a>', sidebar)
    assert names == ["Ivan Leko", "Aaron Aardvark", "Hans Vanaken"]


def test_the_header_leads_to_the_competitions_and_the_national_teams(client, brugge):
    html = client.get("/").content.decode()
    nav = html.partition('<nav class="section-nav"')[2].partition("</nav>")[0]
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)
    assert links == [
        ("/competities/be.1/", "Jupiler Pro League"),
        ("/competities/be.2/", "Challenger Pro League"),
        ("/competities/nl.1/", "Eredivisie"),
        ("/clubs/#buitenland", "Buitenland"),
        ("/search/?q=Rode+Duivels", "Rode Duivels"),
        ("/search/?q=Oranje", "Oranje"),
    ]
    assert 'aria-label="Competities en nationale ploegen"' in html


def test_buitenland_lands_on_the_first_country_after_belgium_and_the_netherlands(client, brugge):
    html = client.get("/clubs/").content.decode().partition('<main id="main"')[2]
    anchor = html.index('id="buitenland"')
    assert (
        html.index('<h2 id="land-2-title">Nederland</h2>') < anchor < html.index('<h2 id="land-3-title">Engeland</h2>')
    )
