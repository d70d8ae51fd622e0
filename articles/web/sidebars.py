"""The teaser lists beside articles: "Meest recent", "Gerelateerd", "Meer over <club>".

Every article page shows them, so they come from the cache (Redis when REDIS_URL is set, so
all web processes share it). Keys carry a generation number; `invalidate()` bumps it whenever an
article lands or an editor changes a story (articles.stories announce it through
articles.hooks.lists_changed, and the admin calls it), which retires every cached list at once
without having to know their keys.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.urls import reverse

from articles import selectors
from articles.models import Article
from newsdesk.cache import Generation

GENERATION = Generation("sidebars")
TIMEOUT = 15 * 60  # a safety net only: invalidation retires lists as soon as they change
LATEST = 6
ABOUT_CLUB = 5


@dataclass(frozen=True)
class Teaser:
    """What a teaser shows: headline, about 100 characters of text, and how many sources report
    its story.

    Attribute names match Article's, so the teaser-list partial renders either."""

    pk: int
    slug: str
    title: str
    teaser: str
    source_name: str
    published_at: datetime
    story_sources: int

    def get_absolute_url(self) -> str:
        return reverse("articles:article", kwargs={"pk": self.pk, "slug": self.slug or "artikel"})

    @classmethod
    def of(cls, article: Article) -> "Teaser":
        return cls(
            pk=article.pk,
            slug=article.slug,
            title=article.title,
            teaser=article.teaser,
            source_name=article.source.name,
            published_at=article.published_at,
            story_sources=article.story_sources,
        )


def _teaser_rows(articles):
    fields = ["pk", "slug", "title", "teaser", "published_at", "story_id", "source__name", "story__source_count"]
    return articles.select_related("source", "story").only(*fields)


def _teasers(articles) -> list[Teaser]:
    return [Teaser.of(article) for article in _teaser_rows(articles)]


def generation() -> int:
    """The current generation; templates put it in {% cache %} keys so fragments retire too."""
    return GENERATION.current()


def invalidate() -> None:
    """Retire every cached list (called after articles land and after editors change stories)."""
    GENERATION.advance()


def cached(name: str, build):
    """`build()`'s value, kept until the next invalidation (or TIMEOUT)."""
    key = f"sidebars:{generation()}:{name}"
    teasers = cache.get(key)
    if teasers is None:
        teasers = build()
        cache.set(key, teasers, TIMEOUT)
    return teasers


# Teasers kept beyond a list's length, so that leaving out what the page already shows (the
# home page's story cards, an article's "Gerelateerd") still fills it.
SPARE = 25


def _without(teasers, exclude) -> list[Teaser]:
    excluded = {exclude} if isinstance(exclude, int) else set(exclude or ())
    return [t for t in teasers if t.pk not in excluded]


def latest(exclude=None) -> list[Teaser]:
    """The newest articles; those the page already shows (an id or ids) left out."""
    teasers = cached("latest", lambda: _teasers(Article.objects.published()[: LATEST + SPARE]))
    return _without(teasers, exclude)[:LATEST]


def about_club(club_id: int, exclude=None) -> list[Teaser]:
    def build():
        linked = Article.objects.published().filter(pk__in=selectors.club_links(club_id))
        return _teasers(linked[: ABOUT_CLUB + SPARE])

    return _without(cached(f"club:{club_id}", build), exclude)[:ABOUT_CLUB]


def related(article: Article) -> list[Teaser]:
    """The article's stored related list (articles.stories.related), best first, still-published only."""

    def build():
        # No ORDER BY: the stored order is the ranking, and sorting by date made SQLite scan.
        chosen = _teaser_rows(Article.objects.order_by()).published_among(article.related_ids)
        found = {t.pk: Teaser.of(t) for t in chosen}
        return [found[pk] for pk in article.related_ids if pk in found]

    return cached(f"related:{article.pk}", build) if article.related_ids else []
