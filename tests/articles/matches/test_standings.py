"""League tables computed from results: checked against a recount of every real league file."""

import json
import re
import unicodedata
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from articles.entities import gazetteer
from articles.models import Club
from tests.articles.matches.conftest import BRUSSELS, SHARED_FIXTURES, fixture

pytestmark = pytest.mark.django_db

LEAGUE_FILES = sorted(p for p in SHARED_FIXTURES.glob("*/*.json") if not p.name.startswith("uefa."))


def _fold(name: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", plain.casefold()))


def recount(path) -> list[dict]:
    """The table, counted from the file alone: league rounds only (a round named "<phase>, …" is a
    play-off), full-time scores, 3 points a win; points, goal difference, goals, then name."""
    slugs = {}
    for club in Club.objects.all():
        for name in [club.name, *club.aliases]:
            slugs.setdefault(_fold(name), set()).add((club.slug, club.name))
    rows = {}
    games = [m for m in json.loads(path.read_text(encoding="utf-8"))["matches"] if "," not in m["round"]]
    for game in games:
        for team in (game["team1"], game["team2"]):
            (slug, name), *rest = slugs[_fold(team)]
            assert not rest, team
            rows.setdefault(
                team,
                {
                    "club": slug,
                    "name": name,
                    "played": 0,
                    "won": 0,
                    "drawn": 0,
                    "lost": 0,
                    "goals_for": 0,
                    "goals_against": 0,
                },
            )
        score = (game.get("score") or {}).get("ft")
        if not score or game.get("status") == "postponed":
            continue
        for team, scored, conceded in ((game["team1"], *score), (game["team2"], *reversed(score))):
            row = rows[team]
            row["played"] += 1
            row["goals_for"] += scored
            row["goals_against"] += conceded
            row["won" if scored > conceded else "drawn" if scored == conceded else "lost"] += 1
    for row in rows.values():
        row["points"] = 3 * row["won"] + row["drawn"]
    table = sorted(
        rows.values(),
        key=lambda r: (-r["points"], -(r["goals_for"] - r["goals_against"]), -r["goals_for"], r["name"].casefold()),
    )
    for position, row in enumerate(table, start=1):
        row["position"] = position
        del row["name"]
    return table


@pytest.mark.skipif(not LEAGUE_FILES, reason=f"no league files in {SHARED_FIXTURES}")
@pytest.mark.parametrize("path", LEAGUE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_table_of_every_league_file_matches_a_recount_of_the_file(client, path):
    gazetteer.load(gazetteer.read(gazetteer.SHIPPED_GAZETTEER))
    call_command("import_fixtures", str(path))
    code, season = path.stem, path.parent.name
    response = client.get("/api/standings/", {"competition": code, "season": season})
    assert response.status_code == 200
    fields = ["club", "played", "won", "drawn", "lost", "goals_for", "goals_against", "points", "position"]
    served = [{name: row[name] for name in fields} for row in response.json()["results"]]
    assert served == recount(path)
    assert response.json()["count"] == len(served)


START = datetime(2025, 8, 1, 20, 0, tzinfo=BRUSSELS)


def table_of(client, matches, season_file):
    call_command("import_fixtures", str(season_file(matches)))
    return client.get("/api/standings/", {"competition": "be.1"}).json()["results"]


def test_ties_are_broken_on_goal_difference_then_goals_scored_then_name(client, clubs, season_file):
    matches = [
        fixture("Matchday 1", START, "Club Brugge", "KRC Genk", (3, 0)),  # Brugge +3, 3 scored
        fixture("Matchday 1", START, "KAA Gent", "RSC Anderlecht", (4, 1)),  # Gent +3, 4 scored
        fixture("Matchday 2", START + timedelta(days=7), "KRC Genk", "RSC Anderlecht", (2, 2)),
    ]
    table = table_of(client, matches, season_file)
    assert [row["club"] for row in table] == ["gent", "club-brugge", "anderlecht", "genk"]
    # Anderlecht and Genk: 1 point each; Anderlecht -3 (3-6), Genk -3 (2-5): more goals first.
    assert [(row["points"], row["position"]) for row in table] == [(3, 1), (3, 2), (1, 3), (1, 4)]
    level = [fixture("Matchday 1", START, "KRC Genk", "KAA Gent", (1, 1))]
    call_command("import_fixtures", str(season_file(level, season="2026-27")))
    table = client.get("/api/standings/", {"competition": "be.1"}).json()["results"]  # the latest season
    assert [row["club"] for row in table] == ["gent", "genk"]  # all level: by name (KAA Gent, KRC Genk)


def test_form_is_the_last_five_results_oldest_first(client, clubs, season_file):
    scores = [(1, 0), (0, 0), (0, 2), (3, 1), (2, 2), (1, 0)]
    matches = [
        fixture(f"Matchday {n}", START + timedelta(days=7 * n), "Club Brugge", "KRC Genk", score)
        for n, score in enumerate(scores, start=1)
    ]
    table = {row["club"]: row for row in table_of(client, matches, season_file)}
    assert table["club-brugge"]["form"] == ["G", "V", "W", "G", "W"]
    assert table["genk"]["form"] == ["G", "W", "V", "G", "V"]
    assert table["club-brugge"]["played"] == 6


def test_play_off_rounds_and_unplayed_matches_do_not_count(client, clubs, season_file):
    matches = [
        fixture("Matchday 1", START, "Club Brugge", "KRC Genk", (1, 0)),
        fixture("Matchday 2", START + timedelta(days=7), "KAA Gent", "RSC Anderlecht"),
        fixture("Championship, Matchday 1", START + timedelta(days=60), "KRC Genk", "Club Brugge", (5, 0)),
        fixture("Matchday 3", START + timedelta(days=14), "Club Brugge", "KAA Gent", (9, 9), status="postponed"),
    ]
    table = {row["club"]: row for row in table_of(client, matches, season_file)}
    assert (table["club-brugge"]["played"], table["club-brugge"]["points"]) == (1, 3)
    assert table["gent"]["played"] == 0 and table["genk"]["goals_for"] == 0
