"""Faults, for real: a worker killed mid-ingest, Redis killed and restarted, four workers on
overlapping feeds, database connections dropped mid-task. Each test runs its own redis-server,
real Celery workers (`celery worker`, as the systemd units do: `fetch,celery` and exactly one
`index` consumer with one process), and a loopback news site with summary-only feeds whose
pages are real article pages. Beat is not run: the tests send what it sends (`fetch_source`,
`enqueue_due_sources`, `sweep_landing`, `index_pending`) themselves, the periodic ones every few
seconds instead of every minute.

What each test killed and what it counted afterwards is printed (`pytest -s`)."""

import ast
import time
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article, Source
from tests.factories import SourceFactory
from tests.faults import harness
from tests.faults.harness import finish, stored, wait_until
from tests.faults.site import Site


def load_clubs() -> None:
    """The shipped gazetteer, as `make setup` and the README's install load it."""
    call_command("load_gazetteer", stdout=StringIO())


def sources_for(site: Site, feeds: dict[str, list[int]]) -> list[int]:
    return [SourceFactory(name=name, feed_url=site.feed(name, numbers)).pk for name, numbers in feeds.items()]


def assert_landed_once(site: Site, cluster, expected: int) -> dict:
    """Every report stored exactly once, linked, settled, indexed once, with related lists."""
    codes = harness.by_code(site)
    doubled = {code: ids for code, ids in codes.items() if len(ids) > 1}
    missing = sorted(r.code for r in site.reports.values() if r.code not in codes)
    assert not doubled, f"reports stored more than once: {doubled}"
    assert not missing, f"reports never stored: {missing[:20]} ({len(missing)})"
    assert stored() == expected
    assert harness.doubled_urls() == []
    assert not Article.objects.exclude(landing=Article.Landing.SETTLED).exists()
    unlinked = harness.without_links(site)
    assert not unlinked, f"articles without the links their text names: {unlinked}"
    status, output = harness.check_index(cluster)
    assert status == 0, f"check_index: {output}"
    copies = harness.index_copies()
    assert {pk: n for pk, n in copies.items() if n > 1} == {}
    assert set(copies) == set(Article.objects.published().values_list("pk", flat=True))
    gaps, in_stories = harness.related_gaps()
    assert not gaps, f"articles in a story of several without a related list: {gaps}"
    empty = Article.objects.filter(related_ids=[]).count()
    failures = [e for e in cluster.events() if e["event"] == "failure"]
    return {
        "stored": stored(),
        "settled": stored(landing=Article.Landing.SETTLED),
        "index documents": sum(copies.values()),
        "check_index": output.splitlines()[-1],
        "in stories of 2+ (all with related lists)": in_stories,
        "with an empty related list (alone in their story)": empty,
        "stories": Article.objects.values("story").distinct().count(),
        "pairs split over two stories": harness.split_pairs(site),
        "failed tasks": Counter(e["task"] for e in failures),
    }


def ingest_ends(cluster) -> Counter:
    return Counter(e["node"] for e in cluster.events() if e["event"] == "end" and e["task"].endswith("ingest_entries"))


def outcome_counts(results) -> Counter:
    """What tasks returned, added up: an ingest_entries batch returns {outcome: entries}."""
    total = Counter()
    for text in results:
        value = ast.literal_eval(text)
        if isinstance(value, dict):
            total.update(value)
        else:
            total[str(value)] += 1
    return total


def in_flight(cluster, node: str) -> dict[str, dict]:
    """Tasks a worker started and did not end, by id (their start events)."""
    started = {}
    for e in cluster.events():
        if e["node"] != node:
            continue
        if e["event"] == "start":
            started[e["id"]] = e
        elif e["event"] == "end":
            started.pop(e["id"], None)
    return started


ACKS_LATE = (
    "articles.tasks.ingest_entries",
    "articles.tasks.ingest_entry",
    "articles.tasks.settle_landed",
    "articles.tasks.relate_landed",
)


