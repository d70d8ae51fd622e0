"""Politeness toward the sites we read, over real HTTP from loopback servers: the spacing of
requests to one host (across threads and processes), pauses a host asks for, robots.txt for
article pages, and what the source's health says about them."""

import email.utils
import itertools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
from django.core.management import call_command
from django.utils import timezone

from articles import tasks
from articles.ingest import feeds, http, politeness
from articles.models import Article, Source
from tests.articles.samples import PARAGRAPHS, article_page, rss
from tests.factories import SourceFactory
from tests.feedserver import FeedServer
from tests.services import subprocess_env

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
INTERVAL = 0.25
DEAD_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


@pytest.fixture
def polite(settings):
    settings.NEWSDESK_HOST_INTERVAL = INTERVAL


@pytest.fixture
def other_host(settings, feed_server):
    """A second host: a server on 127.0.0.2 (another host name than 127.0.0.1)."""
    server = FeedServer("127.0.0.2").start()
    settings.NEWSDESK_FETCH_ALLOWLIST = [*settings.NEWSDESK_FETCH_ALLOWLIST, f"127.0.0.2:{server.port}"]
    yield server
    server.stop()


def fetch_side_by_side(urls: list[str], **kwargs) -> list:
    """http.fetch of every url, each in a thread of its own, all at once: results or errors."""
    results: list = [None] * len(urls)

    def run(n: int) -> None:
        try:
            results[n] = http.fetch(urls[n], **kwargs)
        except http.FetchError as exc:
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(urls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def gaps(server: FeedServer, prefix: str = "/") -> list[float]:
    times = sorted(moment for path, moment in server.arrivals if path.startswith(prefix))
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def summary_feed(server: FeedServer, names: list[str], path: str = "/feed.xml", status: int = 200, headers=None):
    """A summary-only feed; each entry's page served at /voetbal/<name>."""
    items = []
    for name in names:
        page = server.route(f"/voetbal/{name}", article_page(f"Verslag {name}"), status=status, headers=headers)
        items.append({"title": f"Verslag {name}", "link": page, "summary": f"Kort over {name}."})
    return server.route(path, rss(items))


def page_paths(server: FeedServer) -> list[str]:
    return [path for path, _ in server.requests if path.startswith("/voetbal/")]


# --- the interval ------------------------------------------------------------------------------


def test_requests_to_one_host_from_many_threads_are_spaced(polite, feed_server):
    urls = [feed_server.route(f"/p{n}", "ok") for n in range(6)]
    started = time.monotonic()
    results = fetch_side_by_side(urls)
    assert all(isinstance(result, http.Response) for result in results), results
    assert len(feed_server.arrivals) == 6
    assert min(gaps(feed_server)) >= 0.8 * INTERVAL, gaps(feed_server)
    assert time.monotonic() - started >= 5 * INTERVAL


def test_two_hosts_do_not_slow_each_other(settings, feed_server, other_host):
    settings.NEWSDESK_HOST_INTERVAL = 0.5
    urls = [server.route(f"/p{n}", "ok") for server in (feed_server, other_host) for n in range(3)]
    started = time.monotonic()
    results = fetch_side_by_side(urls)
    elapsed = time.monotonic() - started
    assert all(isinstance(result, http.Response) for result in results), results
    for server in (feed_server, other_host):
        assert min(gaps(server)) >= 0.4, gaps(server)
    # Each host's three requests take two intervals; one shared queue would take five.
    assert elapsed < 1.8, elapsed
    first = [min(moment for _, moment in server.arrivals) for server in (feed_server, other_host)]
    assert abs(first[0] - first[1]) < 0.3


@pytest.fixture
def slow_host(settings):
    """Two seconds between requests to one host; this process's own queue of turns forgotten
    afterwards, so that no later test waits for the turns these took."""
    settings.NEWSDESK_HOST_INTERVAL = 2.0
    yield 2.0
    politeness.forget_local()


def test_a_long_wait_for_the_turn_never_cuts_short_the_request_sent_after_it(slow_host, monkeypatch, feed_server):
    # Each request has one second of its own, and the third waits four for its turn: the
    # deadline counts from the moment it is sent, so the wait costs it nothing.
    monkeypatch.setattr(http, "TOTAL_TIMEOUT", 1.0)
    urls = [feed_server.route(f"/p{n}", "ok") for n in range(3)]
    results = fetch_side_by_side(urls)
    assert [type(result).__name__ for result in results] == ["Response"] * 3, results
    assert len(feed_server.arrivals) == 3
    assert min(gaps(feed_server)) >= 0.8 * slow_host, gaps(feed_server)


def test_a_turn_further_off_than_the_fetch_may_wait_is_put_off_and_nothing_is_sent(slow_host, feed_server):
    assert politeness.MAX_TURN_WAIT < http.TOTAL_TIMEOUT
    assert http.fetch(feed_server.route("/eerst", "ok")).body == b"ok"
    with pytest.raises(http.HostPaused) as caught:
        http.fetch(feed_server.route("/daarna", "ok"), max_wait=0.5)
    assert caught.value.seconds >= 1
    assert [path for path, _ in feed_server.requests] == ["/eerst"]


@pytest.fixture
def shared_redis(settings, redis_url):
    """The cache in a Redis database of this test run's own (TEST_REDIS_DB), emptied before and
    after, as production's worker processes share it."""
    db = os.environ.get("TEST_REDIS_DB", "15")
    url = redis_url.rsplit("/", 1)[0] + f"/{db}" if redis_url.count("/") > 2 else f"{redis_url}/{db}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    original = settings.CACHES
    settings.CACHES = {
        "default": {"BACKEND": "newsdesk.cache.ForgivingRedisCache", "LOCATION": url, "KEY_PREFIX": "newsdesk"}
    }
    yield url
    settings.CACHES = original
    client.flushdb()


CHILD = """
import sys, django
django.setup()
from articles.ingest import http
print("ready", flush=True)
sys.stdin.readline()
for url in sys.argv[1:]:
    http.fetch(url)
print("done", flush=True)
"""


def test_the_interval_holds_across_processes_through_the_shared_cache(polite, feed_server, shared_redis):
    mine = [feed_server.route(f"/hier/{n}", "ok") for n in range(3)]
    theirs = [feed_server.route(f"/daar/{n}", "ok") for n in range(3)]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, *theirs],
        cwd=ROOT,
        env=subprocess_env(
            REDIS_URL=shared_redis,
            NEWSDESK_HOST_INTERVAL=str(INTERVAL),
            NEWSDESK_FETCH_ALLOWLIST=f"127.0.0.1:{feed_server.port}",
        ),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(20):  # whatever else start-up printed comes first
            if child.stdout.readline().strip() in ("ready", ""):
                break
        child.stdin.write("go\n")
        child.stdin.flush()
        results = fetch_side_by_side(mine)
        assert child.stdout.readline().strip() == "done"
    finally:
        child.kill()
        child.wait(10)
    assert all(isinstance(result, http.Response) for result in results), results
    assert {path[:6] for path, _ in feed_server.arrivals} == {"/hier/", "/daar/"}
    assert min(gaps(feed_server)) >= 0.8 * INTERVAL, gaps(feed_server)


