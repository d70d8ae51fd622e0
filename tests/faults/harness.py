"""What the fault tests start, kill and count: a redis-server of their own, real Celery worker
processes (tests.faults.observed: the project's app with a record of every task), and the
checks they make on the database and the index afterwards."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.db import connection
from django.db.models import Count

from articles.models import Article, ArticleClub, LinkState
from tests.services import IN_CI, free_port, subprocess_env

ROOT = Path(__file__).resolve().parents[2]
QUIET = ["--without-gossip", "--without-mingle", "--without-heartbeat"]
# Beat sends these every minute; the tests send them every few seconds instead of running beat.
SWEEP_EVERY = 4.0


def require_fault_servers() -> None:
    """Skip (fail under CI=true) without PostgreSQL and redis-server: what the faults need."""
    missing = []
    if connection.vendor != "postgresql":
        missing.append(f"PostgreSQL (DATABASE_URL=postgres://…; this run's database is {connection.vendor})")
    if shutil.which("redis-server") is None:
        missing.append("redis-server on PATH")
    if not missing:
        return
    message = "fault tests need " + " and ".join(missing)
    if IN_CI:
        pytest.fail(f"{message}; under CI=true this test must run")
    pytest.skip(reason=message)


def _kill_group(process: subprocess.Popen, signum=signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)  # its own session: the process and the children it forked


def group_pids(pgid: int) -> list[int]:
    """Processes of a process group (a worker and its pool), read from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry.name))
    return sorted(pids)


class RedisServer:
    """redis-server on a free loopback port, as a child we can kill -9 and start again."""

    def __init__(self, workdir: Path, *, appendonly: bool = False):
        self.port = free_port()
        self.workdir = workdir
        self.appendonly = appendonly
        self.process: subprocess.Popen | None = None
        self.starts = 0
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.appendonly else ["--appendonly", "no"]
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *persistence]
        argv += ["--dir", str(self.workdir), "--daemonize", "no", "--loglevel", "warning"]
        self.starts += 1
        log = open(self.workdir / f"redis-{self.starts}.log", "w")  # noqa: SIM115  (the child writes it)
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start: {self.log_text()}") from None
                time.sleep(0.05)
        client.close()
        return self

    def kill(self) -> int:
        """kill -9; returns the pid killed."""
        pid = self.process.pid
        _kill_group(self.process)
        self.process.wait(timeout=10)
        return pid

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.workdir.glob("redis-*.log")))


