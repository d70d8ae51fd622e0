"""Reader-facing pages. Thin: selectors do the reading, templates the showing."""

import functools

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control

from articles import selectors
from articles.matches import schedule, versions
from articles.models import Club, Player, Story, StoryRedirect, country_name
from articles.stories import related as related_lists
from articles.web import sidebars, timeline
from articles.web.filters import EntityArticleFilter

PAGE_SIZE = 20
FEATURED = 6


def _page(request, queryset, key: str | None, counted=None, count_limit: int | None = None):
    """A page of `queryset` whose count (of `counted`, the same rows, when given) comes from the
    sidebar cache (under `key`; None: counted every time). Its rows stay unread (a lazy
    queryset) until a template renders them, which a cached fragment spares.

    With `count_limit`, counting stops there, as a search's does: the paginator's `count_exact`
    is False beyond it (the page says "meer dan 1.000 artikels") and the pages go no further
    (older articles are a date filter away). A big club's 10,000 articles at a million took
    25-400 ms to count (cold pages), its first 1,001 take 3."""
    paginator = Paginator(queryset, PAGE_SIZE)
    # Unordered: the rows the index gives first (ordered, PostgreSQL sorted all 10,000).
    to_count = (counted if counted is not None else queryset).order_by()
    if count_limit is not None:
        to_count = to_count[: count_limit + 1]
    found = sidebars.cached(f"count:{key}", to_count.count) if key else to_count.count()
    paginator.count_exact = count_limit is None or found <= count_limit
    paginator.count = found if paginator.count_exact else count_limit
    return paginator.get_page(request.GET.get("page"))


def home(request):
    """Featured stories in the editors' order, then the latest stories, and the newest articles.

    The story lists change exactly when the sidebars do, so the template caches them under the
    same generation number ({% cache %}); a cached home page reads no rows at all."""
    page = _page(request, selectors.latest_stories(), "home")
    featured = selectors.featured_stories()[:FEATURED] if page.number == 1 else []
    # "Meest recent" leaves out the articles the story cards beside it already lead with.
    leads = sidebars.cached(
        f"home-leads:{page.number}",
        lambda: [story.lead_article_id for story in [*featured, *page.object_list]],
    )
    context = {
        "featured": featured,
        "page": page,
        "latest": sidebars.latest(exclude=leads),
        "generation": sidebars.generation(),
    }
    return render(request, "articles/home.html", context)


def _after_first_paragraph(body_html: str) -> tuple[str, str]:
    """The body split after its first paragraph, where "LEES OOK" goes (at the end if only one)."""
    head, end, tail = body_html.partition("</p>")
    return (head + end, tail) if end and tail.strip() else (body_html, "")


def article_detail(request, pk, slug):
    article = get_object_or_404(selectors.published_articles(), pk=pk)
    if slug != article.slug:
        return redirect(article, permanent=True)
    related = sidebars.related(article)[: related_lists.LIMIT]
    article.linked_clubs = selectors.clubs_by_weight(article)  # the chips lead with the club it is about
    club = selectors.main_club(article)
    shown = {article.pk, *(teaser.pk for teaser in related)}
    body_head, body_tail = _after_first_paragraph(article.body_html)
    context = {
        "article": article,
        "body_head": body_head,
        "body_tail": body_tail,
        "read_also": related[0] if related else None,
        "related": related,
        "latest": sidebars.latest(exclude=article.pk),
        "club": club,
        "about_club": sidebars.about_club(club.pk, exclude=shown) if club else [],
        "generation": sidebars.generation(),  # the sidebars' rendering is cached under it too
    }
    response = render(request, "articles/article_detail.html", context)
    if settings.NEWSDESK_PAGE_CACHE_SECONDS and settings.NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS:
        # How long shared caches (newsdesk.pagecache) may keep it: its text changes only when
        # editors act (which purges every page) or its publisher revises it (which retires this
        # page: articles.signals.retire_changed_pages); only its sidebars age meanwhile.
        patch_cache_control(response, s_maxage=settings.NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS)
    return response


