"""Clubs, and football.json files written the way openfootball writes them."""

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from articles.entities import linking
from tests.factories import ClubFactory

BRUSSELS = ZoneInfo("Europe/Brussels")
# The real seasons (CC0), beside the project: ../shared/data/openfootball-fixtures.
SHARED_FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "data" / "openfootball-fixtures"


def fixture(round_name: str, kickoff: datetime, team1: str, team2: str, ft=None, *, timed=True, **extra) -> dict:
    """One match as football.json has it: the date and time local to Brussels."""
    local = kickoff.astimezone(BRUSSELS)
    match = {"round": round_name, "date": local.strftime("%Y-%m-%d"), "team1": team1, "team2": team2}
    if timed:
        match["time"] = local.strftime("%H:%M")
    match["score"] = {"ft": list(ft)} if ft is not None else {}
    match.update(extra)
    return match


@pytest.fixture
def clubs(db):
    made = {
        "brugge": ClubFactory(slug="club-brugge", name="Club Brugge", aliases=["Club Brugge KV"]),
        "anderlecht": ClubFactory(slug="anderlecht", name="RSC Anderlecht", aliases=["Anderlecht"]),
        "genk": ClubFactory(slug="genk", name="KRC Genk", aliases=["Racing Genk"]),
        "gent": ClubFactory(slug="gent", name="KAA Gent", aliases=["AA Gent"]),
    }
    linking.bump_gazetteer_version()
    return made


@pytest.fixture
def season_file(tmp_path):
    """write(matches, code="be.1", season="2025-26") → the path of that season's file."""

    def write(matches, code="be.1", season="2025-26", name="Belgium First Division A 2025/26", raw=None):
        path = tmp_path / season / f"{code}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(raw if raw is not None else json.dumps({"name": name, "matches": matches}), encoding="utf-8")
        return path

    return write
