"""FilterSets: the one place that turns query parameters into article filters."""

import django_filters
from django.forms import DateInput
from django.utils.translation import gettext_lazy as _

from articles.ingest.canonical import canonical_url
from articles.models import Article, LinkState, Source


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


class EntityArticleFilter(django_filters.FilterSet):
    """The filters above a club's or a player's list of articles (the page's own form).

    Choices come from lists the page loads anyway, so validating and drawing the form costs
    one query (the sources), however many filters are set.
    """

    player = django_filters.ChoiceFilter(label=_("Speler"), method="filter_player", empty_label=_("Alle spelers"))
    source = django_filters.ChoiceFilter(label=_("Bron"), field_name="source_id", empty_label=_("Alle bronnen"))
    date_from = django_filters.DateFilter(
        label=_("Vanaf"), field_name="published_at", lookup_expr="date__gte", widget=DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("Tot en met"),
        field_name="published_at",
        lookup_expr="date__lte",
        widget=DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Article
        fields = ["player", "source", "date_from", "date_to"]

    def __init__(self, *args, players=None, **kwargs):
        super().__init__(*args, **kwargs)
        if players is None:  # a player's own page: choosing another player makes no sense
            del self.filters["player"]
        else:
            self.filters["player"].extra["choices"] = [(str(p.pk), p.name) for p in players]
        self.filters["source"].extra["choices"] = [
            (str(pk), name) for pk, name in Source.objects.order_by("name").values_list("pk", "name")
        ]

    def filter_player(self, queryset, name, value):
        return queryset.filter(player_links__player_id=value, player_links__state=LinkState.LINKED)
