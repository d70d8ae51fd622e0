"""/clubs/<slug>/wedstrijden.ics: the club's fixtures as an iCalendar feed (RFC 5545)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from tests.articles.matches.conftest import BRUSSELS, fixture

pytestmark = pytest.mark.django_db

KICKOFF = datetime(2025, 10, 19, 18, 15, tzinfo=BRUSSELS)


def unfold(body: str) -> list[str]:
    """The content lines: every line ends in CRLF, and one starting with a space continues the last."""
    assert body.endswith("\r\n") and "\n" not in body.replace("\r\n", "")
    lines = []
    for line in body.split("\r\n")[:-1]:
        assert len(line.encode("utf-8")) <= 75, line
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def events(lines: list[str]) -> list[dict[str, str]]:
    found, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return found


def test_the_calendar_has_an_event_per_fixture_that_calendar_apps_accept(client, clubs, season_file):
    matches = [
        fixture("Matchday 12", KICKOFF, "Club Brugge", "RSC Anderlecht", (2, 1)),
        fixture("Matchday 13", KICKOFF + timedelta(days=7), "KAA Gent", "Club Brugge", timed=False),
        fixture("Matchday 13", KICKOFF + timedelta(days=7), "KRC Genk", "RSC Anderlecht"),  # not Brugge's
    ]
    call_command("import_fixtures", str(season_file(matches)))
    clubs["brugge"].name = "Club Brugge, de blauw-zwarten"  # a comma must be escaped
    clubs["brugge"].save()
    response = client.get("/clubs/club-brugge/wedstrijden.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    lines = unfold(response.content.decode("utf-8"))
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and lines[-1] == "END:VCALENDAR"
    assert any(line.startswith("PRODID:") for line in lines)
    played, unscheduled = events(lines)
    for event in (played, unscheduled):
        assert {"UID", "DTSTAMP", "SUMMARY", "URL"} <= event.keys()
    assert played["UID"] == "club-brugge-anderlecht-2025-26@newsdesk"
    assert played["DTSTART"] == KICKOFF.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") == "20251019T161500Z"
    assert played["SUMMARY"] == "Club Brugge\\, de blauw-zwarten 2-1 RSC Anderlecht"
    assert played["URL"] == "http://testserver/wedstrijden/club-brugge-anderlecht-2025-26/"
    assert unscheduled["DTSTART;VALUE=DATE"] == "20251026" and unscheduled["DTEND;VALUE=DATE"] == "20251027"
    assert "Speeldag 13" in unscheduled["DESCRIPTION"]
    assert client.get("/clubs/bestaat-niet/wedstrijden.ics").status_code == 404
