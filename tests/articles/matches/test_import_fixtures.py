"""manage.py import_fixtures: football.json files in, matches out; all of a file or nothing."""

import json
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from articles.entities import gazetteer
from articles.matches import fixtures as fixtures_module
from articles.models import Competition, Match
from tests.articles.matches.conftest import BRUSSELS, fixture
from tests.factories import ClubFactory

pytestmark = pytest.mark.django_db

KICKOFF = datetime(2025, 7, 25, 20, 45, tzinfo=BRUSSELS)


def three_matches(score=(2, 1)):
    return [
        fixture("1. Round", KICKOFF, "Club Brugge KV", "RSC Anderlecht", score),
        fixture("1. Round", KICKOFF + timedelta(days=1), "KRC Genk", "KAA Gent"),
        fixture("2. Round", KICKOFF + timedelta(days=7), "Anderlecht", "KRC Genk", timed=False),
    ]


def state():
    return sorted(
        Match.objects.values_list("pk", "slug", "kickoff", "time_known", "status", "home_goals", "away_goals")
    )


def test_import_stores_each_match_with_its_clubs_local_kickoff_round_and_score(clubs, season_file):
    call_command("import_fixtures", str(season_file(three_matches())))
    competition = Competition.objects.get()
    assert (competition.code, competition.name, competition.current_season) == ("be.1", "Jupiler Pro League", "2025-26")
    first = Match.objects.get(home=clubs["brugge"])
    assert first.away == clubs["anderlecht"] and first.season == "2025-26" and first.round == "1. Round"
    assert first.kickoff == KICKOFF  # 20:45 in Brussels, stored as the moment it is
    assert (first.status, first.home_goals, first.away_goals) == (Match.Status.PLAYED, 2, 1)
    later = Match.objects.get(home=clubs["genk"])
    assert later.status == Match.Status.SCHEDULED and later.home_goals is None
    untimed = Match.objects.get(home=clubs["anderlecht"])
    assert (
        not untimed.time_known and untimed.kickoff.astimezone(BRUSSELS).date() == (KICKOFF + timedelta(days=7)).date()
    )
    assert first.slug == "club-brugge-anderlecht-2025-26"


def test_importing_the_same_file_again_changes_nothing(clubs, season_file, capsys):
    path = season_file(three_matches())
    call_command("import_fixtures", str(path))
    before = state()
    call_command("import_fixtures", str(path))
    assert state() == before
    assert "0 created, 0 updated, 3 unchanged, 0 deleted" in capsys.readouterr().out


def test_a_changed_file_updates_its_matches_in_place_and_drops_what_it_no_longer_has(clubs, season_file):
    path = season_file(three_matches(score=None))
    call_command("import_fixtures", str(path))
    first = Match.objects.get(home=clubs["brugge"])
    changed = three_matches(score=(0, 3))[:2]
    changed[0]["time"] = "18:15"
    season_file(changed)
    call_command("import_fixtures", str(path))
    again = Match.objects.get(home=clubs["brugge"])
    assert (again.pk, again.slug) == (first.pk, first.slug)  # its address and its ties stay
    assert (again.home_goals, again.away_goals) == (0, 3)
    assert again.kickoff == KICKOFF.replace(hour=18, minute=15)
    assert Match.objects.count() == 2


def test_team_names_resolve_through_names_and_aliases_whatever_their_accents_and_capitals(clubs, season_file):
    matches = [
        fixture("1", KICKOFF, "CLUB BRUGGE kv", "anderlecht", (1, 1)),
        fixture("1", KICKOFF, "Racing Génk", "AA Gent"),
    ]
    call_command("import_fixtures", str(season_file(matches)))
    pairs = set(Match.objects.values_list("home__slug", "away__slug"))
    assert pairs == {("club-brugge", "anderlecht"), ("genk", "gent")}