@pytest.mark.once
@pytest.mark.django_db(transaction=True)
def test_kill_9_a_worker_while_it_ingests_500_entries(start_cluster, feed_server):
    started = time.monotonic()
    load_clubs()
    site = Site(feed_server, page_delay=0.1)  # a page takes its time: entries are in flight
    # 10 feeds × 50 entries; each pair of consecutive entries reports one match.
    source_ids = sources_for(site, {f"bron-{f}": list(range(f * 50, f * 50 + 50)) for f in range(10)})
    cluster = start_cluster(NEWSDESK_BROKER_VISIBILITY_TIMEOUT="20", FAULTS_RESTORE_EVERY="2")
    cluster.worker("first", "fetch,celery", concurrency=4)  # both queues in one prefork worker
    cluster.worker("indexer", "index", concurrency=1)
    cluster.fetch(source_ids)  # what enqueue_due_sources would send for the ten due sources

    # Kill while it ingests: every feed read (all entries queued), a fifth of them stored, and
    # entries being fetched and stored by its processes.
    def busy() -> bool:
        if stored() < 100 or Source.objects.filter(last_success_at=None).exists():
            return False
        return sum(e["task"].endswith("ingest_entries") for e in in_flight(cluster, "first").values()) >= 2

    wait_until(busy, 120, cluster, "100 articles stored, all feeds read, 2 entries in flight", interval=0.05)
    pids = cluster.kill("first")
    killed_at, at_kill = time.time(), stored()
    taken = in_flight(cluster, "first")
    cluster.worker("second", "fetch,celery", concurrency=4)

    # What the killed worker had started comes back after the visibility timeout. A message its
    # main process had just popped from the queue, before kombu recorded it as unacked, is gone
    # with it (Redis transport: the pop and the record are two commands); the source's next
    # poll queues such entries again, as they are not stored. Beat would poll at the source's
    # interval; here every 30 s once a minute has passed.
    repolls = []

    def all_stored_as_beat_goes_on() -> bool:
        if stored() >= 500:
            return True
        since = time.time() - (repolls[-1] if repolls else killed_at - 30)
        if since > 60:
            Source.objects.update(next_fetch_at=timezone.now())
            cluster.send("articles.tasks.enqueue_due_sources")
            repolls.append(time.time())
        return False

    wait_until(all_stored_as_beat_goes_on, 240, cluster, "all 500 articles stored after the kill")
    all_stored = time.time() - killed_at
    finishing = finish(cluster)
    counts = assert_landed_once(site, cluster, 500)

    # What the killed worker had taken and not finished (acked late) was delivered again once
    # the broker's visibility timeout passed, and ran to its end on the new worker.
    events = cluster.events()
    again = {e["id"]: e for e in events if e["event"] == "start" and e["node"] == "second" and e["id"] in taken}
    ends = {e["id"]: e for e in events if e["event"] == "end" and e["node"] == "second" and e["id"] in taken}
    late = [task_id for task_id, e in taken.items() if e["task"] in ACKS_LATE]
    assert any(taken[task_id]["task"].endswith("ingest_entries") for task_id in late), taken
    assert set(late) <= set(ends), f"in flight at the kill, never run again: {set(late) - set(ends)}"
    delay = min(e["t"] for e in again.values()) - killed_at
    what = Counter(e["task"].rsplit(".", 1)[-1] for e in taken.values())
    outcomes = outcome_counts(ends[task_id]["result"] for task_id in late)
    print(
        f"\n[worker kill] killed worker 'first' (kill -9 of pids {pids}: main process and pool) with "
        f"{at_kill} of 500 stored and tasks in flight {dict(what)}; all delivered again to 'second' "
        f"{delay:.0f} s after the kill (visibility timeout 20 s, looked for every 2 s), outcomes there "
        f"{dict(outcomes)}; 500 stored "
        f"{all_stored:.0f} s after the kill ({len(repolls)} re-polls of the sources needed), "
        f"settled and indexed {finishing:.1f} s later. ingest_entries batches "
        f"finished per worker: {dict(ingest_ends(cluster))}. Afterwards: {counts}. "
        f"Took {time.monotonic() - started:.0f} s."
    )