# --- pauses: 429 and Retry-After ------------------------------------------------------------------


@pytest.mark.parametrize("retry_after", ["120", "date"])
def test_a_feed_answering_429_pauses_its_host_and_its_next_fetch(feed_server, retry_after):
    if retry_after == "date":
        retry_after = email.utils.formatdate(time.time() + 120, usegmt=True)
    feed_server.route("/feed.xml", "even niet", status=429, headers={"Retry-After": retry_after})
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"))
    other = SourceFactory(feed_url=feed_server.url("/ander.xml"))
    with pytest.raises(http.RetryAfter):
        feeds.poll_source(source)
    source.refresh_from_db()
    assert (source.next_fetch_at - timezone.now()).total_seconds() > 100
    assert "HTTP 429" in source.last_error
    assert "antwoordde 429" in source.last_warning and "Retry-After 1" in source.last_warning
    assert source.last_warning.startswith("Vertraagd tot ")
    # Another feed on the same host is not asked either: its fetch waits for the pause, no error.
    with pytest.raises(http.HostPaused):
        feeds.poll_source(other)
    assert [path for path, _ in feed_server.requests] == ["/feed.xml"]
    other.refresh_from_db()
    assert (other.next_fetch_at - timezone.now()).total_seconds() > 100
    assert other.last_error == "" and other.error_count == 0
    assert "Vertraagd tot" in other.last_warning and "antwoordde 429" in other.last_warning


