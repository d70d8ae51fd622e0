"""Page benchmark: server time of the home, club, article and search pages over a synthetic
archive, measured with Django's test client (middleware, views, queries, templates; no network).

`make bench-site` runs it on a database and index folder of its own. A second run on the same
folder reuses the archive (loading 100,000 articles through the import path takes a while)."""

import json
import random
import time

from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.bench import archive as bench_archive
from articles.bench.runs import BenchCommand, percentiles
from articles.models import Article, Club, Story
from articles.stories import related
from search import indexing
from search.backend import get_backend
from search.base import IndexUnavailable

QUERIES = ["doelman", "strafschop", "transfer", "hamstring", "doelman blessure", "transfer contract", "zaakwaarnemer"]


def _documents_in_index() -> int | None:
    """Documents in the archive's index; None when there is none yet (a fresh archive)."""
    try:
        return get_backend().status()["documents"]
    except IndexUnavailable:
        return None


class Command(BenchCommand):
    help = "Benchmark page server time on a synthetic archive (home, club, article, search)."

    def handle(self, *args, articles, requests, **options):
        out = {"articles": articles, "requests_per_page": requests}
        bench_archive.load_for(out, articles, self.stderr, bulk=options["bulk"])
        if _documents_in_index() != Article.objects.published().count():
            started = time.perf_counter()
            indexing.rebuild()
            out["rebuild_seconds"] = round(time.perf_counter() - started, 1)
        out["articles_in_database"] = Article.objects.count()
        out["documents_in_index"] = _documents_in_index()

        rng = random.Random(7)
        sample = rng.sample(list(Article.objects.published().values_list("pk", flat=True)), requests)
        # What landing costs per article: its related list (more-like-this over the full index).
        out["related_list_per_article"] = self._timed_related(sample)
        self._feature_stories()

        clubs = list(Club.objects.annotate(n=Count("article_links")).order_by("-n").values_list("slug", flat=True)[:50])
        articles_by_pk = Article.objects.in_bulk(sample)
        pages = {
            "home": ["/"] * requests,
            "club": [f"/clubs/{clubs[n % len(clubs)]}/" for n in range(requests)],
            "article": [articles_by_pk[pk].get_absolute_url() for pk in sample],
            "search": [f"/search/?q={QUERIES[n % len(QUERIES)]}" for n in range(requests)],
        }
        client = Client()
        for urls in pages.values():
            client.get(urls[0])  # open the searcher, load templates: a server that has been up a while
        out["pages"] = {name: self._measure(client, urls) for name, urls in pages.items()}
        self.stdout.write(json.dumps(out, indent=2))

    def _timed_related(self, sample) -> dict:
        durations = []
        for pk in sample:
            started = time.perf_counter()
            related.refresh([pk])
            durations.append((time.perf_counter() - started) * 1000)
        return percentiles(durations, most=True)

    def _feature_stories(self):
        Story.objects.update(is_featured=False)
        widest = Story.objects.order_by("-source_count", "-last_published_at").values_list("pk", flat=True)[:6]
        for order, pk in enumerate(widest, start=1):
            Story.objects.filter(pk=pk).update(is_featured=True, featured_order=order)

    def _measure(self, client, urls) -> dict:
        from django.db import connection

        durations, queries = [], []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                durations.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            queries.append(len(captured.captured_queries))
        return {**percentiles(durations, most=True), "max_queries": max(queries)}
