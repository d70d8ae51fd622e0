"""The directories a reader browses: every player by club (/players/) and every story, newest
first (/stories/). Cheap at any size: the player index reads two small tables, the story index
a page of stories by its date index with their count columns, and its total from the cache."""

from django.core.paginator import Paginator
from django.shortcuts import render

from articles import selectors
from articles.models import Club, Player, Story
from articles.web import sidebars

STORIES_PER_PAGE = 20


def player_index(request):
    """Every player, under his club, clubs in the club list's order, its coach first (marked);
    players without a club last."""
    players_by_club: dict[int | None, list[Player]] = {}
    for player in Player.objects.only("slug", "name", "club_id", "role").order_by("name"):
        players_by_club.setdefault(player.club_id, []).append(player)
    for players in players_by_club.values():
        players.sort(key=lambda player: not player.is_coach)  # stable: by name within each role
    directory = selectors.club_directory(Club.objects.only("slug", "name", "country", "league"))
    clubs = [club for _, leagues in directory for _, members in leagues for club in members]
    groups = [(club, players_by_club[club.pk]) for club in clubs if club.pk in players_by_club]
    return render(
        request,
        "articles/player_list.html",
        {"groups": groups, "without_club": players_by_club.get(None, [])},
    )


def story_index(request):
    """Stories with something published, the one with the newest article first, 20 a page: each
    with its headline (the lead article's title unless editors wrote one), its counts and its
    last update, all columns of the story and its lead: one query a page, the total cached."""
    stories = (
        Story.objects.filter(article_count__gt=0)
        .select_related("lead_article")
        .only("slug", "headline", "article_count", "source_count", "last_published_at", "lead_article__title")
        .order_by("-last_published_at", "-pk")
    )
    paginator = Paginator(stories, STORIES_PER_PAGE)
    paginator.count = sidebars.cached("count:stories", stories.count)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "articles/story_list.html", {"page": page})
