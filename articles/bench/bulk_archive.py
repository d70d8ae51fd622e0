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
from django.utils.text import slugify

from articles.bench.synthetic import from_gazetteer
from articles.bulk import update_rows
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

    @transaction.atomic
    def write(self, rows: list[tuple]) -> None:
        self._known_events({event for number, event, *_ in rows if event != number})
        # A story for each event this batch starts (or whose first report is missing), its
        # slug made once its id is known.
        starting = {}
        for row in rows:
            if row[1] not in self.stories:
                starting.setdefault(row[1], row)
        stories = Story.objects.bulk_create(
            [
                Story(slug=f"tmp-bulk-{event}", first_published_at=published, last_published_at=published)
                for event, (_number, _event, _url, _fields, published, *_) in starting.items()
            ]
        )
        for story, (event, (_number, _event, _url, fields, *_rest)) in zip(stories, starting.items(), strict=True):
            story.slug = f"{slugify(fields['title'])[:120] or 'verhaal'}-{story.pk}"
            self.stories[event] = story.pk
        update_rows(stories, ["slug"])
        articles = []
        for _number, event, url, fields, published, source, *_ in rows:
            article = new_article(Draft(self.source(source), url, "", published, fields), None)
            article.story_id = self.stories[event]
            article.landing = Article.Landing.SETTLED
            articles.append(article)
        created = Article.objects.bulk_create(articles)
        clubs, players = [], []
        for article, (_number, event, _url, _fields, _published, _source, club_names, player_names) in zip(
            created, rows, strict=True
        ):
            earlier = self.reports.setdefault(event, [])
            if earlier:
                article.related_ids = earlier[::-1][:RELATED]
            earlier.append(article.pk)
            del earlier[:-RELATED]
            clubs += [
                ArticleClub(article_id=article.pk, club_id=self.clubs[name])
                for name in dict.fromkeys(club_names)
                if name in self.clubs
            ]
            players += [
                ArticlePlayer(article_id=article.pk, player_id=self.players[name])
                for name in dict.fromkeys(player_names)
                if name in self.players
            ]
        update_rows([article for article in created if article.related_ids], ["related_ids"])
        ArticleClub.objects.bulk_create(clubs)
        ArticlePlayer.objects.bulk_create(players)


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
    try:
        with context.Pool(workers or os.cpu_count() or 1, initializer=_start_worker, initargs=(seed,)) as pool:
            for rows in pool.imap(_make, batches):
                writer.write(rows)
                if progress:
                    progress(rows[-1][0] + 1)
    finally:
        settings.DEBUG = debug
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
