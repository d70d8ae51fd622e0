"""Load benchmark: the site under gunicorn, configured as the README's production section says,
with 50 clients (locust, headless, no think time) on a mix of pages sampled from the archive.

`make bench-load` runs it once on the SQLite archive of bench-search/bench-site and once on a
PostgreSQL copy of the same archive (`--copy-from`, made once and kept). Steps: sample the URLs
from this database, start `gunicorn newsdesk.wsgi` in the project folder with the production
environment (DJANGO_DEBUG=0, a Redis cache of its own, emptied first, rate limits for search and
the API off: all clients are 127.0.0.1), wait until it answers, run
articles/bench/locustfile.py for --warmup seconds (a site that has served readers for a while:
its page cache holds what they asked for lately; figures kept apart) and then --seconds
(measured), stop gunicorn, print the figures per page type.

It does not import articles.bench (only the older bench commands may): the locustfile is a
file that locust runs in its own process.
"""

import json
import os
import random
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import psutil
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count

from articles.models import Article, Club, Player, Story

HOST = "nieuws.example.be"
LOCUSTFILE = Path(settings.BASE_DIR) / "articles" / "bench" / "locustfile.py"
DRAWS = 5000  # URLs drawn per page type; popular ones appear many times
STOPWORDS = set(
    "de het een en van in op te dat die is voor met niet aan er om ook als bij nog naar uit tot "
    "maar dan zijn was wordt werd heeft hebben door over na zich ze hij wij we je haar hun wat "
    "meer geen al kan moet zal zou nieuwe eerste tegen".split()
)
# Tables the archive fills (the rest is Django's own or filled by migrate).
COPIED = [
    "articles_source",
    "articles_club",
    "articles_player",
    "articles_story",
    "articles_storyredirect",
    "articles_article",
    "articles_articleclub",
    "articles_articleplayer",
    "articles_matchresult",
    "articles_gazetteerdeletion",
    "search_indexdeletion",
]