class Cluster:
    """Celery workers of the project, each in a session of its own with its log in a file."""

    def __init__(self, log_dir: Path, redis_server: RedisServer, allow: str, **env):
        self.log_dir = log_dir
        self.redis = redis_server
        self.task_log = log_dir / "tasks.jsonl"
        self.env = subprocess_env(
            REDIS_URL=redis_server.url,
            NEWSDESK_FETCH_ALLOWLIST=allow,
            FAULTS_TASK_LOG=str(self.task_log),
            **env,
        )
        self.workers: dict[str, subprocess.Popen] = {}
        self.killed: set[str] = set()
        self._sender: Celery | None = None
        # As the systemd units do (Restart=on-failure): a worker that exits with an error is
        # started again, and the restart recorded. Off unless a test says production does it.
        self.restart_on_failure = False
        self.restarts: list[tuple[str, int]] = []
        self._options: dict[str, tuple[str, int]] = {}

    # --- processes ------------------------------------------------------------------------
    def worker(self, name: str, queues: str, concurrency: int = 2) -> subprocess.Popen:
        argv = [sys.executable, "-m", "celery", "-A", "tests.faults.observed", "worker", "-Q", queues]
        argv += ["--pool=prefork", f"--concurrency={concurrency}", "--loglevel=WARNING", *QUIET, "-n", f"{name}@%h"]
        mode = "a" if name in self._options else "w"  # a restart keeps the log of the run before
        self._options[name] = (queues, concurrency)
        log = open(self.log_dir / f"{name}.log", mode)  # noqa: SIM115  (the child writes it)
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**self.env, "FAULTS_NODE": name},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.workers[name] = process
        return process

    def kill(self, name: str) -> list[int]:
        """kill -9 the worker and its pool processes at once; returns their pids."""
        process = self.workers[name]
        pids = group_pids(process.pid)
        _kill_group(process)
        process.wait(timeout=10)
        self.killed.add(name)
        return pids

    def check_running(self) -> None:
        for name, process in list(self.workers.items()):
            if name in self.killed or process.poll() is None:
                continue
            if self.restart_on_failure and process.returncode != 0:
                self.restarts.append((name, process.returncode))
                self.worker(name, *self._options[name])
                continue
            raise AssertionError(f"worker {name} exited with status {process.returncode}\n{self.tails()}")

    def stop(self) -> None:
        for process in self.workers.values():
            _kill_group(process)  # the test is over: nothing of theirs needs finishing
        for process in self.workers.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        if self._sender is not None:
            self._sender.close()

    def logs(self) -> dict[str, str]:
        return {name: (self.log_dir / f"{name}.log").read_text(errors="replace") for name in self.workers}

    def tails(self, chars: int = 3000) -> str:
        return "\n".join(f"----- {name} -----\n{text[-chars:]}" for name, text in self.logs().items())

    # --- what beat and the landing code send ---------------------------------------------------
    @property
    def sender(self) -> Celery:
        """A Celery app bound to this test's broker (the test process's own app stays eager)."""
        if self._sender is None:
            self._sender = Celery(broker=self.redis.url, set_as_current=False)
        return self._sender

    def send(self, name: str, *args, queue: str = "celery") -> None:
        self.sender.send_task(name, args=list(args), queue=queue)

    def fetch(self, source_ids) -> None:
        for source_id in source_ids:
            self.send("articles.tasks.fetch_source", source_id, queue="fetch")

    # --- the record of tasks ------------------------------------------------------------------
    def events(self) -> list[dict]:
        if not self.task_log.exists():
            return []
        return [json.loads(line) for line in self.task_log.read_text().splitlines() if line.strip()]


def wait_until(predicate, timeout: float, cluster: Cluster, what: str, interval: float = 0.25) -> float:
    """Poll `predicate` until true; fail (with the workers' logs) after `timeout` seconds or when
    a worker that was not killed on purpose dies. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        cluster.check_running()
        if predicate():
            return time.monotonic() - started
        time.sleep(interval)
    raise AssertionError(f"not within {timeout} s: {what}\n{cluster.tails()}")


def stored(**filters) -> int:
    return Article.objects.filter(**filters).count()


def settled_and_indexed() -> bool:
    return (
        not Article.objects.exclude(landing=Article.Landing.SETTLED).exists()
        and not Article.objects.published().index_stale().exists()
    )


def finish(cluster: Cluster, timeout: float = 120) -> float:
    """What beat does every minute, every SWEEP_EVERY seconds: the landing sweep and the index
    sync, until every article is settled and indexed. Returns the seconds it took."""
    started = time.monotonic()
    last = 0.0
    while not settled_and_indexed():
        if time.monotonic() - started > timeout:
            left = (
                Article.objects.exclude(landing=Article.Landing.SETTLED).values_list("landing").annotate(n=Count("id"))
            )
            stale = Article.objects.published().index_stale().count()
            raise AssertionError(
                f"not settled and indexed within {timeout} s: stages left {dict(left)}, index stale {stale}\n"
                + cluster.tails()
            )
        cluster.check_running()
        if time.monotonic() - last >= SWEEP_EVERY:
            cluster.send("articles.tasks.sweep_landing")
            cluster.send("search.tasks.index_pending", queue="index")
            last = time.monotonic()
        time.sleep(0.25)
    return time.monotonic() - started


def check_index(cluster: Cluster) -> tuple[int, str]:
    """`manage.py check_index` as the operator runs it: (exit status, output)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check_index"],
        cwd=ROOT,
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, (result.stdout + result.stderr).strip()