def test_a_page_answering_429_puts_off_the_other_pages_of_its_host(polite, feed_server, other_host):
    summary_feed(feed_server, ["een", "twee", "drie"], status=429, headers={"Retry-After": "120"})
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"))
    report = feeds.fetch_and_ingest(source)
    # The first page's answer paused the host: the others were never asked.
    assert len(page_paths(feed_server)) == 1
    assert report.counts["new"] == 3  # in-process there is no later: the feed's text is kept
    for article in Article.objects.all():
        assert article.body.startswith("Kort over") and "kept the feed's text" in article.extraction_note
    # A worker's batch hands the entries back for later, without asking the host.
    Article.objects.all().delete()
    poll = feeds.split_new_and_changed(source, feeds.parse_feed(rss_of(feed_server), {}, source.feed_url).entries)
    report = feeds.ingest_entries(source, poll.pending, retry_unreachable=True)
    assert len(report.unreachable) == 3 and not Article.objects.exists()
    assert len(page_paths(feed_server)) == 1
    assert 100 < feeds.pause_left(report.unreachable) <= 120
    assert any("antwoordde 429" in note for note in politeness.pending_notes(source.pk))
    # The feed's next fetch waits for the pause too; another host is not paused.
    with pytest.raises(http.HostPaused):
        feeds.poll_source(source)
    source.refresh_from_db()
    assert (source.next_fetch_at - timezone.now()).total_seconds() > 100
    assert "antwoordde 429 (Retry-After 120 s)" in source.last_warning
    assert http.fetch(other_host.route("/p", "ok")).body == b"ok"


def rss_of(server: FeedServer) -> bytes:
    return server.routes["/feed.xml"].body


def test_the_fetch_task_defers_a_feed_whose_host_asked_us_to_wait_without_fetching_it(feed_server):
    # Another feed of the host answered 429: this one is not asked, and its task neither fails
    # nor retries (a retry would fetch it beside the fetch that next_fetch_at schedules).
    with pytest.raises(http.RetryAfter):
        http.fetch(feed_server.route("/druk.xml", "even niet", status=429, headers={"Retry-After": "120"}))
    source = SourceFactory(feed_url=summary_feed(feed_server, ["een"]))
    result = tasks.fetch_source.delay(source.pk).get()
    assert 100 < result["deferred"] <= 120, result
    assert [path for path, _ in feed_server.requests] == ["/druk.xml"]
    source.refresh_from_db()
    assert source.last_error == "" and source.error_count == 0
    assert 100 < (source.next_fetch_at - timezone.now()).total_seconds() <= 120


def test_fetch_sources_reports_a_deferred_feed_and_succeeds(feed_server, capsys):
    with pytest.raises(http.RetryAfter):
        http.fetch(feed_server.route("/druk.xml", "even niet", status=429, headers={"Retry-After": "120"}))
    source = SourceFactory(feed_url=summary_feed(feed_server, ["een"]))
    call_command("fetch_sources", "--source", str(source.pk))  # exit 0: no CommandError
    out, err = capsys.readouterr()
    # On stdout, as a source that did not fail (those go to stderr).
    assert f"{source.pk} {source.name}: " in out and "put off" in out
    assert f"{source.pk} {source.name}: " not in err


def test_a_503_without_retry_after_pauses_nothing(feed_server):
    url = feed_server.route("/p", "storing", status=503)
    for _ in range(2):
        with pytest.raises(http.RetryAfter):
            http.fetch(url)
    assert len(feed_server.requests) == 2
    assert politeness.paused(url) is None


# --- robots.txt ------------------------------------------------------------------------------------

ROBOTS = """# wie mag wat
User-agent: *
Disallow: /

User-agent: Newsdesk
Disallow: /voetbal/geheim
"""