def test_a_name_that_resolves_to_no_club_or_to_two_stops_the_import_with_the_names(clubs, season_file):
    ClubFactory(slug="cercle-brugge", name="Cercle Brugge", aliases=["Brugge"])
    clubs["brugge"].aliases = ["Brugge"]
    clubs["brugge"].save()
    matches = [
        fixture("1", KICKOFF, "Brugge", "RSC Anderlecht", (1, 0)),
        fixture("1", KICKOFF, "FC Nergensdorp", "KAA Gent"),
    ]
    with pytest.raises(CommandError) as error:
        call_command("import_fixtures", str(season_file(matches)))
    message = str(error.value)
    assert "FC Nergensdorp" in message
    assert "Brugge (cercle-brugge, club-brugge)" in message
    assert not Match.objects.exists() and not Competition.objects.exists()


BAD = [
    ("{ not json", "not readable as JSON"),
    (json.dumps({"name": "x", "games": []}), "no list of matches"),
]


@pytest.mark.parametrize(("raw", "reason"), BAD, ids=["malformed", "no-matches"])
def test_a_malformed_file_stops_the_import_naming_the_file_and_writes_nothing(clubs, season_file, raw, reason):
    path = season_file([], raw=raw)
    with pytest.raises(CommandError) as error:
        call_command("import_fixtures", str(path))
    assert str(path) in str(error.value) and reason in str(error.value)
    assert not Match.objects.exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"date": "2025-02-30"}, "the date '2025-02-30' does not parse"),
        ({"date": "25/07/2025"}, "the date '25/07/2025' does not parse"),
        ({"time": "kwart voor negen"}, "the time 'kwart voor negen' does not parse"),
        ({"score": {"ft": [2]}}, "is not two numbers"),
        ({"score": {"ft": ["2", "1"]}}, "is not two numbers"),
        ({"score": {"ft": "2-1"}}, "is not two numbers"),
        ({"score": {"ft": [2, -1]}}, "is not two numbers"),
    ],
    ids=["impossible-date", "other-date-format", "time", "one-number", "strings", "text", "negative"],
)
def test_a_bad_match_stops_the_import_with_file_match_and_reason_and_keeps_what_was_there(
    clubs, season_file, change, reason
):
    path = season_file(three_matches())
    call_command("import_fixtures", str(path))
    before = state()
    changed = three_matches(score=(5, 5))  # the first match changes: that must not be written either
    changed[1].update(change)
    season_file(changed)
    with pytest.raises(CommandError) as error:
        call_command("import_fixtures", str(path))
    message = str(error.value)
    assert str(path) in message
    assert "match 2 (KRC Genk – KAA Gent, 1. Round)" in message
    assert reason in message
    assert state() == before


def test_the_file_name_is_the_competition_and_its_folder_the_season(clubs, season_file, tmp_path):
    call_command("import_fixtures", str(season_file(three_matches(), code="nl.1", season="2024-25")))
    assert set(Match.objects.values_list("competition__code", "season")) == {("nl.1", "2024-25")}
    loose = tmp_path / "be.1.json"
    loose.write_text(json.dumps({"matches": three_matches()}), encoding="utf-8")
    with pytest.raises(CommandError, match="season's folder"):
        call_command("import_fixtures", str(loose))


def test_every_shipped_season_imports_through_the_shipped_gazetteer():
    """What make setup does: every file in articles/data/fixtures resolves, club by club."""
    gazetteer.load(gazetteer.read(gazetteer.SHIPPED_GAZETTEER))
    files = sorted((gazetteer.SHIPPED_GAZETTEER.parent / "fixtures").glob("*/*.json"))
    assert {path.name for path in files} >= {"be.1.json", "nl.1.json"}
    resolver = fixtures_module.TeamResolver()
    for path in files:
        report = fixtures_module.import_file(path, resolver)
        assert report.created > 200, path
    assert Competition.objects.get(code="be.1").current_season == "2025-26"
