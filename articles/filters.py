"""FilterSets: the one place that turns query parameters into article filters."""

import django_filters

from articles.canonical import canonical_url
from articles.models import Article, LinkState


class ArticleFilter(django_filters.FilterSet):
    url = django_filters.CharFilter(method="filter_url", label="Canonieke URL")
    club = django_filters.CharFilter(method="filter_club", label="Club (slug)")
    player = django_filters.CharFilter(method="filter_player", label="Speler (slug)")
    story = django_filters.CharFilter(field_name="story__slug", label="Verhaal (slug)")
    source = django_filters.NumberFilter(field_name="source_id", label="Bron (id)")
    date_from = django_filters.DateFilter(field_name="published_at", lookup_expr="date__gte", label="Vanaf")
    date_to = django_filters.DateFilter(field_name="published_at", lookup_expr="date__lte", label="Tot en met")

    class Meta:
        model = Article
        fields = ["url", "club", "player", "story", "source", "date_from", "date_to"]

    def filter_url(self, queryset, name, value):
        return queryset.filter(url=canonical_url(value))

    def filter_club(self, queryset, name, value):
        return queryset.filter(club_links__club__slug=value, club_links__state=LinkState.LINKED)

    def filter_player(self, queryset, name, value):
        return queryset.filter(player_links__player__slug=value, player_links__state=LinkState.LINKED)
