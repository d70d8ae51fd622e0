"""The million-article loader: what it writes must be what the generator wrote (its clubs,
players and events), in the shape the import path leaves (stories with counts and leads,
settled articles), and a stopped load must resume without splitting a story."""

from collections import defaultdict

import pytest
from django.core.management import call_command

from articles.bench import bulk_archive
from articles.bench.synthetic import from_gazetteer
from articles.models import Article, Story

SEED = 5


@pytest.fixture
def gazetteer(db):
    call_command("load_gazetteer", verbosity=0)


def number_of(article: Article) -> int:
    return int(article.url.rsplit("/", 1)[1])


def check_archive(count: int) -> None:
    generator = from_gazetteer(seed=SEED)
    articles = list(Article.objects.prefetch_related("club_links__club", "player_links__player").order_by("pk"))
    assert [number_of(article) for article in articles] == list(range(count))
    by_event = defaultdict(set)
    for article in articles:
        written = generator.article(number_of(article))
        assert article.title == written.title
        assert {link.club.name for link in article.club_links.all()} == set(written.club_names)
        players = {link.player.name for link in article.player_links.all()}
        assert players and players <= set(written.player_names)
        assert article.landing == Article.Landing.SETTLED
        by_event[generator.event(number_of(article))].add(article.story_id)
    assert all(len(stories) == 1 for stories in by_event.values())  # one story per event…
    assert Story.objects.count() == len(by_event)  # …and per story one event
    assert any(len(Article.objects.filter(story_id=next(iter(s)))) > 1 for s in by_event.values())
    for story in Story.objects.all():
        members = list(Article.objects.filter(story=story).order_by("published_at"))
        assert story.article_count == len(members)
        assert story.source_count == len({article.source_id for article in members})
        assert story.lead_article_id == members[0].pk
        assert story.first_published_at == members[0].published_at
        assert story.last_published_at == members[-1].published_at
        assert story.slug.endswith(f"-{story.pk}") and not story.slug.startswith("tmp-")
        for article in members:
            assert set(article.related_ids) <= {other.pk for other in members if other.pk < article.pk}
            assert bool(article.related_ids) == (article is not members[0])


@pytest.mark.django_db
def test_the_bulk_archive_holds_what_the_generator_wrote(gazetteer):
    figures = bulk_archive.load(150, SEED, workers=2)
    assert figures["loaded"] == 150
    check_archive(150)
    assert bulk_archive.load(150, SEED) is None  # nothing left to load
    # The load numbered its own rows: what is stored after it gets the next numbers.
    story = Story.objects.create(slug="na-het-laden")
    article = Article.objects.create(source=Article.objects.first().source, url="https://na.example/1", title="Na")
    assert story.pk > Story.objects.exclude(pk=story.pk).latest("pk").pk
    assert article.pk == Article.objects.exclude(pk=article.pk).latest("pk").pk + 1


@pytest.mark.django_db
def test_a_stopped_bulk_load_resumes_without_splitting_a_story(gazetteer):
    bulk_archive.load(37, SEED, workers=1)  # stops mid-batch and mid-event
    bulk_archive.load(120, SEED, workers=2)
    check_archive(120)
