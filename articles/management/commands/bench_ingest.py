"""Ingestion benchmark: summary-only feeds and ~40 KB pages served on loopback, ingested end to
end (fetch, extract, clean, store, link), in this process and by real Celery workers; then the
same articles through import_articles. Prints JSON; make bench-ingest runs it on an empty database."""

import json
import multiprocessing
import os
import resource
import socket
import statistics
import subprocess
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Q

from articles.bench.pages import page_html, summary_feed
from articles.bench.runs import index_requests_off
from articles.bench.synthetic import from_gazetteer
from articles.ingest import feeds, landing
from articles.ingest.importing import import_lines
from articles.management.commands.fetch_sources import EXTRACT_PROCESSES
from articles.models import Article, Source
from newsdesk.celery import worker_command
from search.backend import get_backend
from search.models import IndexDeletion


def _serve(routes: dict[str, bytes], port: int, page_delay: multiprocessing.Value) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each response waits ~40 ms for a delayed ACK

        def do_GET(self):
            if self.path.startswith("/artikel/") and page_delay.value:
                time.sleep(page_delay.value)  # a real site's page takes its time to answer
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            body = body if body is not None else b"not found"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    httpd.daemon_threads = True
    httpd.serve_forever()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _linked() -> int:
    """Articles linked to a club or a player: every synthetic article names one or the other."""
    return Article.objects.filter(Q(club_links__isnull=False) | Q(player_links__isnull=False)).distinct().count()


