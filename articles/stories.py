"""Stories: the articles that report one event, whichever source wrote them.

An article joins a story when an article already in it was published within WINDOW of it,
shares a club or player with it, and is similar enough: a score from the overlap of their
linked entities and of their stemmed words (the search analyzer's terms, so "strafschoppen" and
"strafschop" meet). Otherwise it starts a story. A duplicate goes where its original went.

Deterministic and idempotent: articles are taken in publication order and only look back, so
the same articles give the same stories; running it again changes nothing.

Editors win: an article an editor placed (`story_pinned`) never moves, and a locked story
neither gains nor loses articles automatically.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils.text import slugify

from articles.models import Article, ArticleClub, ArticlePlayer, LinkState, Story

WINDOW = timedelta(hours=48)
# Half entity overlap, half word overlap. Two reports of one match share both clubs and most
# players and a good share of words; the same club in another event shares one club and little
# else. Tuned on the demo archive and the tests' cases.
JOIN_SCORE = 0.3
TEXT_CHARS = 2000  # the top of an article says what it is about


@dataclass
class Profile:
    """What comparing two articles needs, loaded once per article."""

    pk: int
    story_id: int | None
    entities: frozenset
    terms: frozenset


def _terms(title: str, body: str) -> frozenset:
    from search.analysis import dutch_analyzer

    text = f"{title}\n{title}\n{body[:TEXT_CHARS]}"
    return frozenset(t.text for t in dutch_analyzer()(text) if not t.stopped and len(t.text) > 2)


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def similarity(a: Profile, b: Profile) -> float:
    return 0.5 * _jaccard(a.entities, b.entities) + 0.5 * _jaccard(a.terms, b.terms)


def _entities(article_ids) -> dict[int, set]:
    found: dict[int, set] = {pk: set() for pk in article_ids}
    linked = {"state": LinkState.LINKED, "article_id__in": list(article_ids)}
    for article_id, club_id in ArticleClub.objects.filter(**linked).values_list("article_id", "club_id"):
        found[article_id].add(("club", club_id))
    for article_id, player_id in ArticlePlayer.objects.filter(**linked).values_list("article_id", "player_id"):
        found[article_id].add(("player", player_id))
    return found


def _profiles(articles) -> dict[int, Profile]:
    articles = list(articles)
    entities = _entities([a.pk for a in articles])
    return {a.pk: Profile(a.pk, a.story_id, frozenset(entities[a.pk]), _terms(a.title, a.body)) for a in articles}


def _neighbours(article: Article, profile: Profile) -> list[Article]:
    """Articles in unlocked stories, published up to WINDOW before this one, sharing an entity."""
    clubs = [pk for kind, pk in profile.entities if kind == "club"]
    players = [pk for kind, pk in profile.entities if kind == "player"]
    if not clubs and not players:
        return []
    shared = Q(club_links__club_id__in=clubs, club_links__state=LinkState.LINKED) | Q(
        player_links__player_id__in=players, player_links__state=LinkState.LINKED
    )
    return list(
        Article.objects.published()
        .filter(shared, story__isnull=False, story__is_locked=False)
        .filter(published_at__gte=article.published_at - WINDOW, published_at__lte=article.published_at)
        .exclude(pk=article.pk)
        .filter(Q(published_at__lt=article.published_at) | Q(pk__lt=article.pk))  # only look back
        .distinct()
        .only("pk", "title", "body", "story_id", "published_at")
        .order_by("published_at", "pk")
    )


def best_story(article: Article) -> int | None:
    """The story this article belongs to among earlier ones, or None for a story of its own."""
    profile = _profiles([article])[article.pk]
    neighbours = _neighbours(article, profile)
    if not neighbours:
        return None
    scores: dict[int, float] = {}
    for other in _profiles(neighbours).values():
        score = similarity(profile, other)
        if score >= JOIN_SCORE and score > scores.get(other.story_id, 0):
            scores[other.story_id] = score
    if not scores:
        return None
    # The highest score; on a tie the older story, so the outcome never depends on row order.
    return max(scores, key=lambda story_id: (scores[story_id], -story_id))


def _new_story(article: Article, reuse: Story | None = None) -> Story:
    if reuse is not None:
        return reuse
    story = Story.objects.create(
        slug=f"tmp-{article.pk}",
        lead_article=article,
        first_published_at=article.published_at,
        last_published_at=article.published_at,
    )
    story.slug = f"{slugify(article.title)[:120] or 'verhaal'}-{story.pk}"
    story.save(update_fields=["slug"])
    return story


def _founded(article: Article) -> bool:
    """No article of its story was published before it."""
    earlier = Q(published_at__lt=article.published_at) | Q(published_at=article.published_at, pk__lt=article.pk)
    return not Article.objects.filter(earlier, story_id=article.story_id).exists()


def assign_story(article: Article, reuse: Story | None = None) -> Story | None:
    """Put one article in its story (see the module docstring); returns the story it is in."""
    if article.story_pinned or (article.story_id and article.story.is_locked):
        return article.story
    if article.duplicate_of_id:
        original = Article.objects.filter(pk=article.duplicate_of_id).only("story_id").first()
        story_id = original.story_id if original else None
    else:
        story_id = best_story(article)
    if story_id is None and article.story_id and _founded(article):
        story_id = article.story_id  # it started its story: running again keeps it there
    story = Story.objects.get(pk=story_id) if story_id else _new_story(article, reuse)
    if article.story_id != story.pk:
        article.story = story
        article.save(update_fields=["story"])
    return story


@transaction.atomic
def assign_stories(article_ids) -> int:
    """Assign each article, oldest first; returns how many stories were touched."""
    articles = Article.objects.filter(pk__in=list(article_ids)).select_related("story").order_by("published_at", "pk")
    touched = {story.pk for article in articles if (story := assign_story(article)) is not None}
    refresh_stories(touched)
    return len(touched)


def refresh_stories(story_ids) -> None:
    """Dates follow the articles; a story without a lead gets its first article."""
    for story in Story.objects.filter(pk__in=list(story_ids)):
        published = story.articles.filter(status=Article.Status.PUBLISHED)
        dates = published.aggregate(first=Min("published_at"), last=Max("published_at"))
        if dates["first"] is None:
            continue
        story.first_published_at, story.last_published_at = dates["first"], dates["last"]
        if story.lead_article_id is None or not published.filter(pk=story.lead_article_id).exists():
            story.lead_article = published.order_by("published_at", "pk").first()
        story.save(update_fields=["first_published_at", "last_published_at", "lead_article"])


def restory(articles, progress=None) -> dict:
    """Re-run assignment over these articles from scratch, keeping editors' decisions.

    Every automatic placement in the range is undone, then redone oldest first; a group that
    starts with an article gets that article's previous story back, so story pages and their
    addresses survive a rerun. Stories left empty (and not locked or featured) are deleted.
    """
    movable = (articles.filter(story_pinned=False).filter(Q(story__isnull=True) | Q(story__is_locked=False))).order_by(
        "published_at", "pk"
    )
    previous = dict(movable.values_list("pk", "story_id"))
    with transaction.atomic():
        Article.objects.filter(pk__in=list(previous)).update(story=None)
        reused: set[int] = set()
        touched: set[int] = set()
        stories = Story.objects.in_bulk({pk for pk in previous.values() if pk})
        for article in movable.select_related("story").iterator(chunk_size=500):
            old = stories.get(previous[article.pk])
            reuse = old if old is not None and old.pk not in reused and not old.is_locked else None
            story = assign_story(article, reuse=reuse)
            if story is not None:
                touched.add(story.pk)
                if reuse is not None and story.pk == reuse.pk:
                    reused.add(reuse.pk)
            if progress:
                progress(1)
        refresh_stories(touched)
        emptied = Story.objects.filter(pk__in=set(previous.values()) - touched, is_locked=False, is_featured=False)
        deleted = emptied.filter(articles__isnull=True).delete()[0]
    return {"articles": len(previous), "stories": len(touched), "deleted": deleted}
