"""The periodic refresh of configured fixture URLs: through the guarded HTTP client, conditional
GET, imported when changed, failures recorded on the feed's row; against a real local server."""

import json
from datetime import datetime

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from articles import tasks
from articles.models import FixtureFeed, Match
from newsdesk.celery import app
from newsdesk.env import env_fixture_urls
from tests.articles.matches.conftest import BRUSSELS, fixture
from tests.feedserver import Route

pytestmark = pytest.mark.django_db
KICKOFF = datetime(2025, 9, 20, 18, 15, tzinfo=BRUSSELS)


def season(score=None) -> bytes:
    matches = [fixture("Matchday 7", KICKOFF, "Club Brugge", "RSC Anderlecht", score)]
    return json.dumps({"name": "Belgium First Division A 2025/26", "matches": matches}).encode()


@pytest.fixture
def served(feed_server, settings):
    """A fixtures file on the server, answered 304 to a request that has its current ETag."""
    current = {"etag": '"v1"', "body": season()}

    def respond(headers):
        if headers.get("if-none-match") == current["etag"]:
            return Route(status=304, headers={"ETag": current["etag"]})
        return Route(current["body"], headers={"ETag": current["etag"], "Content-Type": "application/json"})

    url = feed_server.route("/2025-26/be.1.json", respond=respond)
    settings.NEWSDESK_FIXTURE_URLS = [("be.1", "2025-26", url)]
    return {"url": url, "current": current, "server": feed_server}


def test_a_configured_url_is_imported_then_asked_for_only_if_changed(clubs, served):
    url = served["url"]
    outcome = tasks.refresh_fixtures.delay().get()
    assert outcome[url].startswith("imported: be.1 2025-26: 1 created")
    feed = FixtureFeed.objects.get(url=url)
    assert feed.etag == '"v1"' and feed.last_success_at and not feed.last_error
    assert tasks.refresh_fixtures.delay().get() == {url: "not modified"}
    assert served["server"].requests[-1][1]["if-none-match"] == '"v1"'
    served["current"].update(etag='"v2"', body=season(score=(0, 1)))
    assert "1 updated" in tasks.refresh_fixtures.delay().get()[url]
    match = Match.objects.get()
    assert (match.home_goals, match.away_goals) == (0, 1)


def test_a_bad_document_or_a_failing_server_is_recorded_and_nothing_is_written(clubs, served):
    url = served["url"]
    served["current"]["body"] = b'{"matches": [{"round": "1", "date": "gisteren"'
    outcome = tasks.refresh_fixtures.delay().get()[url]
    feed = FixtureFeed.objects.get(url=url)
    assert outcome.startswith("error:") and "not readable as JSON" in feed.last_error
    assert feed.etag == ""  # fetched whole again next time
    assert not Match.objects.exists()
    served["server"].route("/2025-26/be.1.json", b"kapot", status=500)
    assert tasks.refresh_fixtures.delay().get()[url].startswith("error: HTTP 500")
    assert "HTTP 500" in FixtureFeed.objects.get(url=url).last_error


def test_the_refresh_goes_through_the_guard_that_refuses_inward_addresses(clubs, settings):
    settings.NEWSDESK_FIXTURE_URLS = [("be.1", "2025-26", "http://127.0.0.1:9/2025-26/be.1.json")]
    settings.NEWSDESK_ALLOW_PRIVATE_FETCH, settings.NEWSDESK_FETCH_ALLOWLIST = False, []
    outcome = tasks.refresh_fixtures.delay().get()
    assert "private or reserved address" in outcome["http://127.0.0.1:9/2025-26/be.1.json"]


def test_beat_refreshes_fixtures_every_hour():
    entry = django_settings.CELERY_BEAT_SCHEDULE["refresh-fixtures"]
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == {7} and len(entry["schedule"].hour) == 24


def test_the_setting_reads_code_season_and_url_and_refuses_anything_else(monkeypatch):
    monkeypatch.setenv(
        "NEWSDESK_FIXTURE_URLS", "be.1/2025-26=https://example.org/2025-26/be.1.json, nl.1/2025-26=http://x.org/nl.json"
    )
    assert env_fixture_urls("NEWSDESK_FIXTURE_URLS") == [
        ("be.1", "2025-26", "https://example.org/2025-26/be.1.json"),
        ("nl.1", "2025-26", "http://x.org/nl.json"),
    ]
    monkeypatch.setenv("NEWSDESK_FIXTURE_URLS", "be.1=https://example.org/be.1.json")
    with pytest.raises(ImproperlyConfigured, match="NEWSDESK_FIXTURE_URLS"):
        env_fixture_urls("NEWSDESK_FIXTURE_URLS")
