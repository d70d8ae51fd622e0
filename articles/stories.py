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
from django.db.models import Count, Max, Min, Q
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


# Analysed words by (article, content hash): a text is analysed once per process, not once for
# every later article that compares itself with it. Bounded; emptied when full.
_TERMS: dict[tuple[int, str], frozenset] = {}
TERMS_CACHE_SIZE = 20_000


def _cached_terms(article: Article) -> frozenset:
    if not article.content_hash:  # no hash to tell an edited text apart: analyse it afresh
        return _terms(article.title, article.body)
    key = (article.pk, article.content_hash)
    terms = _TERMS.get(key)
    if terms is None:
        if len(_TERMS) >= TERMS_CACHE_SIZE:
            _TERMS.clear()
        terms = _TERMS[key] = _terms(article.title, article.body)
    return terms


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


def _profiles(articles, known: dict[int, Profile] | None = None) -> dict[int, Profile]:
    """Profiles of these articles; `known` keeps them across a batch, whose articles share neighbours."""
    known = {} if known is None else known
    articles = list(articles)
    missing = [a for a in articles if a.pk not in known]
    entities = _entities([a.pk for a in missing]) if missing else {}
    for a in missing:
        known[a.pk] = Profile(a.pk, a.story_id, frozenset(entities[a.pk]), _cached_terms(a))
    # The story may have changed since the profile was made (earlier in this batch).
    return {a.pk: Profile(a.pk, a.story_id, known[a.pk].entities, known[a.pk].terms) for a in articles}


def _neighbours(article: Article, profile: Profile, known: dict[int, Profile]) -> list[Article]:
    """Articles in unlocked stories, published up to WINDOW before this one, sharing an entity.

    Two narrow queries on the link tables, then the rows; texts only for articles not yet known.
    """
    clubs = [pk for kind, pk in profile.entities if kind == "club"]
    players = [pk for kind, pk in profile.entities if kind == "player"]
    if not clubs and not players:
        return []
    window = {
        "state": LinkState.LINKED,
        "article__published_at__gte": article.published_at - WINDOW,
        "article__published_at__lte": article.published_at,
    }
    ids = set(ArticleClub.objects.filter(club_id__in=clubs, **window).values_list("article_id", flat=True))
    ids |= set(ArticlePlayer.objects.filter(player_id__in=players, **window).values_list("article_id", flat=True))
    ids.discard(article.pk)
    if not ids:
        return []
    rows = (
        Article.objects.published()
        .filter(pk__in=ids, story__isnull=False, story__is_locked=False)
        .filter(Q(published_at__lt=article.published_at) | Q(pk__lt=article.pk))  # only look back
        .order_by("published_at", "pk")
    )
    fields = ["pk", "story_id", "published_at", "content_hash"]
    found = list(rows.only(*fields))
    unknown = [
        a.pk for a in found if a.pk not in known and (not a.content_hash or (a.pk, a.content_hash) not in _TERMS)
    ]
    if unknown:
        texts = dict(
            (pk, (t, b)) for pk, t, b in Article.objects.filter(pk__in=unknown).values_list("pk", "title", "body")
        )
        for a in found:
            if a.pk in texts:
                a.title, a.body = texts[a.pk]
    return found


def best_story(article: Article, known: dict[int, Profile] | None = None) -> int | None:
    """The story this article belongs to among earlier ones, or None for a story of its own."""
    profile = _profiles([article], known)[article.pk]
    neighbours = _neighbours(article, profile, known if known is not None else {})
    if not neighbours:
        return None
    scores: dict[int, float] = {}
    for other in _profiles(neighbours, known).values():
        score = similarity(profile, other)
        if score >= JOIN_SCORE and score > scores.get(other.story_id, 0):
            scores[other.story_id] = score
    if not scores:
        return None
    # The highest score; on a tie the older story, so the outcome never depends on row order.
    return max(scores, key=lambda story_id: (scores[story_id], -story_id))


def create_story(article: Article) -> Story:
    """A new story led by this article, its address made from the headline."""
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