def test_a_page_robots_txt_disallows_is_not_fetched_and_keeps_the_feed_text(feed_server):
    feed_server.route("/robots.txt", ROBOTS)
    summary_feed(feed_server, ["open", "geheim-transfer"])
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"))
    report = feeds.fetch_and_ingest(source)
    assert report.counts["new"] == 2
    assert page_paths(feed_server) == ["/voetbal/open"]  # the feed itself is fetched: "*" is not us
    fetched = Article.objects.get(title="Verslag open")
    assert PARAGRAPHS[0] in fetched.body and fetched.extraction_note == ""
    kept = Article.objects.get(title="Verslag geheim-transfer")
    assert kept.body == "Kort over geheim-transfer."
    assert "robots.txt" in kept.extraction_note and "/voetbal/geheim-transfer" in kept.extraction_note
    # The source's health: shown at once by the admin, written to its warning at the next fetch.
    assert any("robots.txt" in note for note in politeness.pending_notes(source.pk))
    feeds.poll_source(source)
    source.refresh_from_db()
    assert f"robots.txt van 127.0.0.1:{feed_server.port} verbiedt" in source.last_warning
    assert politeness.pending_notes(source.pk) == []


def test_robots_txt_does_not_apply_to_feeds(feed_server):
    feed_server.route("/robots.txt", "User-agent: *\nDisallow: /\n")
    summary_feed(feed_server, ["een", "twee"])
    report = feeds.fetch_and_ingest(SourceFactory(feed_url=feed_server.url("/feed.xml")))
    assert report.counts["new"] == 2 and not report.source_failed
    assert page_paths(feed_server) == []
    assert all("robots.txt" in a.extraction_note for a in Article.objects.all())


def test_robots_txt_is_read_once_for_many_pages(feed_server):
    # No spacing (the tests' default): the eight page threads all ask for robots.txt at once.
    feed_server.route("/robots.txt", "User-agent: *\nDisallow: /zoeken\n")
    names = [f"p{n}" for n in range(12)]
    summary_feed(feed_server, names)
    feeds.fetch_and_ingest(SourceFactory(feed_url=feed_server.url("/feed.xml")))
    summary_feed(feed_server, ["later"], path="/tweede.xml")
    feeds.fetch_and_ingest(SourceFactory(feed_url=feed_server.url("/tweede.xml")))
    paths = [path for path, _ in feed_server.requests]
    assert paths.count("/robots.txt") == 1
    assert len(page_paths(feed_server)) == 13
    assert not Article.objects.exclude(extraction_note="").exists()


def test_a_missing_robots_txt_allows_every_page(feed_server):
    summary_feed(feed_server, ["een", "twee"])
    feeds.fetch_and_ingest(SourceFactory(feed_url=feed_server.url("/feed.xml")))
    assert sorted(page_paths(feed_server)) == ["/voetbal/een", "/voetbal/twee"]
    assert [path for path, _ in feed_server.requests].count("/robots.txt") == 1
    assert not Article.objects.exclude(extraction_note="").exists()


def test_an_unreadable_robots_txt_puts_pages_off_and_is_asked_again_later(feed_server):
    feed_server.route("/robots.txt", "kapot", status=500)
    summary_feed(feed_server, ["een", "twee", "drie"])
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"))
    poll = feeds.poll_source(source)
    report = feeds.ingest_entries(source, poll.pending, retry_unreachable=True)
    assert len(report.unreachable) == 3  # RFC 9309: unreachable means disallowed, for now
    assert page_paths(feed_server) == []
    assert [path for path, _ in feed_server.requests].count("/robots.txt") == 1
    assert any("robots.txt" in note and "onleesbaar" in note for note in politeness.pending_notes(source.pk))
    # The task tries them again (its countdown: feeds.pause_left) only once robots.txt is asked
    # again, and a task's countdown can wait that long: no try is spent on a page put off again.
    retry = politeness.ROBOTS_RETRY
    assert retry - 30 < feeds.pause_left(report.unreachable) <= retry + 1 <= tasks.MAX_COUNTDOWN
    with pytest.raises(http.RobotsUnavailable) as caught:
        http.fetch(feed_server.url("/voetbal/een"), robots=True)
    assert retry - 30 < caught.value.seconds <= retry