@pytest.mark.once
@pytest.mark.django_db(transaction=True)
def test_redis_killed_and_restarted_mid_ingest(start_cluster, feed_server):
    # No persistence (--save "" --appendonly no): Redis comes back EMPTY, every queued task and
    # every cache key gone. That is the worst case, and the one the README promises to survive
    # ("Redis: queues and cache only; what a lost queue held is redone by beat's sweep and the
    # sources' next fetch"); Debian's redis-server snapshots only every few minutes and has no
    # append-only file, so a kill -9 there loses much the same. With --appendonly yes
    # --appendfsync always the queues would come back and this test would show less.
    started = time.monotonic()
    load_clubs()
    site = Site(feed_server, page_delay=0.05)
    total = 240
    sources_for(site, {f"bron-{f}": list(range(f * 40, f * 40 + 40)) for f in range(6)})
    cluster = start_cluster(NEWSDESK_BROKER_VISIBILITY_TIMEOUT="20")
    # A worker acking a task as Redis dies can exit (kombu raises while it shuts the broken
    # connection down, seen here); its systemd unit starts it again, and so does this test.
    cluster.restart_on_failure = True
    cluster.worker("worker", "fetch,celery", concurrency=4)
    cluster.worker("indexer", "index", concurrency=1)
    cluster.send("articles.tasks.enqueue_due_sources")  # beat's minute: claims the six due sources

    wait_until(lambda: stored() >= 50, 120, cluster, "50 articles stored", interval=0.05)
    pid = cluster.redis.kill()
    at_kill = stored()
    time.sleep(3)
    cluster.redis.start()  # same port, nothing in it
    restarted = time.monotonic()

    # Whatever was queued is gone: the count stops short of the feeds' entries.
    quiet = _wait_until_quiet(cluster, seconds=8)
    after_outage = stored()
    stages = Counter(Article.Landing(v).name for v in Article.objects.values_list("landing", flat=True))
    lost = total - after_outage
    assert lost > 0, "the outage lost nothing: the worker had already ingested every entry when Redis died"

    # Beat's next minutes: the sources come due again (their claim and interval reset, as time
    # would) and are fetched; the entries not stored yet are queued anew, the rest are unchanged.
    Source.objects.update(next_fetch_at=timezone.now())
    cluster.send("articles.tasks.enqueue_due_sources")
    beats = [time.monotonic()]

    def all_stored_as_beat_goes_on() -> bool:
        # Beat sends enqueue_due_sources every minute, here every 20 s: a message sent while the
        # worker was still reconnecting to the restarted Redis may be lost, as beat's would be.
        if stored() >= total:
            return True
        if time.monotonic() - beats[-1] > 20:
            Source.objects.filter(next_fetch_at__gt=timezone.now()).update(next_fetch_at=timezone.now())
            cluster.send("articles.tasks.enqueue_due_sources")
            beats.append(time.monotonic())
        return False

    wait_until(all_stored_as_beat_goes_on, 180, cluster, f"all {total} articles stored after the re-poll")
    refetched = time.monotonic() - restarted
    finishing = finish(cluster)
    counts = assert_landed_once(site, cluster, total)
    running = [name for name, p in cluster.workers.items() if p.poll() is None]
    assert running == ["worker", "indexer"]
    polls = Counter(e["arg"] for e in cluster.events() if e["event"] == "start" and e["task"].endswith("fetch_source"))
    # each source fetched once before, and again after (more than once if a beat was lost)
    assert len(polls) == 6 and min(polls.values()) >= 2, polls
    print(
        f"\n[redis kill] killed redis-server pid {pid} (kill -9, no persistence) with {at_kill} of {total} "
        f"stored; restarted it empty on port {cluster.redis.port} 3 s later. The workers reconnected by "
        f"themselves, or exited and were started again as systemd would ({cluster.restarts or 'none'}); "
        f"{after_outage} stored once the queue had run dry ({quiet:.0f} s), {lost} entries lost "
        f"with the queue, landing stages then {dict(stages)} (their drain requests lost too). Re-polled "
        f"the six sources as beat would: all {total} stored {refetched:.0f} s after the restart, "
        f"settled and indexed {finishing:.1f} s later. Afterwards: {counts}. "
        f"Took {time.monotonic() - started:.0f} s."
    )