def assign_story(article: Article, reuse: Story | None = None, known: dict | None = None) -> Story | None:
    """Put one article in its story (see the module docstring); returns the story it is in."""
    if article.story_pinned or (article.story_id and article.story.is_locked):
        return article.story
    if article.duplicate_of_id:
        original = Article.objects.filter(pk=article.duplicate_of_id).only("story_id").first()
        story_id = original.story_id if original else None
    else:
        story_id = best_story(article, known)
    if story_id is None and article.story_id and _founded(article):
        story_id = article.story_id  # it started its story: running again keeps it there
    story = Story.objects.get(pk=story_id) if story_id else (reuse or create_story(article))
    if article.story_id != story.pk:
        # A plain UPDATE: the next article of the batch must see it, but the index learns of
        # the batch's moves once, at its end (see assign_stories).
        Article.objects.filter(pk=article.pk).update(story=story)
        article.story = story
    return story


@transaction.atomic
def assign_stories(article_ids) -> int:
    """Assign each article, oldest first; returns how many articles changed story."""
    articles = Article.objects.filter(pk__in=list(article_ids)).select_related("story").order_by("published_at", "pk")
    known: dict[int, Profile] = {}
    before = {article.pk: article.story_id for article in articles}
    after = {article.pk: getattr(assign_story(article, known=known), "pk", None) for article in articles}
    moved = [pk for pk in after if after[pk] != before[pk]]
    if moved:
        Article.objects.filter(pk__in=moved).mark_index_stale()  # the story is in the index
    refresh_stories({pk for pk in after.values() if pk})
    return len(moved)


def refresh_stories(story_ids) -> None:
    """Counts and dates follow the published articles; a story whose lead left (or never had
    one) gets its first article. Sidebars and story lists are cached: they are invalidated."""
    from articles import sidebars

    stories = Story.objects.in_bulk(list(story_ids))
    if not stories:
        return
    published = Article.objects.filter(story_id__in=list(stories), status=Article.Status.PUBLISHED)
    totals = {
        row["story_id"]: row
        for row in published.values("story_id").annotate(
            first=Min("published_at"),
            last=Max("published_at"),
            articles=Count("pk"),
            sources=Count("source", distinct=True),
        )
    }
    leads = set(
        published.filter(pk__in=[s.lead_article_id for s in stories.values() if s.lead_article_id]).values_list(
            "story_id", "pk"
        )
    )
    for story in stories.values():
        row = totals.get(story.pk)
        if row is None:  # nothing published in it (any more): it drops out of every list
            story.article_count = story.source_count = 0
            continue
        story.first_published_at, story.last_published_at = row["first"], row["last"]
        story.article_count, story.source_count = row["articles"], row["sources"]
        if (story.pk, story.lead_article_id) not in leads:
            story.lead_article = published.filter(story_id=story.pk).order_by("published_at", "pk").first()
    fields = ["first_published_at", "last_published_at", "lead_article", "article_count", "source_count"]
    Story.objects.bulk_update(list(stories.values()), fields, batch_size=500)
    sidebars.invalidate()


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
        known: dict[int, Profile] = {}
        for article in movable.select_related("story").iterator(chunk_size=500):
            old = stories.get(previous[article.pk])
            reuse = old if old is not None and old.pk not in reused and not old.is_locked else None
            story = assign_story(article, reuse=reuse, known=known)
            if story is not None:
                touched.add(story.pk)
                if reuse is not None and story.pk == reuse.pk:
                    reused.add(reuse.pk)
            if progress:
                progress(1)
        final = dict(Article.objects.filter(pk__in=list(previous)).values_list("pk", "story_id"))
        moved = [pk for pk, story_id in final.items() if story_id != previous[pk]]
        if moved:
            Article.objects.filter(pk__in=moved).mark_index_stale()
        refresh_stories(touched)
        emptied = Story.objects.filter(pk__in=set(previous.values()) - touched, is_locked=False, is_featured=False)
        deleted = emptied.filter(articles__isnull=True).delete()[0]
    return {"articles": len(previous), "stories": len(touched), "deleted": deleted}
