"""When an article was published, as readers of a Flemish news site expect it: relative while
it is fresh, a Dutch date after that, in Brussels time; and the script that keeps a cached page's
times right says exactly what the server says."""

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from articles.models import ArticleClub
from articles.templatetags.dates import delay, published_time, relative_time
from search import indexing
from tests.factories import ArticleFactory, ClubFactory, StoryFactory
from tests.services import require

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "static" / "js" / "relative-time.js"
# Wednesday 12 November 2025, 16:00 in Brussels (CET, UTC+1).
NOW = datetime(2025, 11, 12, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        (NOW - timedelta(seconds=30), "net nu"),
        (NOW + timedelta(minutes=2), "net nu"),  # a source whose clock runs ahead
        (NOW - timedelta(minutes=1), "1 minuut geleden"),
        (NOW - timedelta(minutes=5, seconds=59), "5 minuten geleden"),
        (NOW - timedelta(minutes=59), "59 minuten geleden"),
        (NOW - timedelta(hours=3), "3 uur geleden"),
        (datetime(2025, 11, 11, 23, 30, tzinfo=UTC), "15 uur geleden"),  # 00:30 today in Brussels
        (datetime(2025, 11, 11, 13, 5, tzinfo=UTC), "gisteren om 14:05"),
        (datetime(2025, 11, 10, 22, 59, tzinfo=UTC), "10 november"),  # 23:59 the day before yesterday
        (datetime(2025, 1, 1, 9, 0, tzinfo=UTC), "1 januari"),
        (datetime(2024, 12, 31, 9, 0, tzinfo=UTC), "31 december 2024"),
    ],
)
def test_relative_time_reads_like_a_flemish_news_site(published, expected):
    assert relative_time(published, NOW) == expected


def test_days_are_brussels_days_not_utc_days():
    # 00:30 in Brussels is still the day before in UTC: 22:00 the evening before is "gisteren".
    now = datetime(2025, 11, 11, 23, 30, tzinfo=UTC)
    assert relative_time(datetime(2025, 11, 11, 21, 0, tzinfo=UTC), now) == "gisteren om 22:00"
    assert relative_time(datetime(2025, 11, 11, 22, 50, tzinfo=UTC), now) == "40 minuten geleden"
    # Summer time: UTC+2.
    summer = datetime(2025, 7, 2, 10, 0, tzinfo=UTC)
    assert relative_time(datetime(2025, 7, 1, 12, 5, tzinfo=UTC), summer) == "gisteren om 14:05"


def test_the_time_element_carries_the_exact_moment_for_people_and_for_the_script():
    html = published_time(datetime(2025, 7, 1, 12, 5, tzinfo=UTC), now=datetime(2025, 7, 1, 12, 10, tzinfo=UTC))
    assert html == (
        '<time datetime="2025-07-01T14:05:00+02:00" title="dinsdag 1 juli 2025 om 14:05" data-relative>'
        "5 minuten geleden</time>"
    )
    assert 'title="woensdag 12 november 2025 om 16:00"' in published_time(NOW)


def test_delay_after_the_first_report_is_short():
    assert [delay(timedelta(minutes=m)) for m in (0, 45, 60, 135, 24 * 60, 27 * 60 + 5)] == [
        "+0 min",
        "+45 min",
        "+1 u",
        "+2 u 15 min",
        "+1 d",
        "+1 d 3 u",
    ]


