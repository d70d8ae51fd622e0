"""The synthetic archive loaded in bulk, for a million articles: the import path (archive.load)
links and clusters every article as a fetch would, at about 250 articles a second on this
machine: 67 minutes for a million. The benchmarks at that size measure search and pages, not
linking or clustering (bench-link and the story checks measure those), so this path writes what
the generator knows it wrote instead of finding it again:

- the clubs and players each article names (the generator's own choices) as automatic links;
- one story per event: every report of an event (the generator's follow-ups) in one story;
- as related articles, the event's earlier reports.

Text goes through the same cleaning as any stored article (ingest.store.draft: normalised text,
sanitised HTML, teaser, content hash). Articles are generated and cleaned in worker processes
(one per core), written by this one in batches; stories' counts, dates and leads are set from
their articles in one statement at the end. Articles are numbered, so a stopped load resumes."""

import multiprocessing
import os
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils.text import slugify

from articles.bench.synthetic import from_gazetteer
from articles.bulk import insert_rows, reset_sequences
from articles.ingest.store import Draft, draft, new_article
from articles.models import Article, ArticleClub, ArticlePlayer, Club, Player, Source, Story

BATCH = 2000  # articles written in one transaction
RELATED = 6  # earlier reports of the same event kept as an article's related list

_generator = None


def _start_worker(seed: int):
    global _generator
    _generator = from_gazetteer(seed=seed)


def _make(numbers: range) -> list[tuple]:
    """In a worker: each article of `numbers` generated and cleaned, as what the writer needs."""
    rows = []
    for number in numbers:
        article = _generator.article(number)
        cleaned = draft(None, url=article.url, title=article.title, body_text=article.body)
        rows.append(
            (
                number,
                _generator.event(number),
                cleaned.url,
                cleaned.fields,
                article.published,
                article.source,
                article.club_names,
                article.player_names,
            )
        )
    return rows


class _Writer:
    """Writes batches of made articles: stories for new events, articles, links."""

    def __init__(self, seed: int):
        self.seed = seed
        self.sources = {}
        self.clubs = dict(Club.objects.values_list("name", "pk"))
        self.players = {}
        for name, pk in Player.objects.order_by("-pk").values_list("name", "pk"):
            self.players[name] = pk  # a name two players share: the first one
        self.stories: dict[int, int] = {}  # event → story id
        self.reports: dict[int, list[int]] = {}  # event → its articles' ids, newest last
        self.next_ids: dict[type, int] = {}

    def source(self, name: str) -> Source:
        if name not in self.sources:
            self.sources[name], _ = Source.objects.get_or_create(name=name)
        return self.sources[name]

    def _known_events(self, events: set[int]) -> None:
        """Stories and reports of events loaded before this run (a resumed load)."""
        missing = sorted(events - set(self.stories))
        if not missing:
            return
        urls = {f"https://synthetisch.example/{self.seed}/artikel/{event}": event for event in missing}
        for url, pk, story_id in Article.objects.filter(url__in=list(urls)).values_list("url", "pk", "story_id"):
            self.stories[urls[url]] = story_id
            self.reports[urls[url]] = [pk]

    def _take_ids(self, model, count: int) -> range:
        """The next `count` primary keys of `model`: the load numbers its own rows, so that
        stories, articles, links and related lists are written in one pass each."""
        if model not in self.next_ids:
            self.next_ids[model] = (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
        first = self.next_ids[model]
        self.next_ids[model] += count
        return range(first, first + count)

    @transaction.atomic
    def write(self, rows: list[tuple]) -> None:
        self._known_events({event for number, event, *_ in rows if event != number})
        # A story for each event this batch starts (or whose first report is missing).
        starting = {}
        for row in rows:
            if row[1] not in self.stories:
                starting.setdefault(row[1], row)
        stories = []
        for (event, (_number, _event, _url, fields, published, *_)), pk in zip(
            starting.items(), self._take_ids(Story, len(starting)), strict=True
        ):
            slug = f"{slugify(fields['title'])[:120] or 'verhaal'}-{pk}"
            stories.append(Story(pk=pk, slug=slug, first_published_at=published, last_published_at=published))
            self.stories[event] = pk
        articles, clubs, players = [], [], []
        for row, pk in zip(rows, self._take_ids(Article, len(rows)), strict=True):
            _number, event, url, fields, published, source, club_names, player_names = row
            article = new_article(Draft(self.source(source), url, "", published, fields), None)
            article.pk = pk
            article.story_id = self.stories[event]
            article.landing = Article.Landing.SETTLED
            earlier = self.reports.setdefault(event, [])
            article.related_ids = earlier[::-1][:RELATED]
            earlier.append(pk)
            del earlier[:-RELATED]
            articles.append(article)
            clubs += [
                ArticleClub(article_id=pk, club_id=self.clubs[name])
                for name in dict.fromkeys(club_names)
                if name in self.clubs
            ]
            players += [
                ArticlePlayer(article_id=pk, player_id=self.players[name])
                for name in dict.fromkeys(player_names)
                if name in self.players
            ]
        for objects in (stories, articles, clubs, players):
            insert_rows(objects)


def _settle_stories() -> None:
    """Every story's counts, dates and lead from its published articles, in one statement
    (articles are numbered in publication order: the first is the lowest id)."""
    story, article = Story._meta.db_table, Article._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {story} SET article_count = totals.articles, source_count = totals.sources, "
            "first_published_at = totals.first, last_published_at = totals.last, lead_article_id = totals.lead "
            "FROM (SELECT story_id, count(*) AS articles, count(DISTINCT source_id) AS sources, "
            "min(published_at) AS first, max(published_at) AS last, min(id) AS lead "
            f"FROM {article} WHERE story_id IS NOT NULL AND status = %s GROUP BY story_id) AS totals "
            f"WHERE {story}.id = totals.story_id",
            [Article.Status.PUBLISHED],
        )


def load(articles: int, seed: int, progress=None, workers: int | None = None) -> dict | None:
    """Make the archive hold `articles` synthetic articles, in bulk; returns the load's figures,
    or None when nothing needed loading."""
    present = Article.objects.count()
    if present >= articles:
        return None
    writer = _Writer(seed)
    started = time.perf_counter()
    batches = [range(first, min(first + BATCH, articles)) for first in range(present, articles, BATCH)]
    # The workers never touch the database; forked, they end with os._exit, so the connection
    # they inherit is neither used nor closed by them.
    context = multiprocessing.get_context("fork")
    # Benchmarks run with the development settings: DEBUG would keep every INSERT's SQL text.
    debug, settings.DEBUG = settings.DEBUG, False
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A load that stops resumes where its last batch ended: waiting for each batch to
            # reach the disk buys nothing here.
            cursor.execute("SET synchronous_commit TO off")
    try:
        with context.Pool(workers or os.cpu_count() or 1, initializer=_start_worker, initargs=(seed,)) as pool:
            for rows in pool.imap(_make, batches):
                writer.write(rows)
                if progress:
                    progress(rows[-1][0] + 1)
    finally:
        settings.DEBUG = debug
    reset_sequences(Story, Article)
    _settle_stories()
    with connection.cursor() as cursor:
        # The planner's statistics: autovacuum gets to a million new rows late, and until then
        # PostgreSQL guesses (a page's ten teasers took 0.4 s a query instead of 1 ms).
        cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    return {
        "loaded": articles - present,
        "seconds": round(seconds, 1),
        "per_second": round((articles - present) / seconds, 1),
        "path": "bulk",
    }
