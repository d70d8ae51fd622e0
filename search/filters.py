"""The search form: query, filters and sort, validated by django-filter. The same FilterSet
filters the database (an empty query lists the latest articles) and, turned into index
filters, a real query."""

from datetime import datetime, time

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Source
from articles.web.filters import ArticleFilter
from search.language import Filters
from search.schema import source_key


class SearchFilter(ArticleFilter):
    q = django_filters.CharFilter(method="filter_nothing", label=_("Zoeken"), max_length=300)
    source = django_filters.CharFilter(method="filter_source", label=_("Bron"))
    sort = django_filters.ChoiceFilter(
        method="filter_nothing",
        choices=[("relevance", _("relevantie")), ("date", _("nieuwste eerst"))],
        label=_("Sorteren"),
    )

    class Meta(ArticleFilter.Meta):
        fields = ["q", "club", "player", "source", "story", "date_from", "date_to", "sort"]

    def filter_nothing(self, queryset, name, value):
        return queryset  # q and sort are for the index; on the database they change nothing

    def filter_source(self, queryset, name, value):
        names = [s.name for s in Source.objects.only("name") if value in (s.name, source_key(s.name))]
        return queryset.filter(source__name__in=names)

    def index_filter(self) -> Filters:
        """The validated filters as the index's filters (whichever backend answers)."""
        data = self.form.cleaned_data
        return Filters(
            club=data.get("club") or "",
            player=data.get("player") or "",
            story=data.get("story") or "",
            source=source_key(data["source"]) if data.get("source") else "",
            published_from=_day_start(data.get("date_from")),
            published_to=_day_end(data.get("date_to")),
        )


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


def _day_end(day):
    return timezone.make_aware(datetime.combine(day, time.max)) if day else None
