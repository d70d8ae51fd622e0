"""Each article's related list ("Gerelateerd", "LEES OOK", `related` in the API), best first.

More-like-this over a large index costs tens of milliseconds, far too much for a page, so the
list is computed when an article lands and when its story changes, and stored on the article
(`related_ids`); pages and the API only read it.

Order: the other articles of its story (newest first), then articles with similar text that
share one of its clubs, then other similar text, then the newest articles about its clubs from
the week around it.
"""

import logging
from datetime import timedelta

from django.db import transaction

from articles import sidebars
from articles.models import Article, ArticleClub, LinkState

logger = logging.getLogger(__name__)

LIMIT = 5  # what "Gerelateerd" and the API show; lists keep twice as many in case some are hidden
CLUB_WINDOW = timedelta(days=7)
TEXT_CHARS = 3000  # enough text for the key terms; whole 40 KB articles only cost time


def _similar(article: Article) -> list[int]:
    from search.backend import get_backend

    try:
        return get_backend().more_like_this(article.pk, f"{article.title}\n{article.body[:TEXT_CHARS]}", limit=LIMIT)
    except Exception:
        # The index is derived and may be missing or mid-rebuild: the list then has no text part,
        # and the next change to the article or its story fills it in.
        logger.warning("more-like-this failed for article %s", article.pk, exc_info=True)
        return []


def _club_ids(article_ids) -> dict[int, set[int]]:
    clubs: dict[int, set[int]] = {}
    linked = ArticleClub.objects.filter(article_id__in=list(article_ids), state=LinkState.LINKED)
    for article_id, club_id in linked.values_list("article_id", "club_id"):
        clubs.setdefault(article_id, set()).add(club_id)
    return clubs


def _about_clubs(article: Article, clubs: set[int]) -> list[int]:
    if not clubs:
        return []
    window = (article.published_at - CLUB_WINDOW, article.published_at + CLUB_WINDOW)
    found = (
        Article.objects.published()
        .filter(club_links__club_id__in=clubs, club_links__state=LinkState.LINKED, published_at__range=window)
        .exclude(pk=article.pk)
        .order_by("-published_at", "-pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    return list(found[: LIMIT * 2])


def _story_members(story_ids) -> dict[int, list[int]]:
    members: dict[int, list[int]] = {}
    rows = Article.objects.published().filter(story_id__in=list(story_ids)).order_by("-published_at", "-pk")
    for pk, story_id in rows.values_list("pk", "story_id"):
        members.setdefault(story_id, []).append(pk)
    return members


def _first_unique(*parts, leave_out: int) -> list[int]:
    seen = {leave_out}
    ranked = []
    for part in parts:
        for pk in part:
            if pk not in seen:
                seen.add(pk)
                ranked.append(pk)
    return ranked


def compute(article: Article, story_mates: list[int]) -> list[int]:
    """The related list of one article (its story's other articles given, newest first)."""
    similar = _similar(article)
    clubs = _club_ids([article.pk, *similar])
    own = clubs.get(article.pk, set())
    same_clubs = [pk for pk in similar if clubs.get(pk, set()) & own]
    ranked = _first_unique(story_mates, same_clubs, similar, _about_clubs(article, own), leave_out=article.pk)
    return ranked[: LIMIT * 2]  # room for some to be hidden later; pages show LIMIT


@transaction.atomic
def refresh(article_ids) -> int:
    """Recompute the lists of these articles; re-rank the story part of their story mates' lists.

    A mate keeps its text and club part (its words did not change); only who shares its story
    did. Returns how many lists were written."""
    published = Article.objects.published()
    articles = list(published.filter(pk__in=list(article_ids)).only("pk", "title", "body", "story_id", "published_at"))
    ids = {article.pk for article in articles}
    members = _story_members({article.story_id for article in articles if article.story_id})
    for article in articles:
        article.related_ids = compute(article, members.get(article.story_id, []))
    mates = published.filter(story_id__in=list(members)).exclude(pk__in=ids).only("pk", "story_id", "related_ids")
    changed = list(articles)
    for mate in mates:
        story_part = members[mate.story_id]
        rest = [pk for pk in mate.related_ids if pk not in story_part]
        mate.related_ids = _first_unique(story_part, rest, leave_out=mate.pk)[: LIMIT * 2]
        changed.append(mate)
    Article.objects.bulk_update(changed, ["related_ids"], batch_size=500)
    # A page served between the story change and now may have cached the old lists.
    transaction.on_commit(sidebars.invalidate)
    return len(changed)


def refresh_stories(story_ids) -> int:
    """After an editor merged, split or reordered stories: every article in them."""
    ids = Article.objects.published().filter(story_id__in=list(story_ids)).values_list("pk", flat=True)
    return refresh(list(ids))
