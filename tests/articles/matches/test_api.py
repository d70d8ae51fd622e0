"""/api/matches/ and /api/standings/: shapes, filters, errors, and both in the OpenAPI schema."""

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from articles.entities import linking
from tests.articles.matches.conftest import BRUSSELS, fixture
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
KICKOFF = datetime(2025, 8, 2, 20, 45, tzinfo=BRUSSELS)


@pytest.fixture
def seasons(clubs, season_file):
    call_command(
        "import_fixtures",
        str(
            season_file(
                [
                    fixture("Matchday 1", KICKOFF, "Club Brugge", "RSC Anderlecht", (2, 0)),
                    fixture("Matchday 2", KICKOFF + timedelta(days=7), "KRC Genk", "Club Brugge", timed=False),
                    fixture("Matchday 2", KICKOFF + timedelta(days=7), "KAA Gent", "RSC Anderlecht"),
                ]
            )
        ),
    )
    call_command(
        "import_fixtures",
        str(
            season_file(
                [fixture("Matchday 1", KICKOFF - timedelta(days=365), "KAA Gent", "Club Brugge", (1, 1))],
                season="2024-25",
            )
        ),
    )
    article = ArticleFactory(title="Club Brugge klopt Anderlecht", published_at=KICKOFF + timedelta(hours=3))
    linking.link_articles([article])


def test_matches_filter_on_club_competition_and_season(client, seasons):
    every = client.get("/api/matches/", {"club": "club-brugge"}).json()
    assert every["count"] == 3
    results = client.get("/api/matches/", {"club": "club-brugge", "competition": "be.1", "season": "2025-26"}).json()
    assert results["count"] == 2
    first, second = results["results"]
    assert first["home"] == "club-brugge" and first["away"] == "anderlecht"
    assert first["date"] == "2025-08-02" and first["kickoff"] == "2025-08-02T20:45:00+02:00"
    assert (first["score"], first["status"], first["articles_count"]) == ("2-0", "played", 1)
    assert first["url"] == "/wedstrijden/club-brugge-anderlecht-2025-26/"
    assert second["kickoff"] is None and second["date"] == "2025-08-09"
    assert (second["score"], second["status"], second["articles_count"]) == (None, "scheduled", 0)
    assert client.get("/api/matches/", {"competition": "nl.1"}).json()["count"] == 0


def test_standings_give_one_row_per_club_and_say_what_is_wrong(client, seasons):
    rows = client.get("/api/standings/", {"competition": "be.1"}).json()["results"]  # the latest season
    assert [(row["club"], row["played"], row["points"], row["position"]) for row in rows] == [
        ("club-brugge", 1, 3, 1),
        ("gent", 0, 0, 2),  # level with Genk: by name, KAA Gent before KRC Genk
        ("genk", 0, 0, 3),
        ("anderlecht", 1, 0, 4),
    ]
    older = client.get("/api/standings/", {"competition": "be.1", "season": "2024-25"}).json()["results"]
    assert {row["club"]: row["drawn"] for row in older} == {"club-brugge": 1, "gent": 1}
    assert client.get("/api/standings/").status_code == 400
    assert client.get("/api/standings/", {"competition": "xx.1"}).status_code == 404
    assert client.get("/api/standings/", {"competition": "be.1", "season": "1999-00"}).status_code == 404


def test_both_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/matches/" in schema["paths"] and "/api/standings/" in schema["paths"]
    standings = schema["paths"]["/api/standings/"]["get"]
    assert {p["name"] for p in standings["parameters"]} >= {"competition", "season"}
    assert {p["name"] for p in schema["paths"]["/api/matches/"]["get"]["parameters"]} >= {
        "club",
        "competition",
        "season",
    }