class Command(BaseCommand):
    help = "Load-test the site under gunicorn with locust (50 clients, no think time) on this database."

    def add_arguments(self, parser):
        parser.add_argument("--label", default=connection.vendor, help="name of this run (file names, table)")
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--seconds", type=int, default=60, help="measured time")
        parser.add_argument(
            "--warmup", type=int, default=60, help="seconds of the same load first, counted apart (0: a cold start)"
        )
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "var" / "bench-load"))
        parser.add_argument("--redis-db", type=int, default=13, help="Redis database of the site's cache (emptied)")
        parser.add_argument(
            "--copy-from", help="SQLite archive to copy into this PostgreSQL database when it is emptier"
        )
        parser.add_argument("--prepare-only", action="store_true", help="copy and sample, do not run")

    def handle(self, *args, label, users, seconds, warmup, out, redis_db, copy_from, prepare_only, **options):
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        if copy_from:
            self._copy_archive(Path(copy_from))
        if not Article.objects.published().exists():
            raise CommandError("this database holds no articles: run make bench-archive / bench-site first")
        self._feature_stories()
        urls = out / f"{label}-urls.json"
        urls.write_text(json.dumps(sample_urls(random.Random(28)), ensure_ascii=False))
        if prepare_only:
            return
        result = out / f"{label}-result.json"
        result.unlink(missing_ok=True)
        figures = self._run(label, users, seconds, warmup, out, redis_db, urls, result)
        (out / f"{label}.json").write_text(json.dumps(figures, indent=2))
        self.stdout.write(table(label, figures))

    # --- the archive --------------------------------------------------------------------------

    def _feature_stories(self):
        """Six featured stories on the home page, as bench_site has them (editors' work)."""
        if Story.objects.filter(is_featured=True).exists():
            return
        widest = Story.objects.order_by("-source_count", "-last_published_at").values_list("pk", flat=True)[:6]
        for order, pk in enumerate(widest, start=1):
            Story.objects.filter(pk=pk).update(is_featured=True, featured_order=order)

    def _copy_archive(self, path: Path):
        """Copy the SQLite archive's rows into this (migrated) PostgreSQL database, ids and all,
        so the archive's search index serves it too. Only when this one holds fewer articles."""
        if connection.vendor != "postgresql":
            raise CommandError("--copy-from copies into a PostgreSQL database")
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        wanted = source.execute("SELECT count(*) FROM articles_article").fetchone()[0]
        if Article.objects.count() >= wanted:
            return
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")  # rows arrive in any order
            cursor.execute("SET TIME ZONE 'UTC'")  # Django keeps SQLite's datetimes as UTC text
            cursor.execute(f"TRUNCATE {', '.join(COPIED)} CASCADE")
            raw = cursor.cursor  # psycopg's own, for COPY
            for table_name in COPIED:
                columns = [row[1] for row in source.execute(f'PRAGMA table_info("{table_name}")')]
                quoted = ", ".join(f'"{c}"' for c in columns)
                with raw.copy(f"COPY {table_name} ({quoted}) FROM STDIN") as copy:
                    for row in source.execute(f"SELECT {quoted} FROM {table_name}"):
                        copy.write_row([None if v is None else str(v) for v in row])
                if "id" in columns:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table_name}), 1))"
                    )
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("ANALYZE")
        self.stderr.write(f"copied {wanted} articles from {path} in {time.perf_counter() - started:.0f} s")

    # --- the run ------------------------------------------------------------------------------

    def _run(self, label, users, seconds, warmup, out, redis_db, urls: Path, result: Path) -> dict:
        port = _free_port()
        redis_url = f"redis://127.0.0.1:6379/{redis_db}"
        _flush(redis_db)
        env = {
            **os.environ,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-load-" + "x" * 50,
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
            "REDIS_URL": redis_url,
            "NEWSDESK_INDEX_DIR": str(settings.NEWSDESK_INDEX_DIR),
            "NEWSDESK_RATELIMIT_SEARCH": "off",
            "NEWSDESK_RATELIMIT_API": "off",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        base = f"http://127.0.0.1:{port}"
        bin_dir = Path(sys.executable).parent
        log = open(out / f"{label}-gunicorn.log", "w")  # noqa: SIM115
        web = subprocess.Popen(  # noqa: S603 (our own executables)
            [str(bin_dir / "gunicorn"), "newsdesk.wsgi"], cwd=settings.BASE_DIR, env=env, stdout=log, stderr=log
        )
        try:
            if not _wait_until_up(base, web):
                raise CommandError(f"gunicorn did not answer; see {log.name}")
            workers = [child.pid for child in psutil.Process(web.pid).children()]
            machine_before = psutil.cpu_times()
            children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            locust = subprocess.run(  # noqa: S603
                [str(bin_dir / "locust"), "-f", str(LOCUSTFILE), "--headless", "--users", str(users),
                 "--spawn-rate", str(users), "--run-time", f"{warmup + seconds}s", "--host", base,
                 "--csv", str(out / label), "--only-summary", "--loglevel", "WARNING"],
                env={**os.environ, "BENCH_LOAD_URLS": str(urls), "BENCH_LOAD_HOST": HOST,
                     "BENCH_LOAD_RESULT": str(result), "BENCH_LOAD_WARMUP": str(warmup)},
                cwd=settings.BASE_DIR, capture_output=True, text=True,
            )  # fmt: skip
            children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            machine_after = psutil.cpu_times()
        finally:
            web.send_signal(signal.SIGTERM)
            try:
                web.wait(60)
            except subprocess.TimeoutExpired:
                web.kill()
            log.close()
        (out / f"{label}-locust.log").write_text(locust.stdout + locust.stderr)
        if not result.exists():
            raise CommandError(f"locust wrote no figures (exit {locust.returncode}); see {label}-locust.log")
        figures = json.loads(result.read_text())
        locust_cpu = (children_after.ru_utime + children_after.ru_stime) - (
            children_before.ru_utime + children_before.ru_stime
        )
        locust_seconds = figures["seconds"] + figures.get("warmup", {}).get("seconds", 0)
        busy = _busy(machine_after) - _busy(machine_before)  # warm-up included
        total = sum(machine_after) - sum(machine_before)
        figures["config"] = {
            "database": connection.vendor,
            "gunicorn_workers": len(workers),
            "gunicorn_worker_class": _worker_class(out / f"{label}-gunicorn.log"),
            "users": users,
            "page_cache_seconds": int(os.environ.get("NEWSDESK_PAGE_CACHE_SECONDS") or 60),
            "article_page_cache_seconds": int(os.environ.get("NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS") or 300),
            "warmup_seconds": warmup,
            "articles": Article.objects.published().count(),
        }
        figures["cpu"] = {
            "cores": psutil.cpu_count(),
            "locust_share_of_one_core": round(locust_cpu / locust_seconds, 2),
            "machine_busy_share": round(busy / total, 2) if total else None,
        }
        return figures


def sample_urls(rng: random.Random) -> dict[str, list[str]]:
    """URLs per page type, drawn as readers would ask for them: most reads go to what is new
    (the newest 1,000 articles and 500 stories get 80 % of their pages), the rest anywhere in
    the archive; busy clubs more often; search queries (real words, club and player names from
    the archive, some with a filter, sorted by date or page 2) with a long-tailed popularity."""
    published = Article.objects.published()
    recent = list(published.order_by("-published_at").only("pk", "slug")[:1000])
    ids = list(published.values_list("pk", flat=True))
    tail = list(Article.objects.only("pk", "slug").in_bulk(rng.sample(ids, min(3000, len(ids)))).values())
    stories = Story.objects.filter(article_count__gt=0).only("pk", "slug")
    recent_stories = list(stories.order_by("-last_published_at")[:500])
    story_ids = list(stories.values_list("pk", flat=True))
    tail_stories = list(stories.in_bulk(rng.sample(story_ids, min(2000, len(story_ids)))).values())
    clubs = list(Club.objects.annotate(n=Count("article_links")).filter(n__gt=0).order_by("-n"))
    club_weights = [club.n for club in clubs]

    def recent_or_tail(new, old):
        return (rng.choice(new) if rng.random() < 0.8 else rng.choice(old)).get_absolute_url()

    def some_club():
        return rng.choices(clubs, club_weights)[0]

    queries = _queries(rng, clubs, published)
    query_weights = [1 / (rank + 1) ** 0.9 for rank in range(len(queries))]

    def search_url(prefix="/search/"):
        params = {"q": rng.choices(queries, query_weights)[0]}
        roll = rng.random()
        if roll < 0.15:
            params["club"] = some_club().slug
        elif roll < 0.25:
            params["sort"] = "date"
        elif roll < 0.35 and prefix == "/search/":  # the API answers a page past the end with a 404
            params["page"] = "2"
        return prefix + "?" + urllib.parse.urlencode(params)

    def api_url():
        roll = rng.random()
        if roll < 0.3:
            return f"/api/articles/?club={some_club().slug}"
        if roll < 0.6:
            return f"/api/articles/{rng.choice(recent if rng.random() < 0.8 else tail).pk}/"
        if roll < 0.7:
            return "/api/clubs/"
        if roll < 0.8:
            return f"/api/clubs/{some_club().slug}/"
        if roll < 0.9:
            return "/api/stories/"
        return search_url("/api/search/")

    return {
        "home": ["/"],
        "club": [some_club().get_absolute_url() + ("?page=2" if rng.random() < 0.1 else "") for _ in range(DRAWS)],
        "article": [recent_or_tail(recent, tail) for _ in range(DRAWS)],
        "story": [recent_or_tail(recent_stories, tail_stories) for _ in range(DRAWS)],
        "search": [search_url() for _ in range(DRAWS)],
        "api": [api_url() for _ in range(DRAWS)],
    }


def _queries(rng: random.Random, clubs, published) -> list[str]:
    """Words of the newest titles, club names and players' surnames, and pairs of them."""
    words = Counter()
    for title in published.order_by("-published_at").values_list("title", flat=True)[:5000]:
        for word in re.findall(r"[a-zà-ÿ]{5,}", title.lower()):
            if word not in STOPWORDS:
                words[word] += 1
    common = [word for word, _ in words.most_common(150)]
    club_names = [club.name for club in clubs[:80]]
    players = [name.split()[-1] for name in Player.objects.order_by("pk").values_list("name", flat=True)[:300]]
    singles = common + club_names + players
    pairs = [f"{rng.choice(common)} {rng.choice(club_names + common)}" for _ in range(200)]
    queries = list(dict.fromkeys(singles + pairs))
    rng.shuffle(queries)  # popularity rank: words, names and pairs mixed
    return queries


def table(label: str, figures: dict) -> str:
    config, cpu = figures["config"], figures["cpu"]
    lines = [
        f"\n{label}: {config['database']}, {config['articles']} articles, gunicorn {config['gunicorn_workers']} "
        f"{config['gunicorn_worker_class']} workers, {config['users']} clients, {figures['seconds']} s, "
        f"page cache {config['page_cache_seconds']} s (articles {config['article_page_cache_seconds']} s), "
        f"after {config['warmup_seconds']} s of warm-up; locust used {cpu['locust_share_of_one_core']:.0%} of a core, "
        f"the machine was {cpu['machine_busy_share']:.0%} busy ({cpu['cores']} cores)",
        f"{'page':<10}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'5xx':>6}"
        f"{'cached':>8}",
    ]
    rows = [*figures["pages"].items(), ("overall", figures["overall"])]
    if "warmup" in figures:
        rows.append(("warm-up", figures["warmup"]["overall"]))
    for name, row in rows:
        cached = row["cache_hits"] / row["requests"] if row["requests"] else 0
        lines.append(
            f"{name:<10}{row['requests']:>10}{row['rps']:>9}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['p99_ms']:>9}"
            f"{row['failures']:>8}{row['5xx']:>6}{cached:>8.0%}"
        )
    return "\n".join(lines) + "\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _flush(redis_db: int):
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=redis_db).flushdb()


def _wait_until_up(base: str, web, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(  # noqa: S310 (http on loopback)
        f"{base}/clubs/", headers={"Host": HOST, "X-Forwarded-Proto": "https"}
    )
    while time.monotonic() < deadline and web.poll() is None:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def _worker_class(log: Path) -> str:
    found = re.search(r"Using worker: (\S+)", log.read_text(errors="replace"))
    return found.group(1) if found else "?"


def _busy(times) -> float:
    return sum(times) - times.idle - getattr(times, "iowait", 0)