def _wait_until_quiet(cluster, seconds: float, timeout: float = 90) -> float:
    """Wait until the number of articles has not changed for `seconds`; returns the time waited."""
    started = time.monotonic()
    count, since = stored(), time.monotonic()
    while time.monotonic() - since < seconds:
        assert time.monotonic() - started < timeout, "the article count never settled"
        cluster.check_running()
        time.sleep(0.5)
        if (now := stored()) != count:
            count, since = now, time.monotonic()
    return time.monotonic() - started


LOCK_ERRORS = ("LockError", "database is locked", "deadlock")


@pytest.mark.once
@pytest.mark.django_db(transaction=True)
def test_four_workers_on_overlapping_feeds(start_cluster, feed_server):
    started = time.monotonic()
    load_clubs()
    site = Site(feed_server, page_delay=0.02)
    # 160 articles, each in the feeds of two of the eight sources, at about the same place in
    # both: 320 entries, two sources racing to store each article.
    feeds = {f"bron-{k}": [n for n in range(160) if n % 8 in (k, (k - 1) % 8)] for k in range(8)}
    sources_for(site, feeds)
    cluster = start_cluster(NEWSDESK_BROKER_VISIBILITY_TIMEOUT="20")
    for n in range(4):  # four machines' worth: four nodes of one process each
        cluster.worker(f"worker{n}", "fetch,celery", concurrency=1)
    cluster.worker("indexer", "index", concurrency=1)
    # Two beats at once (a second scheduler started by mistake): each due source is claimed once.
    cluster.send("articles.tasks.enqueue_due_sources")
    cluster.send("articles.tasks.enqueue_due_sources")

    wait_until(lambda: stored() >= 160, 180, cluster, "all 160 articles stored")
    wait_until(lambda: _ingested(cluster) >= 320, 60, cluster, "all 320 entries ingested")
    finishing = finish(cluster)
    counts = assert_landed_once(site, cluster, 160)

    events = cluster.events()
    fetches = Counter(e["arg"] for e in events if e["event"] == "start" and e["task"].endswith("fetch_source"))
    assert sorted(fetches.values()) == [1] * 8, f"fetches per source: {fetches}"
    outcomes = outcome_counts(
        e["result"] for e in events if e["event"] == "end" and e["task"].endswith("ingest_entries")
    )
    failures = [e for e in events if e["event"] == "failure"]
    retries = [e for e in events if e["event"] == "retry"]
    assert not failures, f"tasks failed: {failures}"
    locked = [e for e in retries if any(word in e["reason"] for word in LOCK_ERRORS)]
    assert not locked, f"tasks retried on a lock error: {locked}"
    in_logs = {name: sum(text.count(word) for word in LOCK_ERRORS) for name, text in cluster.logs().items()}
    nodes = Counter(e["node"] for e in events if e["event"] == "end" and e["task"].endswith("ingest_entries"))

    # Searchable: each article's own word finds it (and only it).
    unfound = []
    for code, (pk,) in harness.by_code(site).items():
        if harness.search_ids(code) != [pk]:
            unfound.append(code)
    assert not unfound, f"not found by their own word: {unfound}"
    print(
        f"\n[four workers] killed nothing; four worker nodes (one process each) and the indexer on 8 "
        f"sources whose feeds share every article (320 entries, 160 articles), two beats' "
        f"enqueue_due_sources at once. Afterwards: fetch_source ran once per source; entries' "
        f"outcomes {dict(outcomes)}, batches over nodes {dict(nodes)}; {len(failures)} failed tasks, "
        f"{len(retries)} retries ({len(locked)} on a lock error); lock words in the logs {in_logs}; "
        f"all 160 found by their own word; settled and indexed {finishing:.1f} s after the last "
        f"store. {counts}. Took {time.monotonic() - started:.0f} s."
    )


def _ingested(cluster) -> int:
    """Entries ingested (stored, or found stored already) by the batches that ended."""
    ends = [e["result"] for e in cluster.events() if e["event"] == "end" and e["task"].endswith("ingest_entries")]
    return sum(outcome_counts(ends).values())


