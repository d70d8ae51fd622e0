"""What benchmark runs share: index requests switched off while loading, the command options,
percentiles."""

import statistics
from contextlib import contextmanager

from django.core.management.base import BaseCommand


@contextmanager
def index_requests_off():
    """No index runs asked for while loading: the index is built after the load (or is not what
    is measured), and with no broker every request would index right away, in the timed run."""
    from search import indexing

    request_indexing, indexing.request_indexing = indexing.request_indexing, lambda: None
    try:
        yield
    finally:
        indexing.request_indexing = request_indexing


class BenchCommand(BaseCommand):
    """A benchmark command: --articles, how many synthetic articles it runs on, and an option for
    how often each measure is taken (`repeat`: its name and default)."""

    default_articles = 100_000
    repeat = ("requests", 200)

    def add_arguments(self, parser):
        name, default = self.repeat
        parser.add_argument("--articles", type=int, default=self.default_articles)
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="load missing articles in bulk (articles.bench.bulk_archive: links and stories from the generator)",
        )
        parser.add_argument(f"--{name}", type=int, default=default)


def percentiles(values: list[float], *, unit: str = "ms", digits: int = 2, count: str = "n", most=False) -> dict:
    """How many measures (under the name `count`), their median and 95th percentile, and with
    `most` the largest, named with their unit: {"n": 200, "p50_ms": 4.1, "p95_ms": 9.8}."""
    ordered = sorted(values)
    figures = {
        count: len(ordered),
        f"p50_{unit}": round(statistics.median(ordered), digits),
        f"p95_{unit}": round(ordered[int(0.95 * (len(ordered) - 1))], digits),
    }
    if most:
        figures[f"max_{unit}"] = round(ordered[-1], digits)
    return figures
