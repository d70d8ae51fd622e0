"""The synthetic archive the search and page benchmarks share, kept in a folder of its own
between runs, topped up when a run asks for more articles: loaded through the import path
(linking, stories and related lists on; indexing off, the index is built after) or, with
`--bulk` as the Makefile asks, by articles.bench.bulk_archive from what the generator wrote."""

import json
import time

from articles.bench import bulk_archive
from articles.bench.runs import index_requests_off
from articles.bench.synthetic import from_gazetteer
from articles.ingest.importing import import_lines
from articles.models import Article

SEED = 11
BATCH = 2000


def load(articles: int, progress=None) -> dict | None:
    """Make the archive hold `articles` synthetic articles; returns the load's figures, or None
    when nothing needed loading. Articles are numbered, so a stopped load resumes."""
    present = Article.objects.count()
    if present >= articles:
        return None
    generator = from_gazetteer(seed=SEED)
    started = time.perf_counter()
    with index_requests_off():
        for first in range(present, articles, BATCH):
            last = min(first + BATCH, articles)
            import_lines(
                [json.dumps(generator.article(n).as_import_line(), ensure_ascii=False) for n in range(first, last)]
            )
            if progress:
                progress(last)
    seconds = time.perf_counter() - started
    return {
        "loaded": articles - present,
        "seconds": round(seconds, 1),
        "per_second": round((articles - present) / seconds, 1),
    }


def load_for(out: dict, articles: int, stderr, *, bulk: bool = False) -> None:
    """load() (or with `bulk`, articles.bench.bulk_archive's), as a benchmark command starts:
    progress on its `stderr`, and what the load took in its figures (`out`), if it loaded
    anything."""

    def progress(loaded):
        stderr.write(f"loaded {loaded}")

    loaded = bulk_archive.load(articles, SEED, progress=progress) if bulk else load(articles, progress=progress)
    if loaded:
        out["load"] = loaded