def index_copies() -> Counter:
    """How many documents the index holds for each article id (check_index compares sets)."""
    from search.backend import get_backend

    searcher = get_backend().searcher()
    return Counter(int(fields["id"]) for fields in searcher.all_stored_fields())


def doubled_urls() -> list[str]:
    return list(Article.objects.values("url").annotate(n=Count("id")).filter(n__gt=1).values_list("url", flat=True))


def by_code(site) -> dict[str, list[int]]:
    """Stored article ids by the made-up word of their report (each report's title has its own)."""
    found: dict[str, list[int]] = {}
    codes = {r.code: r for r in site.reports.values()}
    for pk, title in Article.objects.values_list("pk", "title"):
        code = title.rsplit(": ", 1)[-1].split(" ", 1)[0]
        if code in codes:
            found.setdefault(code, []).append(pk)
    return found


def without_links(site) -> list[int]:
    """Articles not linked to both clubs their text names in full."""
    expected = {r.path: set(r.clubs) for r in site.reports.values()}
    linked: dict[int, set] = {}
    rows = ArticleClub.objects.filter(state=LinkState.LINKED).values_list("article_id", "club__slug")
    for article_id, slug in rows:
        linked.setdefault(article_id, set()).add(slug)
    missing = []
    for pk, url in Article.objects.values_list("pk", "url"):
        path = "/" + url.split("/", 3)[3]
        if not expected.get(path, set()) <= linked.get(pk, set()):
            missing.append(pk)
    return missing


def related_gaps() -> tuple[list[int], int]:
    """Articles in a story of more than one whose related list is empty, and how many articles
    are in such stories. The story's other articles always head the list (articles.related):
    the last of them to be related re-ranks its mates' lists."""
    sizes = Counter(Article.objects.published().exclude(story=None).values_list("story_id", flat=True))
    shared = Article.objects.published().filter(story_id__in=[s for s, n in sizes.items() if n > 1])
    return list(shared.filter(related_ids=[]).values_list("pk", flat=True)), shared.count()


def terminate_database_connections() -> int:
    """Drop every other connection to this test's database, as a PostgreSQL restart or a
    failover would; returns how many were dropped."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return sum(1 for (done,) in cursor.fetchall() if done)


def wait_for_no_other_connections(timeout: float = 15) -> None:
    """Killed workers' database sessions end a moment after them; the test database is then
    flushed and, at the end of the run, dropped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.2)


def search_ids(word: str) -> list[int]:
    """The ids a search for `word` finds, as the search page runs it (this process reads the
    index the test's indexer wrote)."""
    from articles import selectors
    from search.filters import SearchFilter
    from search.searching import search_articles

    filterset = SearchFilter({"q": word}, queryset=selectors.published_articles())
    assert filterset.form.is_valid(), filterset.form.errors
    found = search_articles(filterset, 1, 10)
    return [hit.article.pk for hit in found.results[:10]]


def split_pairs(site) -> str:
    """Pairs of reports of one match (numbers 2k, 2k+1; 2k+1 published 30 s later) that ended in
    two stories, and how many of those were stored in publication order (2k first)."""
    rows = {}
    for pk, url, story_id in Article.objects.values_list("pk", "url", "story_id"):
        rows["/" + url.split("/", 3)[3]] = (pk, story_id)
    split = in_order = 0
    for r in site.reports.values():
        partner = site.reports.get(r.number + 1)
        if r.number % 2 or partner is None or r.path not in rows or partner.path not in rows:
            continue
        (first_pk, first_story), (second_pk, second_story) = rows[r.path], rows[partner.path]
        if first_story != second_story:
            split += 1
            in_order += first_pk < second_pk
    return f"{split} ({in_order} of them stored in publication order)"
