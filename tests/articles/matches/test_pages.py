"""The competition page, the match page and the fixtures on a club page: what they show and
how many queries they take. Times are set relative to now, so "last" and "next" are certain."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.entities import linking
from articles.models import Match, Story
from articles.stories import clustering
from tests.articles.matches.conftest import BRUSSELS, fixture
from tests.factories import ArticleFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def season(clubs, season_file):
    now = timezone.now().replace(second=0, microsecond=0)
    last, upcoming = now - timedelta(days=2), now + timedelta(days=5)
    matches = [
        fixture("Matchday 1", now - timedelta(days=9), "Club Brugge", "KAA Gent", (1, 1)),
        fixture("Matchday 1", now - timedelta(days=9), "KRC Genk", "RSC Anderlecht", (0, 2)),
        fixture("Matchday 2", last, "Club Brugge", "RSC Anderlecht", (3, 1)),
        fixture("Matchday 2", last + timedelta(hours=2), "KAA Gent", "KRC Genk", (2, 0)),
        fixture("Matchday 3", upcoming, "RSC Anderlecht", "KAA Gent"),
        fixture("Matchday 3", upcoming + timedelta(days=1), "KRC Genk", "Club Brugge", timed=False),
    ]
    call_command("import_fixtures", str(season_file(matches)))
    return {"last": last, "upcoming": upcoming}


def test_competition_page_shows_the_table_and_the_last_and_next_round(client, season, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = client.get("/competities/be.1/")
    assert response.status_code == 200
    table = response.context["table"]
    # Brugge and Gent level on points and goal difference: Brugge scored more.
    assert [(row.club.slug, row.points) for row in table] == [
        ("club-brugge", 4),
        ("gent", 4),
        ("anderlecht", 3),
        ("genk", 0),
    ]
    assert response.context["last_round"].name == "Matchday 2"
    assert response.context["next_round"].name == "Matchday 3"
    page = response.content.decode()
    assert "Jupiler Pro League" in page and "Seizoen 2025-26" in page
    assert "Speeldag 2" in page and "Speeldag 3" in page
    assert "<strong>4</strong>" in page  # the leaders' points
    assert f"{season['upcoming'].astimezone(BRUSSELS):%H:%M}" in page  # kick-off in Brussels time
    assert 'href="/wedstrijden/club-brugge-anderlecht-2025-26/"' in page
    assert client.get("/competities/xx.9/").status_code == 404


def test_match_page_shows_clubs_time_competition_score_and_every_story_and_article(
    client, season, django_assert_max_num_queries
):
    kickoff = season["last"]
    source = SourceFactory(name="Sportkrant")
    story = Story.objects.create(slug="de-topper", headline="Club Brugge wint de topper")
    preview = ArticleFactory(
        title="Club Brugge en Anderlecht klaar voor de topper", published_at=kickoff - timedelta(days=1)
    )
    report = ArticleFactory(
        title="Club Brugge - Anderlecht 3-1", source=source, published_at=kickoff + timedelta(hours=3), story=story
    )
    linking.link_articles([preview, report])
    clustering.refresh_stories([story.pk])
    with django_assert_max_num_queries(10):
        response = client.get("/wedstrijden/club-brugge-anderlecht-2025-26/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/clubs/club-brugge/"' in page and 'href="/clubs/anderlecht/"' in page
    assert '<strong class="score">3-1</strong>' in page
    assert 'href="/competities/be.1/"' in page and "Speeldag 2" in page
    assert f"{kickoff.astimezone(BRUSSELS):%H:%M}" in page
    assert [a.pk for a in response.context["previews"]] == [preview.pk]
    assert [a.pk for a in response.context["reports"]] == [report.pk]
    assert "Club Brugge wint de topper" in page and "Club Brugge en Anderlecht klaar voor de topper" in page
    assert client.get("/wedstrijden/bestaat-niet/").status_code == 404


def test_club_page_shows_next_fixtures_last_results_and_its_place(client, season, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = client.get("/clubs/club-brugge/")
    assert response.status_code == 200
    panel = response.context["fixtures"]()
    assert [m.away.slug for m in panel.upcoming] == ["club-brugge"]  # at Genk, time not known yet
    assert [(m.home.slug, m.away.slug) for m in panel.recent] == [
        ("club-brugge", "anderlecht"),
        ("club-brugge", "gent"),
    ]
    page = response.content.decode()
    assert "1e in de" in page and 'href="/competities/be.1/"' in page and "4 punten na 2 wedstrijden" in page
    assert '<strong class="score">3-1</strong>' in page
    assert "Volgende wedstrijden" in page and 'href="/clubs/club-brugge/wedstrijden.ics"' in page


def test_a_club_page_without_fixtures_keeps_its_query_budget(client, clubs, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = client.get("/clubs/anderlecht/")
    assert response.status_code == 200 and not response.context["fixtures"]().places
    assert not Match.objects.exists()


def test_the_sitemap_lists_competitions_and_the_current_seasons_matches(client, season, season_file):
    older = [fixture("Matchday 1", timezone.now() - timedelta(days=400), "KAA Gent", "Club Brugge", (0, 1))]
    call_command("import_fixtures", str(season_file(older, season="2024-25")))
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-competitions.xml" in index and "sitemap-matches.xml" in index
    competitions = client.get("/sitemap-competitions.xml").content.decode()
    assert "<loc>http://testserver/competities/be.1/</loc>" in competitions
    matches = client.get("/sitemap-matches.xml").content.decode()
    assert matches.count("<loc>") == 6  # this season's six, not last season's
    assert "<loc>http://testserver/wedstrijden/club-brugge-anderlecht-2025-26/</loc>" in matches
    assert "2024-25" not in matches
