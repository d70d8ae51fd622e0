"""Reads shared by views and the API: published articles with what their pages show."""

from django.db.models import Count, Prefetch, Q, QuerySet

from articles.models import Article, ArticleClub, ArticlePlayer, Club, LinkState, Player, Story, country_name


def published_articles() -> QuerySet[Article]:
    """Published, non-duplicate articles with their source, story and linked entities loaded."""
    return (
        Article.objects.published()
        .select_related("source", "story")
        .prefetch_related(
            Prefetch(
                "club_links",
                # Most mentioned first: the chips lead with it, and "Meer over <club>" is about it.
                queryset=ArticleClub.objects.filter(state=LinkState.LINKED)
                .select_related("club")
                .order_by("-mentions", "club__name"),
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


def stories_about_club(club: Club, limit: int = 5) -> QuerySet[Story]:
    """The club's latest stories: those holding a published article linked to it."""
    story_ids = (
        Article.objects.published()
        .filter(club_links__club=club, club_links__state=LinkState.LINKED, story__isnull=False)
        .values("story_id")
    )
    stories = Story.objects.filter(pk__in=story_ids, article_count__gt=0).select_related("lead_article")
    return stories.order_by("-last_published_at")[:limit]


def club_directory() -> list[tuple[str, list[tuple[str, list[Club]]]]]:
    """Every club with its article count, as [(country, [(league, [club, ...]), ...]), ...].

    Belgium and the Netherlands first (our readers' own), then the countries we follow most
    closely (most clubs); within a country the league with most clubs (the top flight) first.
    """
    by_country: dict[str, dict[str, list[Club]]] = {}
    for club in clubs_with_counts().order_by("name"):
        by_country.setdefault(club.country, {}).setdefault(club.league, []).append(club)
    home = {"BEL": 0, "NED": 1}
    size = {code: sum(len(clubs) for clubs in leagues.values()) for code, leagues in by_country.items()}
    countries = sorted(by_country, key=lambda code: (home.get(code, 2), -size[code], country_name(code)))
    return [
        (
            country_name(code),
            sorted(by_country[code].items(), key=lambda item: (-len(item[1]), item[0])),
        )
        for code in countries
    ]


def stories_with_leads() -> QuerySet[Story]:
    """Stories with something published, each with its lead article, the lead's source and clubs:
    what a story card shows. Counts are columns on Story (see stories.refresh_stories)."""
    return (
        Story.objects.filter(article_count__gt=0)
        .select_related("lead_article", "lead_article__source")
        .prefetch_related(
            Prefetch(
                "lead_article__club_links",
                queryset=ArticleClub.objects.filter(state=LinkState.LINKED).select_related("club"),
                to_attr="linked_clubs",
            )
        )
    )


def featured_stories() -> QuerySet[Story]:
    """The front page's featured stories, in the editors' order."""
    return stories_with_leads().filter(is_featured=True).order_by("featured_order", "-last_published_at")


def latest_stories() -> QuerySet[Story]:
    """Every other story, the one with the newest article first."""
    return stories_with_leads().filter(is_featured=False).order_by("-last_published_at", "-pk")


def story_coverage(story: Story) -> QuerySet[Article]:
    """Everything published in a story, duplicates too (a copy on another site is coverage)."""
    return (
        Article.objects.filter(story=story, status=Article.Status.PUBLISHED)
        .select_related("source", "story", "duplicate_of__source")
        .order_by("source__name", "-published_at")
    )
