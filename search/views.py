from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from articles import selectors
from articles.models import Club, Source
from articles.web.syndication import ArticleFeed
from search.filters import SearchFilter
from search.schema import source_key
from search.searching import QueryError, search_articles

PAGE_SIZE = 20


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


def search_page(request):
    filterset = SearchFilter(request.GET, queryset=selectors.published_articles())
    context = {"filterset": filterset, "q": request.GET.get("q", "")}
    if not filterset.form.is_valid():
        context["error"] = _("Controleer de filters: %(fields)s.") % {"fields": ", ".join(filterset.form.errors)}
        return render(request, "search/search.html", context, status=400)
    page_number = _page_number(request)
    try:
        found = search_articles(filterset, page_number, PAGE_SIZE)
        page = Paginator(found.results, PAGE_SIZE).get_page(page_number)
    except QueryError as exc:
        context["error"] = str(exc)
        return render(request, "search/search.html", context, status=400)
    query_string = request.GET.copy()
    query_string.pop("page", None)
    facets = getattr(found.results, "facets", {})
    club_names = dict(Club.objects.filter(slug__in=facets.get("clubs", {})).values_list("slug", "name"))
    source_names = {source_key(name): name for name in Source.objects.values_list("name", flat=True)}
    context.update(
        {
            "found": found,
            "page": page,
            "query_string": query_string.urlencode(),
            "club_facets": sorted(
                ((club_names.get(slug, slug), slug, n) for slug, n in facets.get("clubs", {}).items()),
                key=lambda row: (-row[2], row[0]),
            )[:15],
            "source_facets": sorted(
                ((source_names.get(key, key), key, n) for key, n in facets.get("source", {}).items()),
                key=lambda row: (-row[2], row[0]),
            ),
        }
    )
    return render(request, "search/search.html", context)


class SearchFeed(ArticleFeed):
    """Atom feed of a search, newest first, so a reader can follow a query."""

    def get_object(self, request):
        data = request.GET.copy()
        data["sort"] = "date"
        filterset = SearchFilter(data, queryset=selectors.published_articles())
        if not filterset.form.is_valid():
            raise Http404("invalid filters")
        try:
            found = search_articles(filterset, 1, 30)
            items = [r.article for r in found.results[:30]] if found.is_query else list(found.results[:30])
        except QueryError as exc:
            raise Http404(str(exc)) from None
        return {"q": request.GET.get("q", ""), "items": items, "query_string": request.GET.urlencode()}

    def title(self, obj):
        return _("newsdesk: %(q)s") % {"q": obj["q"]} if obj["q"] else _("newsdesk: laatste nieuws")

    def link(self, obj):
        return f"/search/?{obj['query_string']}"

    def feed_url(self, obj):
        # rel="self" is this feed with its query; Django's default drops the query string.
        return f"/search/feed/?{obj['query_string']}"

    def subtitle(self, obj):
        return _("Voetbalnieuws dat overeenkomt met je zoekopdracht")

    def items(self, obj):
        return obj["items"]
