"""GET /api/search/: results {id, url, title, snippet, score, published, clubs, players},
paginated, with `suggestion` and facet counts. A query the parser cannot read is a 400."""

from django.core.paginator import EmptyPage, Paginator
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import selectors
from search.filters import SearchFilter
from search.searching import QueryError, search_articles

PAGE_SIZE = 20


class SearchResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    title = serializers.CharField()
    snippet = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    published = serializers.DateTimeField()
    clubs = serializers.ListField(child=serializers.SlugField())
    players = serializers.ListField(child=serializers.SlugField())


def _result(article, score, snippet):
    return {
        "id": article.pk,
        "url": article.url,
        "title": article.title,
        "snippet": snippet,
        "score": score,
        "published": article.published_at,
        "clubs": [link.club.slug for link in article.linked_clubs],
        "players": [link.player.slug for link in article.linked_players],
    }


class SearchAPIView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, required=False)
            for name in ["q", "club", "player", "source", "story", "date_from", "date_to", "sort", "page"]
        ],
        responses=inline_serializer(
            "SearchResponse",
            {
                "count": serializers.IntegerField(
                    help_text="Matches, counted exactly up to NEWSDESK_SEARCH_COUNT_LIMIT (1,000) and no further"
                ),
                "count_exact": serializers.BooleanField(
                    help_text="false: more matches than `count`; the pages stop there and the facets count a sample"
                ),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "suggestion": serializers.CharField(allow_null=True),
                "facets": serializers.DictField(child=serializers.DictField(child=serializers.IntegerField())),
                "results": SearchResultSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        filterset = SearchFilter(request.query_params, queryset=selectors.published_articles())
        if not filterset.form.is_valid():
            return Response({"error": "invalid parameters", "fields": filterset.form.errors}, status=400)
        try:
            number = max(int(request.query_params.get("page", 1)), 1)
        except ValueError:
            return Response({"error": "page must be a number"}, status=400)
        try:
            found = search_articles(filterset, number, PAGE_SIZE)
            paginator = Paginator(found.results, PAGE_SIZE)
            page = paginator.page(number)
        except QueryError as exc:
            return Response({"error": str(exc)}, status=400)
        except EmptyPage:
            return Response({"error": "no such page"}, status=404)
        if found.is_query:
            results = [_result(r.article, round(r.score, 4), r.snippet) for r in page.object_list]
        else:
            results = [_result(a, None, a.teaser) for a in page.object_list]
        facets = getattr(found.results, "facets", {})
        return Response(
            {
                "count": paginator.count,
                "count_exact": getattr(found.results, "count_exact", True),
                "next": self._link(request, page.next_page_number()) if page.has_next() else None,
                "previous": self._link(request, page.previous_page_number()) if page.has_previous() else None,
                "suggestion": found.suggestion,
                "facets": {"clubs": facets.get("clubs", {}), "sources": facets.get("source", {})},
                "results": SearchResultSerializer(results, many=True).data,
            }
        )

    @staticmethod
    def _link(request, number):
        params = request.query_params.copy()
        params["page"] = number
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
