"""Scores from the news against the fixtures data: "volgens <bron>" until the data has the score,
a conflict for editors where they disagree, and results the data lacks on club pages as before."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.entities import linking
from articles.matches import reconcile
from articles.models import ArticleMatch, LinkOrigin, LinkState, Match, Source
from tests.articles.matches.conftest import fixture
from tests.factories import ArticleFactory, SourceFactory

pytestmark = pytest.mark.django_db
URL = "/wedstrijden/club-brugge-anderlecht-2025-26/"


@pytest.fixture
def kickoff():
    return (timezone.now() - timedelta(hours=4)).replace(second=0, microsecond=0)


@pytest.fixture
def played(clubs, season_file, kickoff):
    """Import the match with this full-time score (None: the data has no score yet)."""

    def load(score):
        path = season_file([fixture("Matchday 9", kickoff, "Club Brugge", "RSC Anderlecht", score)])
        call_command("import_fixtures", str(path))
        return Match.objects.get()

    return load


def report(kickoff, title, source="Sportkrant", hours=2):
    outlet = Source.objects.filter(name=source).first() or SourceFactory(name=source)
    article = ArticleFactory(title=title, source=outlet, published_at=kickoff + timedelta(hours=hours))
    linking.link_articles([article])
    return article


def test_a_score_from_the_news_shows_as_according_to_its_source_until_the_data_confirms_it(client, played, kickoff):
    match = played(None)
    report(kickoff, "Club Brugge - Anderlecht 2-1")
    report(kickoff, "Anderlecht verliest met 1-2 bij Club Brugge", source="Doelpunt", hours=3)
    match.refresh_from_db()
    assert (match.reported_home_goals, match.reported_away_goals) == (2, 1)
    page = client.get(URL).content.decode()
    assert "2-1" in page and "volgens Sportkrant" in page
    assert client.get("/api/matches/", {"club": "club-brugge"}).json()["results"][0]["reported_by"] == "Sportkrant"
    played((2, 1))
    match.refresh_from_db()
    page = client.get(URL).content.decode()
    assert '<strong class="score">2-1</strong>' in page and "volgens" not in page
    assert not match.score_conflict


def test_a_report_that_disagrees_with_the_data_is_a_conflict_editors_see(admin_client, played, kickoff):
    played((1, 1))
    wrong = report(kickoff, "Club Brugge - Anderlecht 2-1")
    match = Match.objects.get()
    assert match.score_conflict
    listed = admin_client.get(reverse("admin:articles_match_changelist"), {"berichtgeving": "conflict"})
    assert "Club Brugge" in listed.content.decode()
    detail = admin_client.get(reverse("admin:articles_match_change", args=[match.pk])).content.decode()
    assert f'2-1: <a href="/admin/articles/article/{wrong.pk}/change/">' in detail
    # An editor unties the wrong report: the conflict is gone and stays gone after a relink.
    ArticleMatch.objects.filter(article=wrong).update(origin=LinkOrigin.EDITOR, state=LinkState.REJECTED)
    reconcile.reconcile([match.pk])
    linking.relink_ids([wrong.pk])
    match.refresh_from_db()
    assert not match.score_conflict and match.reported_home_goals is None


def test_a_result_the_data_does_not_have_still_shows_on_the_club_page(client, played, kickoff):
    played((3, 0))
    report(kickoff, "Club Brugge - Anderlecht 3-0")
    report(kickoff - timedelta(days=20), "KRC Genk - Club Brugge 1-4")  # a cup match: not in the data
    page = client.get("/clubs/club-brugge/").content.decode()
    assert "Andere uitslagen in het nieuws" in page
    results = page.split("Andere uitslagen in het nieuws")[1]
    assert "<strong>1-4</strong>" in results and "3-0" not in results  # the data's match is listed once, above
