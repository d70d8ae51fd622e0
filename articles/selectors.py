"""Reads shared by views and the API: published articles with what their pages show."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from articles.models import Article, ArticleClub, ArticlePlayer, Club, LinkState, Player, Story, country_name


def linked_clubs() -> Prefetch:
    """An article's linked clubs as `linked_clubs`, with only what a chip shows.

    The database cannot order by the number of mentions (a JSON list): main_club() and
    clubs_by_weight() put the club the article is about first."""
    links = (
        ArticleClub.objects.filter(state=LinkState.LINKED)
        .select_related("club")
        .only("article", "mentions", "club__slug", "club__name")
        .order_by("-mentions", "club__name")
    )
    return Prefetch("club_links", queryset=links, to_attr="linked_clubs")


def linked_players() -> Prefetch:
    links = (
        ArticlePlayer.objects.filter(state=LinkState.LINKED)
        .select_related("player")
        .only("article", "player__slug", "player__name", "player__role")
    )
    return Prefetch("player_links", queryset=links, to_attr="linked_players")


# What lists of articles never show: the texts (tens of KB each) and the related list.
LIST_DEFERRED = ["body", "body_html", "related_ids"]


def with_relations(articles: QuerySet[Article]) -> QuerySet[Article]:
    """Articles with their source, story and linked entities loaded, as pages show them."""
    return articles.select_related("source", "story").prefetch_related(linked_clubs(), linked_players())


def published_articles() -> QuerySet[Article]:
    """Published, non-duplicate articles with their source, story and linked entities loaded."""
    return with_relations(Article.objects.published())


# What a list of search results shows: the text (for the snippet), not its HTML, nor the story
# (revised_at: the search feed's <updated>).
RESULT_FIELDS = ["slug", "title", "teaser", "body", "url", "published_at", "revised_at", "source__name"]


def search_results(ids) -> list[Article]:
    """The published articles among `ids` (a page of search results), with only what a result
    shows and its linked clubs and players. Building model instances is most of a results
    page's reading time: fewer fields and no story rows make it a third quicker."""
    articles = Article.objects.select_related("source").only(*RESULT_FIELDS)
    return articles.prefetch_related(linked_clubs(), linked_players()).published_among(ids)


def article_list(articles: QuerySet[Article]) -> QuerySet[Article]:
    """Articles for a list of teasers: without the texts."""
    return articles.defer(*LIST_DEFERRED)


def articles_for_club(club: Club, newest_first=False) -> QuerySet[Article]:
    """The club's articles. With `newest_first`, written as "id IN (the club's links)": SQLite
    then walks the date index and stops at a page, where the join reads all ~2,000 articles of
    a big club to sort them (10 ms against 22 at 100,000 articles); the join counts faster."""
    if newest_first:
        return article_list(published_articles()).filter(pk__in=club_links(club.pk)).order_by("-published_at", "-id")
    return article_list(published_articles()).filter(club_links__club=club, club_links__state=LinkState.LINKED)


def club_links(club_id: int) -> QuerySet[ArticleClub]:
    """The ids of a club's linked articles, as a subquery: "id IN (these)" over the articles'
    date index finds a club's newest articles in the first few thousand (12 ms at a million
    articles on PostgreSQL, where joining and sorting all 10,000 of a big club's took 45-70)."""
    return ArticleClub.objects.filter(club_id=club_id, state=LinkState.LINKED).values("article_id")


def articles_for_player(player: Player) -> QuerySet[Article]:
    return article_list(published_articles()).filter(player_links__player=player, player_links__state=LinkState.LINKED)


def related_lookup(articles) -> dict[int, dict]:
    """{id: {id, url, title}} for every article named in the given articles' related lists."""
    ids = {pk for article in articles for pk in article.related_ids}
    found = Article.objects.only("url", "title").published_among(ids)
    return {article.pk: {"id": article.pk, "url": article.url, "title": article.title} for article in found}


def _weight(link) -> tuple:
    """Named in the title first, then the most mentioned, then the first mentioned."""
    mentions = link.mentions or []
    in_title = any(mention.get("field") == "title" for mention in mentions)
    first = min((mention.get("start", 0) for mention in mentions if mention.get("field") != "title"), default=10**9)
    return (not in_title, -len(mentions), first, link.club.name)


def clubs_by_weight(article: Article) -> list:
    """The article's linked club links (prefetched as `linked_clubs`), the club it is about first."""
    return sorted(getattr(article, "linked_clubs", []), key=_weight)


def main_club(article: Article) -> Club | None:
    """The club an article is most about: "Meer over <club>" beside it."""
    links = clubs_by_weight(article)
    return links[0].club if links else None


def clubs_with_counts() -> QuerySet[Club]:
    """Clubs with `article_count`: their linked, published, non-duplicate articles.

    A subquery per club rather than a join grouped over every link: the API's page of 20 clubs
    (and its count, which then needs no grouping) reads only those clubs' links. At 100,000
    articles (311,000 links, SQLite) the page and count took 16 s with the join, 1.3 s so."""
    linked = (
        ArticleClub.objects.filter(
            club=OuterRef("pk"),
            state=LinkState.LINKED,
            article__status=Article.Status.PUBLISHED,
            article__duplicate_of__isnull=True,
        )
        .order_by()
        .values("club")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Club.objects.annotate(article_count=Coalesce(Subquery(linked, output_field=IntegerField()), Value(0)))


def stories_about_club(club: Club, limit: int = 5) -> list[Story]:
    """The club's latest stories: the newest among those of its newest published articles.

    One query (the articles as a subquery): the club page's fixtures need the query this saves
    to stay within its ten. Its newest 20 articles (four a story shown): at a million articles
    PostgreSQL reads them from the date index in 5 ms, where for 50 it planned parallel workers
    and took 23-230 ms."""
    recent = (
        Article.objects.published()
        .filter(pk__in=club_links(club.pk), story__isnull=False)  # the date index, as articles_for_club
        .order_by("-published_at")
        .values("story_id")[: limit * 4]
    )
    # Only what the sidebar shows: the lead article's title, not its text (tens of KB a row).
    stories = (
        Story.objects.filter(pk__in=recent, article_count__gt=0)
        .select_related("lead_article")
        .only("slug", "headline", "source_count", "last_published_at", "lead_article__title")
    )
    return list(stories.order_by("-last_published_at")[:limit])


def club_directory(clubs: QuerySet[Club] | None = None) -> list[tuple[str, list[tuple[str, list[Club]]]]]:
    """Every club with its article count (or the `clubs` given, as the player index reads them),
    as [(country, [(league, [club, ...]), ...]), ...]: the order of the club list and /players/.

    Belgium and the Netherlands first (our readers' own), then the countries we follow most
    closely (most clubs); within a country the league with most clubs (the top flight) first;
    within a league by name.
    """
    by_country: dict[str, dict[str, list[Club]]] = {}
    for club in (clubs_with_counts() if clubs is None else clubs).order_by("name"):
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
    what a story card shows. Counts are columns on Story (see articles.stories.clustering.refresh_stories)."""
    lead_prefetch = linked_clubs()
    lead_prefetch.add_prefix("lead_article")
    return (
        Story.objects.filter(article_count__gt=0)
        .select_related("lead_article", "lead_article__source")
        .defer(*(f"lead_article__{name}" for name in LIST_DEFERRED))
        .prefetch_related(lead_prefetch)
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
        .select_related("source", "duplicate_of__source")
        .order_by("source__name", "-published_at")
    )
