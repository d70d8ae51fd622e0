"""Linking benchmark: 1,000 synthetic articles of about 400 words against the full gazetteer.

Times the matcher alone (what the issue's target is about) and the whole relink with its
database writes, each over several rounds of all 1,000 articles. Prints JSON; `make bench-link`
runs it on a database of its own with the shipped gazetteer loaded."""

import json
import statistics
import time

from django.core.management.base import CommandError

from articles.bench.runs import BenchCommand, index_requests_off, percentiles
from articles.bench.synthetic import from_gazetteer
from articles.entities import linking
from articles.ingest.importing import import_lines
from articles.models import Article, ArticleClub, ArticlePlayer, LinkOrigin


def summary(seconds: list[float]) -> dict:
    return percentiles(seconds, unit="s", digits=3, count="rounds")


class Command(BenchCommand):
    help = "Benchmark entity linking on synthetic articles; run on a database holding only the gazetteer."
    default_articles = 1000
    repeat = ("rounds", 10)

    def handle(self, *args, articles, rounds, **options):
        if Article.objects.exists():
            raise CommandError("the database already holds articles; run against an empty one")
        # Indexing is a task of its own (async with a broker): the figures here are linking alone.
        with index_requests_off():
            self._run(articles, rounds)

    def _run(self, articles, rounds):
        generator = from_gazetteer(seed=3)
        import_lines([json.dumps(generator.article(n).as_import_line(), ensure_ascii=False) for n in range(articles)])
        loaded = list(Article.objects.only("pk", "title", "body"))
        words = [len(f"{a.title} {a.body}".split()) for a in loaded]

        started = time.perf_counter()
        matcher = linking.build_matcher()
        build_seconds = time.perf_counter() - started

        match_rounds, per_article_ms = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            for article in loaded:
                before = time.perf_counter()
                matcher.find_in_article(article.title, article.body)
                per_article_ms.append((time.perf_counter() - before) * 1000)
            match_rounds.append(time.perf_counter() - started)

        link_rounds = []
        for _ in range(max(3, rounds // 2)):
            ArticleClub.objects.filter(origin=LinkOrigin.AUTO).delete()
            ArticlePlayer.objects.filter(origin=LinkOrigin.AUTO).delete()
            started = time.perf_counter()
            linking.link_articles(Article.objects.only("pk", "title", "body"), matcher)
            link_rounds.append(time.perf_counter() - started)

        per_article_ms.sort()
        out = {
            "articles": len(loaded),
            "words_per_article_p50": statistics.median(words),
            "matcher_build_s": round(build_seconds, 3),
            "match_all_articles": summary(match_rounds),
            "match_one_article_ms": {
                "p50": round(statistics.median(per_article_ms), 3),
                "p95": round(per_article_ms[int(0.95 * (len(per_article_ms) - 1))], 3),
            },
            "link_all_articles_with_writes": summary(link_rounds),
            "links": {"clubs": ArticleClub.objects.count(), "players": ArticlePlayer.objects.count()},
        }
        self.stdout.write(json.dumps(out, indent=2))
