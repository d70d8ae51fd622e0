"""Match results read from articles: only final scores tied to two linked clubs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.entities import linking, results
from articles.models import ArticleClub, LinkOrigin, LinkState, MatchResult
from tests.articles.entities.test_linking import relink_after_editing
from tests.factories import ArticleFactory, ClubFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clubs():
    made = {
        "brugge": ClubFactory(slug="club-brugge", name="Club Brugge"),
        "cercle": ClubFactory(slug="cercle-brugge", name="Cercle Brugge"),
        "anderlecht": ClubFactory(slug="anderlecht", name="RSC Anderlecht", aliases=["Anderlecht"]),
        "genk": ClubFactory(slug="genk", name="KRC Genk", aliases=["Genk"]),
        "gent": ClubFactory(slug="gent", name="KAA Gent", aliases=["Gent"]),
    }
    linking.bump_gazetteer_version()
    return made


def scores_of(title, body=""):
    article = ArticleFactory(title=title, body=body)
    linking.link_article(article)
    return {
        (r.home.slug, r.home_goals, r.away_goals, r.away.slug, r.venue_known)
        for r in MatchResult.objects.filter(article=article).select_related("home", "away")
    }


@pytest.mark.parametrize(
    "title, body, expected",
    [
        ("Club Brugge – Anderlecht 3-1", "", {("club-brugge", 3, 1, "anderlecht", True)}),
        ("Verslag", "Club Brugge-Anderlecht: 0-0. Een saaie partij.", {("club-brugge", 0, 0, "anderlecht", True)}),
        ("Verslag", "Anderlecht won zondag met 0-2 bij Cercle Brugge.", {("cercle-brugge", 0, 2, "anderlecht", True)}),
        ("Verslag", "Anderlecht won met 2-0 bij Cercle Brugge.", {("cercle-brugge", 0, 2, "anderlecht", True)}),
        ("Verslag", "Genk verloor met 1-2 van Gent.", {("genk", 1, 2, "gent", False)}),
        ("Verslag", "Genk ging onderuit met 3-1 bij Gent.", {("gent", 3, 1, "genk", True)}),
        ("Verslag", "Genk klopte Gent vlot met 4-1.", {("genk", 4, 1, "gent", False)}),
        ("Verslag", "Genk en Gent speelden 2-2 gelijk.", {("genk", 2, 2, "gent", False)}),
        ("Verslag", "Genk speelde 1-1 gelijk bij Gent.", {("gent", 1, 1, "genk", True)}),
        ("Verslag", "Genk won de topper tegen Gent met 3-1.", {("genk", 3, 1, "gent", False)}),
        ("Verslag", "Genk heeft zondag bij Gent met 1-2 gewonnen.", {("gent", 1, 2, "genk", True)}),
        ("Verslag", "Genk heeft de topper tegen Gent met 1-2 verloren.", {("genk", 1, 2, "gent", False)}),
    ],
)
def test_final_scores_are_read(clubs, title, body, expected):
    assert scores_of(title, body) == expected


@pytest.mark.parametrize(
    "title, body",
    [
        ("Rust", "Bij de rust stond het Club Brugge - Anderlecht 1-0."),
        ("LIVE Club Brugge - Anderlecht 1-0", ""),
        ("Verslag", "Club Brugge won met 2-2 van Anderlecht."),  # a draw is not a win
        ("Verslag", "Genk en Gent speelden 2-1 gelijk."),  # nor is 2-1 a draw
        ("Verslag", "Club Brugge won met 3-1. Anderlecht verloor ook."),  # the score names one club
        ("Verslag", "Club Brugge won met 3-1 van een ploeg uit Genk."),
        ("Verslag", "Anderlecht verloor na strafschoppen met 4-5 van Genk."),
        ("Verslag", "Club Brugge won met 3-1 van Club Brugge."),
        ("Verslag", "De supporters in Genk zagen Gent met 0-3 winnen."),  # "in Genk" is the town
        ("Verslag", "Club Brugge staat met 30-25 punten voor op Anderlecht."),
    ],
)
def test_other_numbers_are_not_results(clubs, title, body):
    assert scores_of(title, body) == set()


def test_an_editor_rejected_club_gives_no_result(clubs):
    article = ArticleFactory(title="Club Brugge – Anderlecht 3-1", body="")
    ArticleClub.objects.create(
        article=article, club=clubs["anderlecht"], origin=LinkOrigin.EDITOR, state=LinkState.REJECTED
    )
    linking.link_article(article)
    assert not MatchResult.objects.filter(article=article).exists()


def test_a_changed_text_replaces_the_result(clubs):
    article = ArticleFactory(title="Club Brugge – Anderlecht 3-1", body="")
    relink_after_editing(article, title="Club Brugge – Anderlecht 3-2")
    assert [(r.home_goals, r.away_goals) for r in MatchResult.objects.filter(article=article)] == [(3, 2)]


def test_recent_results_show_each_match_once(clubs):
    now = timezone.now()
    for hours, title in [(30, "Club Brugge – Anderlecht 3-1"), (20, "Analyse: Club Brugge – Anderlecht 3-1")]:
        linking.link_article(ArticleFactory(title=title, body="", published_at=now - timedelta(hours=hours)))
    linking.link_article(ArticleFactory(title="Genk – Club Brugge 0-1", body="", published_at=now - timedelta(days=8)))
    recent = results.recent_results(clubs["brugge"])
    assert [str(r) for r in recent] == ["Club Brugge 3-1 RSC Anderlecht", "KRC Genk 0-1 Club Brugge"]
    assert recent[0].played_on == timezone.localdate(now - timedelta(hours=30))  # dated by its first report