def club_list(request):
    countries = selectors.club_directory()
    # Where the header's "Buitenland" lands: the first country after Belgium and the Netherlands.
    home = {country_name("BEL"), country_name("NED")}
    abroad = next((number for number, (name, _) in enumerate(countries, 1) if name not in home), None)
    return render(request, "articles/club_list.html", {"countries": countries, "abroad": abroad})


def _filtered_page(request, articles, players=None, cache_key=None, articles_to_count=None):
    """The filter form and the page of articles it selects; the query string keeps the filters.
    The count is bounded (NEWSDESK_SEARCH_COUNT_LIMIT, see _page); with `cache_key` it comes
    from the cache, counted on `articles_to_count` (the same articles, in a form quicker to
    count) when given."""
    filterset = EntityArticleFilter(request.GET or None, queryset=articles, players=players)
    counted = None
    if articles_to_count is not None:  # the same filters, applied as filterset.qs applies them
        valid = filterset.is_bound and filterset.is_valid()  # invalid filters list everything
        counted = filterset.filter_queryset(articles_to_count) if valid else articles_to_count
    key = f"{cache_key}:{request.GET.urlencode()}" if cache_key else None
    page = _page(request, filterset.qs, key, counted, count_limit=settings.NEWSDESK_SEARCH_COUNT_LIMIT)
    query = request.GET.copy()
    query.pop("page", None)
    return {"filter": filterset, "page": page, "query_string": query.urlencode()}


def club_detail(request, slug):
    """A club's articles (filterable), results, stories and players. All of it changes only
    when articles land or editors act, as the sidebars do: the template caches the page's body
    under the same generation number, per query string; the view only prepares lazy lists."""
    club = get_object_or_404(Club, slug=slug)
    players = club.players.order_by("name")
    now = timezone.now()
    # Fixtures, results and its place in the table (read only when the cached body is rebuilt:
    # matches.versions retires it when matches change, and every ten minutes as rounds go by).
    panel = functools.cache(lambda: schedule.cached_club_panel(club, now))
    context = {
        "club": club,
        "players": players,
        "stories": lambda: selectors.stories_about_club(club),
        # The scores the news gave for matches the fixtures data does not have.
        "results": lambda: panel().text_results,
        "fixtures": panel,
        "fixtures_key": f"{versions.version()}:{int(now.timestamp()) // schedule.PANEL_SECONDS}",
        "generation": sidebars.generation(),
        **_filtered_page(
            request,
            selectors.articles_for_club(club, newest_first=True),
            players=players,
            cache_key=f"club:{club.pk}",
            articles_to_count=selectors.articles_for_club(club),
        ),
    }
    return render(request, "articles/club_detail.html", context)


def player_detail(request, slug):
    """A player's articles (filterable), beside "Meer over <his club>" and "Meest recent", both
    leaving out the articles the page lists already."""
    player = get_object_or_404(Player.objects.select_related("club"), slug=slug)
    context = {"player": player, **_filtered_page(request, selectors.articles_for_player(player))}
    shown = [article.pk for article in context["page"].object_list]  # read once: the template reuses them
    if player.club_id:
        context["about_club"] = sidebars.about_club(player.club_id, exclude=shown)
        shown += [teaser.pk for teaser in context["about_club"]]
    context["latest"] = sidebars.latest(exclude=shown)
    return render(request, "articles/player_detail.html", context)


def story_detail(request, slug):
    story = Story.objects.select_related("lead_article").filter(slug=slug).first()
    if story is None:
        # A story editors merged into another (or renamed) leads to where its articles are now.
        moved = StoryRedirect.objects.select_related("story").filter(old_slug=slug).first()
        if moved is None:
            raise Http404("no such story")
        return redirect(moved.story, permanent=True)
    # Its reports oldest first, each with what it added to the story (clubs, players).
    coverage = selectors.story_coverage(story).prefetch_related(selectors.linked_clubs(), selectors.linked_players())
    entries = timeline.timeline(coverage)
    context = {
        "story": story,
        "timeline": entries,
        "latest": sidebars.latest(exclude=[entry.article.pk for entry in entries]),
    }
    return render(request, "articles/story_detail.html", context)