def test_the_script_says_what_the_server_says_whatever_the_readers_time_zone():
    """static/js/relative-time.js rewrites the text on cached pages: over a year of moments
    (both changes of summer time included), seen from several nows, node and Python agree."""
    node = shutil.which("node")
    require(node is not None, "node is not on PATH (apt-get install nodejs): this test runs static/js/relative-time.js")
    nows = [NOW, datetime(2025, 3, 30, 0, 30, tzinfo=UTC), datetime(2025, 10, 26, 1, 30, tzinfo=UTC)]
    nows.append(datetime(2026, 1, 1, 0, 10, tzinfo=UTC))
    offsets = [timedelta(minutes=m) for m in (0, 1, 59, 61, 179, 600, 1000, 1439, 1441, 2000, 3000, 6000)]
    offsets += [timedelta(days=d, minutes=d * 37) for d in range(3, 400, 11)]
    cases = [(now, now - offset) for now in nows for offset in offsets]
    program = (
        f"const {{relative}} = require({json.dumps(str(SCRIPT))});\n"
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "console.log(JSON.stringify(cases.map(([now, then]) => relative(new Date(then), new Date(now)))));\n"
    )
    stdin = json.dumps([[now.isoformat(), then.isoformat()] for now, then in cases])
    for zone in ("Europe/Brussels", "America/New_York", "Asia/Tokyo"):
        result = subprocess.run(
            [node, "-e", program],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "TZ": zone},
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == [relative_time(then, now) for now, then in cases], zone


@pytest.fixture
def story_of_two():
    club = ClubFactory(slug="kv-mechelen", name="KV Mechelen")
    story = StoryFactory(headline="Mechelen wint", article_count=2, source_count=2)
    now = timezone.now()
    first = ArticleFactory(title="Mechelen wint in Genk", published_at=now - timedelta(minutes=5), story=story)
    second = ArticleFactory(title="Mechelen pakt drie punten", published_at=now - timedelta(hours=3), story=story)
    story.lead_article = first
    story.first_published_at, story.last_published_at = second.published_at, first.published_at
    story.save()
    for article in (first, second):
        ArticleClub.objects.create(article=article, club=club)
    return story, first, second


def times(html: str) -> list[str]:
    return [part.split("</time>")[0] for part in html.split("<time ")[1:]]


@pytest.mark.django_db
def test_every_page_shows_publication_times_relative_in_a_time_element(client, story_of_two):
    story, first, _ = story_of_two
    indexing.index_pending()
    pages = {
        "article (and its sidebars)": first.get_absolute_url(),
        "home (story cards, Meest recent)": "/",
        "club (teasers)": "/clubs/kv-mechelen/",
        "story": story.get_absolute_url(),
        "search results": "/search/?q=mechelen",
        "search, newest first": "/search/?q=mechelen&sort=date",
    }
    for name, url in pages.items():
        html = client.get(url).content.decode()
        found = times(html)
        assert found, name
        assert any(text.endswith(">5 minuten geleden") for text in found), (name, found)
        assert all('data-relative title="' not in t and " title=" in t and "data-relative>" in t for t in found), name
        assert all(t.startswith('datetime="') for t in found), name


@pytest.mark.django_db
def test_every_page_loads_the_script_deferred_from_a_static_file(client):
    html = client.get("/").content.decode()
    assert '<script src="/static/js/relative-time.js" defer></script>' in html
    assert "<script>" not in html  # nothing inline: the CSP would refuse it
    assert client.get("/static/js/relative-time.js").status_code == 200


def test_short_day_writes_fixture_dates_in_dutch_lower_case_with_the_year_only_when_not_this_year():
    from datetime import date

    from django.utils import timezone

    from articles.templatetags.dates import short_day

    this_year = timezone.localdate().year
    kickoff = timezone.make_aware(datetime(this_year, 3, 1, 20, 45))
    weekday, rest = short_day(kickoff, "weekday,time").split(" ", 1)
    assert weekday in ("ma", "di", "wo", "do", "vr", "za", "zo") and rest == "1 mrt, 20:45"
    assert short_day(date(this_year, 10, 4)) == "4 okt"
    assert short_day(date(2025, 11, 2), "weekday") == "zo 2 nov 2025"
    earlier = timezone.make_aware(datetime(2025, 11, 2, 12, 30))
    assert short_day(earlier, "weekday,time") == "zo 2 nov 2025, 12:30"
