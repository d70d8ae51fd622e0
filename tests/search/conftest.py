import os
from datetime import datetime

import pytest
from django.utils import timezone

from articles.entities import linking
from search import indexing
from tests.factories import ArticleFactory, ClubFactory, PlayerFactory, SourceFactory, StoryFactory


def when(day, hour=12):
    return timezone.make_aware(datetime(2026, 11, day, hour, 0))


# Every test of a search a reader makes runs on each backend the database allows: Whoosh always,
# PostgreSQL's full-text search in the PostgreSQL pass (make test's second run).
BACKENDS = ["whoosh"] + (["postgres"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else [])


@pytest.fixture(params=BACKENDS)
def search_backend(request, settings):
    settings.NEWSDESK_SEARCH_BACKEND = request.param
    return request.param


@pytest.fixture
def newsroom(db, search_backend):
    """A small archive with clubs, players, two sources and a story, linked and indexed."""
    brugge = ClubFactory(slug="club-brugge", name="Club Brugge", aliases=["blauw-zwart"])
    anderlecht = ClubFactory(slug="anderlecht", name="RSC Anderlecht", aliases=["Anderlecht", "paars-wit"])
    genk = ClubFactory(slug="genk", name="KRC Genk", aliases=["Genk"])
    PlayerFactory(slug="hans-vanaken", name="Hans Vanaken", club=brugge)
    PlayerFactory(slug="rafael-leao", name="Rafael Leão", club=None)
    krant = SourceFactory(name="Sportkrant")
    doelpunt = SourceFactory(name="Doelpunt.nu")
    story = StoryFactory(slug="topper")
    rows = [
        (
            krant,
            15,
            "Club Brugge klopt Anderlecht in de topper",
            "Hans Vanaken kopte Club Brugge op voorsprong. Anderlecht kwam nog terug, maar verloor met 3-1.",
            story,
        ),
        (
            doelpunt,
            15,
            "Vanaken beslist de topper",
            "Club Brugge won de topper tegen Anderlecht. Twee strafschoppen werden gemist.",
            story,
        ),
        (
            krant,
            14,
            "Genk wint met 0-2 bij Cercle",
            "KRC Genk won met 0-2 in Brugge. De doelmannen waren de besten op het veld.",
            None,
        ),
        (
            doelpunt,
            10,
            "Leão scoort voor Milan",
            "Rafael Leão maakte het enige doelpunt in München tijdens een oefenduel.",
            None,
        ),
        (
            krant,
            8,
            "Anderlecht zoekt een nieuwe doelman",
            "Paars-wit wil in de winter een doelman halen. De strafschop in de laatste match bleef pijnlijk.",
            None,
        ),
    ]
    articles = []
    for source, day, title, body, story_ in rows:
        articles.append(ArticleFactory(source=source, title=title, body=body, published_at=when(day), story=story_))
    linking.bump_gazetteer_version()
    linking.link_articles(articles)
    indexing.index_pending()
    return {"articles": articles, "brugge": brugge, "anderlecht": anderlecht, "genk": genk, "story": story}


def titles(response_json):
    return [r["title"] for r in response_json["results"]]