def robots_over_the_cap(tail: str) -> str:
    """A robots.txt longer than politeness.MAX_ROBOTS_BYTES: rules first, then comments up to
    12 bytes before the cap, where a line `tail` starts (cut at the cap: "Disallow: /v")."""
    head = "User-agent: *\nDisallow: /voetbal/geheim\n"
    room = politeness.MAX_ROBOTS_BYTES - 12 - len(head)
    filler = ("# " + "x" * 97 + "\n") * (room // 100)
    filler += "#" * (room - len(filler) - 1) + "\n"
    return head + filler + tail + ("# " + "x" * 97 + "\n") * 200


@pytest.mark.parametrize("headers", [{}, {"Transfer-Encoding": "chunked"}], ids=["declared", "chunked"])
def test_a_robots_txt_over_the_size_cap_is_obeyed_as_far_as_it_is_read(feed_server, headers):
    text = robots_over_the_cap("Disallow: /voetbal/ver-weg\n")
    assert len(text) > politeness.MAX_ROBOTS_BYTES
    feed_server.route("/robots.txt", text, headers=headers)
    feed_server.route("/voetbal/geheim", "nee")
    feed_server.route("/voetbal/open", "ok")
    with pytest.raises(http.RobotsDisallowed):
        http.fetch(feed_server.url("/voetbal/geheim"), robots=True)
    # The line the cap cuts ("Disallow: /v") is left out, not read as a rule of its own.
    assert http.fetch(feed_server.url("/voetbal/open"), robots=True).body == b"ok"
    assert "/voetbal/geheim" not in [path for path, _ in feed_server.requests]


@pytest.mark.parametrize(
    ("robots", "path", "allowed"),
    [
        ("User-agent: *\nDisallow: /voetbal/\nAllow: /voetbal/open", "/voetbal/open-brief", True),
        ("User-agent: *\nAllow: /voetbal/open\nDisallow: /voetbal/", "/voetbal/dicht", False),
        ("User-agent: *\nDisallow: /\nAllow: /voetbal/", "/voetbal/x", True),  # longest rule wins
        ("User-agent: *\nDisallow: /voetbal\nAllow: /voetbal", "/voetbal/x", True),  # a tie: allow
        ("User-agent: *\nDisallow: /*.amp$", "/voetbal/x.amp", False),
        ("User-agent: *\nDisallow: /*.amp$", "/voetbal/x.amp?y=1", True),
        ("User-agent: *\nDisallow: /*?utm_", "/voetbal/x?utm_source=rss", False),
        ("User-agent: *\nDisallow: /voetbal/%C3%A9%C3%A9n", "/voetbal/één", False),
        ("User-agent: *\nDisallow: /voetbal/%61b", "/voetbal/ab", False),  # %61 is "a"
        ("User-agent: *\nDisallow: /voetbal/a%2Fb", "/voetbal/a/b", True),  # %2F is no "/"
        ("User-agent: *\nDisallow: /voetbal/a%2fb", "/voetbal/a%2Fb", False),
        ("User-agent: *\nDisallow: /voetbal/x%3Fy", "/voetbal/x?y=1", True),  # %3F is no "?"
        ("User-agent: googlebot\nDisallow: /\n\nUser-agent: *\nAllow: /", "/voetbal/x", True),
        ("User-agent: other\nUser-agent: newsdesk\nDisallow: /voetbal", "/voetbal/x", False),
        ("User-agent: *\nDisallow:", "/voetbal/x", True),
        ("\ufeffUser-agent: *\r\nDisallow: /voetbal # geen voetbal\r\n", "/voetbal/x", False),
        ("geen robots.txt maar <html>", "/voetbal/x", True),
        ("User-agent: *\nDisallow: /" + "*a" * 40 + "b", "/" + "a" * 3000, True),  # quick, no backtracking
    ],
)
def test_robots_rules_follow_rfc_9309(feed_server, robots, path, allowed):
    feed_server.route("/robots.txt", robots)
    feed_server.route(path, "ok")
    started = time.monotonic()
    if allowed:
        assert http.fetch(feed_server.url(path), robots=True).body == b"ok"
    else:
        with pytest.raises(http.RobotsDisallowed):
            http.fetch(feed_server.url(path), robots=True)
    assert time.monotonic() - started < 2


# --- health -------------------------------------------------------------------------------


def test_a_source_slowed_by_long_waits_for_its_turn_says_so(polite, feed_server):
    summary_feed(feed_server, [f"p{n}" for n in range(8)])
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"))
    feeds.fetch_and_ingest(source)
    assert min(gaps(feed_server, "/voetbal/")) >= 0.8 * INTERVAL
    feeds.poll_source(source)
    source.refresh_from_db()
    assert "Vertraagd:" in source.last_warning and "gewacht op een beurt bij 127.0.0.1" in source.last_warning


def test_a_politeness_note_survives_the_warnings_of_the_run_that_records_it(feed_server):
    # The first run meets robots.txt (a note for the next fetch); the second's fetch writes it
    # to the source's health, and then its page's warning (the rules did not fit) joins it.
    feed_server.route("/robots.txt", "User-agent: *\nDisallow: /voetbal/geheim\n")
    summary_feed(feed_server, ["open", "geheim"])
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"), content_selector="div.bestaat-niet")
    feeds.fetch_and_ingest(source)
    summary_feed(feed_server, ["open", "geheim", "nieuw"])
    feeds.fetch_and_ingest(source)
    source.refresh_from_db()
    assert f"robots.txt van 127.0.0.1:{feed_server.port} verbiedt" in source.last_warning
    assert "did not fit 1 pages" in source.last_warning and "/voetbal/nieuw" in source.last_warning


def test_warnings_are_kept_once_each_and_the_oldest_give_way_to_the_length_cap():
    assert feeds.merge_warnings("een\ntwee", "", "twee", " drie ") == "een\ntwee\ndrie"
    lines = [f"{n}: " + "x" * 900 for n in range(4)]
    merged = feeds.merge_warnings(*lines)
    assert merged.splitlines() == lines[2:]
    assert len(feeds.merge_warnings("y" * 3000)) == feeds.MAX_WARNING


# --- the cache down ------------------------------------------------------------------------------


def point_cache_at_nothing(settings, backend: str) -> dict:
    original = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": DEAD_REDIS}}
    return original


def bring_cache_back(settings, original: dict) -> None:
    settings.CACHES = original  # before the autouse fixture's cache.clear() at teardown
    politeness.forget_local()  # what this process kept meanwhile (a pause of 127.0.0.1) must not outlive the test


@pytest.fixture(params=["newsdesk.cache.ForgivingRedisCache", "django.core.cache.backends.redis.RedisCache"])
def dead_cache(request, settings):
    """The cache on a port where nothing listens: forgiving (answers as a miss, as production's
    does) or raising (any other backend's failure)."""
    original = point_cache_at_nothing(settings, request.param)
    yield
    bring_cache_back(settings, original)


def test_with_the_cache_down_each_process_keeps_to_the_limits_alone(polite, feed_server, dead_cache):
    feed_server.route("/robots.txt", "User-agent: *\nDisallow: /geheim\n")
    urls = [feed_server.route(f"/p{n}", "ok") for n in range(4)] + [feed_server.route("/geheim", "nee")]
    results = fetch_side_by_side(urls, robots=True)
    assert [type(result).__name__ for result in results] == [*["Response"] * 4, "RobotsDisallowed"]
    # Spaced, not side by side (without the limits: ~0 s). Each turn first tries the dead cache,
    # whose refused connections take a varying few ms before the request leaves: 0.198 s once.
    assert min(gaps(feed_server)) >= 0.7 * INTERVAL, gaps(feed_server)
    assert [path for path, _ in feed_server.requests].count("/robots.txt") == 1
    assert "/geheim" not in [path for path, _ in feed_server.requests]
    # A pause the host asks for holds in this process too.
    busy = feed_server.route("/druk", "even niet", status=429, headers={"Retry-After": "60"})
    with pytest.raises(http.RetryAfter):
        http.fetch(busy)
    with pytest.raises(http.HostPaused):
        http.fetch(urls[0])


def test_with_the_cache_down_feeds_and_pages_are_ingested(polite, settings, feed_server):
    original = point_cache_at_nothing(settings, "newsdesk.cache.ForgivingRedisCache")
    try:
        feed_server.route("/robots.txt", "User-agent: *\nDisallow: /voetbal/geheim\n")
        summary_feed(feed_server, ["een", "twee", "geheim"])
        source = Source.objects.create(name="Sportkrant", feed_url=feed_server.url("/feed.xml"))
        report = feeds.fetch_and_ingest(source)
    finally:
        bring_cache_back(settings, original)
    assert report.counts["new"] == 3 and not report.failures
    assert sorted(page_paths(feed_server)) == ["/voetbal/een", "/voetbal/twee"]
    assert min(gaps(feed_server)) >= 0.8 * INTERVAL, gaps(feed_server)
    assert "robots.txt" in Article.objects.get(title="Verslag geheim").extraction_note
