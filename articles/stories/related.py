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

from articles import hooks
from articles.bulk import update_rows
from articles.models import Article, ArticleClub, LinkState

logger = logging.getLogger(__name__)

LIMIT = 5  # what "Gerelateerd" and the API show; lists keep twice as many in case some are hidden
CLUB_WINDOW = timedelta(days=7)
TEXT_CHARS = 3000  # enough text for the key terms; whole 40 KB articles only cost time


def _similar(articles) -> dict[int, list[int]]:
    """Each article's most similar articles by their words, from one batch of queries."""
    from search.backend import get_backend

    texts = {article.pk: f"{article.title}\n{article.body[:TEXT_CHARS]}" for article in articles}
    try:
        return get_backend().more_like_these(texts, limit=LIMIT)
    except Exception:
        # The index is derived and may be missing or mid-rebuild: the lists then have no text
        # part, and the next change to an article or its story fills it in.
        logger.warning("more-like-this failed for %d articles", len(texts), exc_info=True)
        return {pk: [] for pk in texts}


def _club_ids(article_ids) -> dict[int, set[int]]:
    clubs: dict[int, set[int]] = {}
    linked = ArticleClub.objects.filter(article_id__in=list(article_ids), state=LinkState.LINKED)
    for article_id, club_id in linked.values_list("article_id", "club_id"):
        clubs.setdefault(article_id, set()).add(club_id)
    return clubs


class ClubTimeline:
    """The published articles about some clubs over a stretch of time, newest first per club:
    read with one query for a whole batch instead of one per article."""

    def __init__(self, articles, clubs: set[int]):
        self.by_club: dict[int, list[tuple]] = {}
        if not articles or not clubs:
            return
        start = min(a.published_at for a in articles) - CLUB_WINDOW
        end = max(a.published_at for a in articles) + CLUB_WINDOW
        links = (
            ArticleClub.objects.filter(club_id__in=clubs, state=LinkState.LINKED)
            .filter(article__status=Article.Status.PUBLISHED, article__duplicate_of__isnull=True)
            .filter(article__published_at__range=(start, end))
            .values_list("club_id", "article__published_at", "article_id")
        )
        for club_id, published_at, article_id in links:
            self.by_club.setdefault(club_id, []).append((published_at, article_id))
        for entries in self.by_club.values():
            entries.sort(reverse=True)

    def about(self, article: Article, clubs: set[int]) -> list[int]:
        """The newest articles about these clubs within CLUB_WINDOW either side of the article."""
        start, end = article.published_at - CLUB_WINDOW, article.published_at + CLUB_WINDOW
        found = set()
        for club_id in clubs:
            taken = 0
            for published_at, article_id in self.by_club.get(club_id, ()):
                if published_at > end or article_id == article.pk:
                    continue
                if published_at < start or taken == LIMIT * 2:
                    break
                found.add((published_at, article_id))
                taken += 1
        return [article_id for _, article_id in sorted(found, reverse=True)[: LIMIT * 2]]


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


def _rank(article: Article, story_mates, similar, clubs, timeline: ClubTimeline) -> list[int]:
    own = clubs.get(article.pk, set())
    same_clubs = [pk for pk in similar if clubs.get(pk, set()) & own]
    ranked = _first_unique(story_mates, same_clubs, similar, timeline.about(article, own), leave_out=article.pk)
    return ranked[: LIMIT * 2]  # room for some to be hidden later; pages show LIMIT


def compute(articles, members: dict[int, list[int]]) -> dict[int, list[int]]:
    """The related lists of these articles (`members`: each story's articles, newest first)."""
    similar = _similar(articles)
    clubs = _club_ids({article.pk for article in articles}.union(*similar.values()))
    timeline = ClubTimeline(articles, set().union(*(clubs.get(article.pk, ()) for article in articles)))
    return {
        article.pk: _rank(article, members.get(article.story_id, []), similar[article.pk], clubs, timeline)
        for article in articles
    }


@transaction.atomic
def refresh(article_ids) -> int:
    """Recompute the lists of these articles; re-rank the story part of their story mates' lists.

    A mate keeps its text and club part (its words did not change); only who shares its story
    did. Returns how many lists were written."""
    published = Article.objects.published()
    articles = Article.objects.only("pk", "title", "body", "story_id", "published_at").published_among(article_ids)
    ids = {article.pk for article in articles}
    members = _story_members({article.story_id for article in articles if article.story_id})
    lists = compute(articles, members)
    for article in articles:
        article.related_ids = lists[article.pk]
    mates = published.filter(story_id__in=list(members)).exclude(pk__in=ids).only("pk", "story_id", "related_ids")
    changed = list(articles)
    for mate in mates:
        story_part = members[mate.story_id]
        rest = [pk for pk in mate.related_ids if pk not in story_part]
        mate.related_ids = _first_unique(story_part, rest, leave_out=mate.pk)[: LIMIT * 2]
        changed.append(mate)
    update_rows(changed, ["related_ids"])
    # A page served between the story change and now may have cached the old lists.
    transaction.on_commit(lambda: hooks.lists_changed.send(sender=__name__))
    return len(changed)


def refresh_stories(story_ids) -> int:
    """After an editor merged, split or reordered stories: every article in them."""
    ids = Article.objects.published().filter(story_id__in=list(story_ids)).values_list("pk", flat=True)
    return refresh(list(ids))
