from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _

from articles import selectors
from articles.models import Club, Player, Source, Story
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
    params = request.GET.copy()
    params.pop("page", None)
    data = filterset.form.cleaned_data
    source_names = {source_key(name): name for name in Source.objects.values_list("name", flat=True)}
    context["active_filters"] = _active_filters(params, data, source_names)
    context["clear_filters_url"] = _without_filters(params)
    page_number = _page_number(request)
    try:
        found = search_articles(filterset, page_number, PAGE_SIZE)
        page = Paginator(found.results, PAGE_SIZE).get_page(page_number)
    except QueryError as exc:
        context["error"] = str(exc)
        return render(request, "search/search.html", context, status=400)
    facets = getattr(found.results, "facets", {})
    count_exact = getattr(found.results, "count_exact", True)
    club_names = dict(Club.objects.filter(slug__in=list(facets.get("clubs", {}))).values_list("slug", "name"))
    clubs = sorted(
        ((club_names.get(slug, slug), slug, n) for slug, n in facets.get("clubs", {}).items()),
        key=lambda row: (-row[2], row[0]),
    )[:15]
    sources = sorted(
        ((source_names.get(key, key), key, n) for key, n in facets.get("source", {}).items()),
        key=lambda row: (-row[2], row[0]),
    )
    active_source = source_key(data["source"]) if data.get("source") else ""
    context.update(
        {
            "found": found,
            "page": page,
            "query_string": params.urlencode(),
            "count_exact": count_exact,
            "club_facets": [_facet(params, "club", row, data.get("club"), count_exact) for row in clubs],
            "source_facets": [_facet(params, "source", row, active_source, count_exact) for row in sources],
        }
    )
    return render(request, "search/search.html", context)


def _url(params: QueryDict, name: str, value=None) -> str:
    """The query string of `params` with filter `name` set to `value`, or removed (None)."""
    changed = params.copy()
    changed.pop(name, None)
    if value is not None:
        changed[name] = value
    return f"?{changed.urlencode()}"


def _facet(params, name, row, active, count_exact=True) -> dict:
    """A facet link: it narrows the results to its value, or, when that filter is on, removes it.
    Beyond the count limit the counts are of a sample: the order is shown, not the numbers."""
    label, value, count = row
    is_active = bool(active) and value == active
    return {
        "name": label,
        "count": count if count_exact else None,
        "active": is_active,
        "url": _url(params, name) if is_active else _url(params, name, value),
    }


def _without_filters(params: QueryDict) -> str:
    """The address of this search with every filter removed (the words and the order kept)."""
    kept = QueryDict(mutable=True)
    for name in ("q", "sort"):
        if params.get(name):
            kept[name] = params[name]
    return f"?{kept.urlencode()}"


def _active_filters(params, data, source_names) -> list[dict]:
    """The filters narrowing this search, each with its name and the address without it: the
    page shows them beside the search form (a new query keeps them), each one removable."""
    names = {
        "club": lambda slug: Club.objects.filter(slug=slug).values_list("name", flat=True).first() or slug,
        "player": lambda slug: Player.objects.filter(slug=slug).values_list("name", flat=True).first() or slug,
        "source": lambda value: source_names.get(source_key(value), value),
        "story": lambda slug: str(Story.objects.select_related("lead_article").filter(slug=slug).first() or slug),
        "date_from": lambda day: _("vanaf %(day)s") % {"day": formats.date_format(day, "j F Y")},
        "date_to": lambda day: _("tot en met %(day)s") % {"day": formats.date_format(day, "j F Y")},
    }
    kinds = {
        "club": _("Club"),
        "player": _("Speler"),
        "source": _("Bron"),
        "story": _("Verhaal"),
        "date_from": _("Datum"),
        "date_to": _("Datum"),
    }
    return [
        {"param": param, "value": params.get(param), "kind": kinds[param], "name": name(data[param]),
         "remove_url": _url(params, param)}
        for param, name in names.items()
        if data.get(param)
    ]  # fmt: skip


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