@pytest.mark.once
@pytest.mark.django_db(transaction=True)
def test_database_connections_dropped_mid_task(start_cluster, feed_server):
    started = time.monotonic()
    load_clubs()
    # A slow site: a feed takes 2 s to answer, a page 1 s, so tasks hold an open database
    # connection while they wait and find it gone when they write.
    site = Site(feed_server, page_delay=1.0, feed_delay=2.0)
    total = 48
    sources_for(site, {f"bron-{f}": list(range(f * 12, f * 12 + 12)) for f in range(4)})
    # The default visibility timeout (600 s): a retry's countdown (up to 30 s, then 60 s) must
    # stay under it, or Redis would hand the waiting retry to a second worker.
    cluster = start_cluster()
    cluster.worker("worker", "fetch,celery", concurrency=4)
    cluster.worker("indexer", "index", concurrency=1)
    cluster.send("articles.tasks.enqueue_due_sources")

    drops = []
    feed_paths = {f"/feeds/bron-{f}.xml" for f in range(4)}
    wait_until(lambda: feed_paths <= set(site.page_requests()), 60, cluster, "the four feeds requested")
    time.sleep(0.5)  # fetch_source is waiting for the feed, its connection open
    drops.append(("fetching the feeds", stored(), harness.terminate_database_connections()))

    def batch_waiting_for_pages(at_least: int):
        # A batch that started half a second ago has read what is stored (its connection is
        # open) and waits for its pages (a second each): it writes on a dropped connection.
        def ready() -> bool:
            now = time.time()
            started = in_flight(cluster, "worker").values()
            waiting = [e for e in started if e["task"].endswith("ingest_entries") and now - e["t"] > 0.5]
            return stored() >= at_least and bool(waiting)

        return ready

    wait_until(batch_waiting_for_pages(6), 120, cluster, "6 stored, a batch waiting for pages", interval=0.1)
    drops.append(("ingesting", stored(), harness.terminate_database_connections()))
    wait_until(batch_waiting_for_pages(24), 120, cluster, "24 stored, a batch waiting for pages", interval=0.1)
    drops.append(("ingesting", stored(), harness.terminate_database_connections()))

    wait_until(lambda: stored() >= total, 180, cluster, f"all {total} articles stored after the drops")
    finishing = finish(cluster)
    counts = assert_landed_once(site, cluster, total)

    events = cluster.events()
    retries = Counter(
        (e["task"].rsplit(".", 1)[-1], e["reason"].split(":", 1)[0]) for e in events if e["event"] == "retry"
    )
    failures = Counter(
        (e["task"].rsplit(".", 1)[-1], e["exception"].split(":", 1)[0]) for e in events if e["event"] == "failure"
    )
    database_errors = ("OperationalError", "InterfaceError")
    assert any(task == "ingest_entries" and why in database_errors for task, why in retries), retries
    assert any(task == "fetch_source" and why in database_errors for task, why in retries), retries
    # The pipeline's own tasks never give up; a drain that lost its connection (settle_landed,
    # relate_landed: not retried) leaves the stage on the rows for the sweep, which finished it.
    assert not [key for key in failures if key[0] in ("fetch_source", "ingest_entries")], failures
    health = list(Source.objects.order_by("pk").values_list("error_count", "last_error", "last_success_at"))
    assert all(errors == 0 and not error and success for errors, error, success in health), health
    pages_again = sum(1 for path, n in site.page_requests().items() if path.startswith("/voetbal/") and n > 1)
    print(
        f"\n[database drop] terminated every other connection to the test database three times "
        f"(pg_terminate_backend): {[f'{when}, {n} stored: {k} connections' for when, n, k in drops]}. "
        f"Afterwards: retries {dict(retries)}; failed tasks {dict(failures) or 'none'}; "
        f"{pages_again} pages fetched again by a retried ingest_entries; the sources recovered "
        f"(error_count 0, no last_error, last_success_at set: a database error is not a feed error and "
        f"is not recorded on the source); settled and indexed {finishing:.1f} s after the last store. "
        f"{counts}. Took {time.monotonic() - started:.0f} s."
    )