def _fresh_statistics() -> None:
    """After emptying the tables, as a live site's autovacuum would have: without it PostgreSQL
    plans the next run's look-ups from the previous run's dead rows (a 2 ms bitmap scan over
    33,000 dead index entries for a look-up that finds nothing, measured)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE articles_article, articles_articleclub, articles_articleplayer")


def _empty() -> None:
    """Each run starts as the first did: no articles, no sources, an empty index (documents
    deleted from a Whoosh index are still read until a merge, and would slow later runs)."""
    with index_requests_off():  # deleting asks for an index run per article otherwise
        Article.objects.all().delete()
        Source.objects.all().delete()
        IndexDeletion.objects.all().delete()
    get_backend().clear()
    _fresh_statistics()


def _landed() -> int:
    """Stored, linked and in a story."""
    return Article.objects.exclude(landing=Article.Landing.LINK).count()


def _complete() -> int:
    """Landed, in the index and with a related list: nothing left to follow."""
    return Article.objects.filter(landing=Article.Landing.SETTLED).exclude(pk__in=Article.objects.index_stale()).count()


def _database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or "postgres"
    return f"postgres://{user}@{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{params['NAME']}"


class Command(BaseCommand):
    help = "Benchmark ingestion end to end; run it against an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=2000)
        parser.add_argument("--per-feed", type=int, default=50)
        parser.add_argument("--mode", choices=["inprocess", "celery", "both"], default="both")
        parser.add_argument("--concurrency", type=int, default=2, help="processes of the `celery` queue's worker")
        parser.add_argument("--fetchers", type=int, default=4, help="processes of the `fetch` queue's worker")
        parser.add_argument(
            "--page-delays",
            default="0,100",
            help="comma-separated milliseconds each article page waits before it answers; one run per value",
        )

    def handle(self, *args, articles, per_feed, mode, concurrency, fetchers, page_delays, **options):
        if Article.objects.exists():
            raise CommandError("the database already holds articles; run against an empty one")
        generator = from_gazetteer(seed=7)
        corpus = [generator.article(n) for n in range(articles)]
        headlines = [a.title for a in corpus[:40]]
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        routes = {f"/artikel/{n}": page_html(a, headlines).encode() for n, a in enumerate(corpus)}
        feed_paths = []
        for number, start in enumerate(range(0, articles, per_feed)):
            items = [(corpus[n], f"{base}/artikel/{n}") for n in range(start, min(start + per_feed, articles))]
            routes[f"/feed/{number}.xml"] = summary_feed(f"Bron {number}", base + "/", items).encode()
            feed_paths.append(f"/feed/{number}.xml")
        page_kb = statistics.median(len(routes[f"/artikel/{n}"]) for n in range(articles)) / 1024

        context = multiprocessing.get_context("fork")
        page_delay = context.Value("d", 0.0)
        server = context.Process(target=_serve, args=(routes, port, page_delay), daemon=True)
        server.start()
        time.sleep(0.5)
        settings.NEWSDESK_FETCH_ALLOWLIST = [f"127.0.0.1:{port}"]
        settings.NEWSDESK_HOST_INTERVAL = 0  # one loopback host serves every feed and page
        results = {
            "articles": articles,
            "feeds": len(feed_paths),
            "page_kb_median": round(page_kb, 1),
            "database": connection.vendor,
        }
        try:
            for delay_ms in [int(value) for value in page_delays.split(",")]:
                page_delay.value = delay_ms / 1000
                for run_mode in ["inprocess", "celery"] if mode == "both" else [mode]:
                    _empty()
                    for path in feed_paths:
                        Source.objects.create(name=f"bench {path}", feed_url=base + path)
                    figures = self._run(run_mode, port, articles, concurrency, fetchers)
                    results[f"{run_mode}_pages_after_{delay_ms}ms"] = figures
        finally:
            server.terminate()
            server.join()
        results["import_articles"] = self._import(corpus)
        self.stdout.write(json.dumps(results, indent=2))

    def _run(self, run_mode, port, articles, concurrency, fetchers):
        if run_mode == "inprocess":
            started = time.perf_counter()
            with landing.in_bulk():  # as fetch_sources does: index, then related lists, after the fetch
                feeds.fetch_and_ingest_all(Source.objects.all(), extract_processes=EXTRACT_PROCESSES)
                elapsed = time.perf_counter() - started
            followup_seconds = time.perf_counter() - started - elapsed
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        else:
            elapsed, followup_seconds, peak_mb = self._celery(port, articles, concurrency, fetchers)
        stored = Article.objects.count()
        return {
            "stored": stored,
            "with_page_text": Article.objects.filter(extraction_note="").count(),
            "linked": _linked(),
            "complete": _complete(),
            # Landed: stored, linked and in a story. Complete: also indexed, with a related list.
            "landed_seconds": round(elapsed, 2),
            "landed_articles_per_second": round(stored / elapsed, 1),
            "then_complete_in_seconds": round(followup_seconds, 2),
            "complete_articles_per_second": round(stored / (elapsed + followup_seconds), 1),
            "peak_memory_mb": round(peak_mb, 1),
        }

    def _celery(self, port, articles, concurrency, fetchers):
        """The production layout (README, deploy/systemd): a prefork worker on `celery` (the
        landing drains), a prefork fetcher on `fetch` (feeds and entry batches), and the one
        indexer on `index`."""

        import redis
        from celery import Celery

        # A database of its own: test runs use 15 (and 14 beside them) and flush theirs.
        redis_url = os.environ.get("NEWSDESK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
        redis.Redis.from_url(redis_url).flushdb()
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "NEWSDESK_FETCH_ALLOWLIST": f"127.0.0.1:{port}",
            "NEWSDESK_HOST_INTERVAL": "0",
            "DATABASE_URL": _database_url(),
        }
        roles = {
            "worker": ["-Q", "celery", "--pool=prefork", f"--concurrency={concurrency}"],
            "fetcher": ["-Q", "fetch", "--pool=prefork", f"--concurrency={fetchers}"],
            "indexer": ["-Q", "index", "--pool=prefork", "--concurrency=1"],
        }
        workers = [
            subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                worker_command(*options, "-n", f"{role}@%h"),
                env=env,
                cwd=settings.BASE_DIR,
                stdout=subprocess.DEVNULL,  # the workers' banners are not benchmark output
            )
            for role, options in roles.items()
        ]
        time.sleep(6)  # the pools start before the clock does
        sender = Celery(broker=redis_url, set_as_current=False)  # our own app stays eager
        started = time.perf_counter()
        for source_id in Source.objects.values_list("pk", flat=True):
            sender.send_task("articles.tasks.fetch_source", args=[source_id], queue="fetch")
        deadline = started + 900
        while _landed() < articles and time.perf_counter() < deadline:
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
        while _complete() < articles and time.perf_counter() < deadline:
            time.sleep(0.25)
        followup_seconds = time.perf_counter() - started - elapsed
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        redis.Redis.from_url(redis_url).flushdb()
        return elapsed, followup_seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    def _import(self, corpus):
        _empty()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "articles.jsonl"
            path.write_text("".join(json.dumps(a.as_import_line(), ensure_ascii=False) + "\n" for a in corpus))
            # What import_articles does, with a clock between landing (stored, linked, in a
            # story) and the follow-up at the end of the bulk run (index, then related lists).
            started = time.perf_counter()
            with path.open(encoding="utf-8") as lines, landing.in_bulk():
                import_lines(lines)
                elapsed = time.perf_counter() - started
            followup_seconds = time.perf_counter() - started - elapsed
        return {
            "articles": len(corpus),
            "stored": Article.objects.count(),
            "linked": _linked(),
            "seconds": round(elapsed, 2),
            "articles_per_second": round(len(corpus) / elapsed, 1),
            "with_related_lists": Article.objects.exclude(related_ids=[]).count(),
            "then_indexed_and_related_in_seconds": round(followup_seconds, 2),
            "with_index_and_related_articles_per_second": round(len(corpus) / (elapsed + followup_seconds), 1),
        }
