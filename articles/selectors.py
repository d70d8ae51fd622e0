"""Reads shared by views and the API: published articles with what their pages show."""

from django.db.models import Count, Prefetch, Q, QuerySet

from articles.models import Article, ArticleClub, ArticlePlayer, Club, LinkState, Player, Story


def published_articles() -> QuerySet[Article]:
    """Published, non-duplicate articles with their source, story and linked entities loaded."""
    return (
        Article.objects.published()
        .select_related("source", "story")
        .prefetch_related(
            Prefetch(
                "club_links",
                queryset=ArticleClub.objects.filter(state=LinkState.LINKED).select_related("club"),
                to_attr="linked_clubs",
            ),
            Prefetch(
                "player_links",
                queryset=ArticlePlayer.objects.filter(state=LinkState.LINKED).select_related("player"),
                to_attr="linked_players",
            ),
        )
    )


def articles_for_club(club: Club) -> QuerySet[Article]:
    return published_articles().filter(club_links__club=club, club_links__state=LinkState.LINKED)


def articles_for_player(player: Player) -> QuerySet[Article]:
    return published_articles().filter(player_links__player=player, player_links__state=LinkState.LINKED)


def related_lookup(articles) -> dict[int, dict]:
    """{id: {id, url, title}} for every article named in the given articles' related lists."""
    ids = {pk for article in articles for pk in article.related_ids}
    found = Article.objects.published().filter(pk__in=ids).values("id", "url", "title")
    return {row["id"]: row for row in found}


def clubs_with_counts() -> QuerySet[Club]:
    return Club.objects.annotate(
        article_count=Count(
            "article_links",
            filter=Q(
                article_links__state=LinkState.LINKED,
                article_links__article__status=Article.Status.PUBLISHED,
                article_links__article__duplicate_of__isnull=True,
            ),
        )
    )


def stories_with_counts() -> QuerySet[Story]:
    published = Q(articles__status=Article.Status.PUBLISHED, articles__duplicate_of__isnull=True)
    return Story.objects.select_related("lead_article").annotate(
        article_count=Count("articles", filter=published, distinct=True),
        source_count=Count("articles__source", filter=published, distinct=True),
    )
