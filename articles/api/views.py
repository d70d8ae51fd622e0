"""The read-only JSON API (shapes in DESIGN.md)."""

import django_filters
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, viewsets
from rest_framework.exceptions import NotFound, ValidationError

from articles import selectors
from articles.api.serializers import (
    ArticleSerializer,
    ClubSerializer,
    MatchSerializer,
    PlayerSerializer,
    StandingSerializer,
    StorySerializer,
)
from articles.matches import schedule, standings
from articles.models import Competition, Match, Player
from articles.web.filters import ArticleFilter


class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ArticleSerializer
    filterset_class = ArticleFilter

    def get_queryset(self):
        return selectors.published_articles().order_by("-published_at", "-id")

    def get_serializer(self, instance=None, *args, **kwargs):
        # Related lists name other articles: load them for the whole page in one query.
        articles = instance if isinstance(instance, list) else [instance] if instance is not None else []
        kwargs["context"] = {**self.get_serializer_context(), "related": selectors.related_lookup(articles)}
        return self.serializer_class(instance, *args, **kwargs)


class ClubViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ClubSerializer
    lookup_field = "slug"
    filterset_fields = ["country", "league"]

    def get_queryset(self):
        return selectors.clubs_with_counts().order_by("country", "name")


class PlayerViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PlayerSerializer
    lookup_field = "slug"
    filterset_fields = {"club__slug": ["exact"], "country": ["exact"]}

    def get_queryset(self):
        return Player.objects.select_related("club").order_by("name")


class StoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StorySerializer
    lookup_field = "slug"
    filterset_fields = ["is_featured"]

    def get_queryset(self):
        return selectors.stories_with_leads().order_by("-last_published_at")


class MatchFilter(django_filters.FilterSet):
    club = django_filters.CharFilter(method="by_club", help_text="a club's slug: its home and away matches")
    competition = django_filters.CharFilter(field_name="competition__code", help_text="e.g. be.1")
    season = django_filters.CharFilter(field_name="season", help_text="e.g. 2025-26")

    class Meta:
        model = Match
        fields = ["club", "competition", "season"]

    def by_club(self, queryset, name, value):
        return queryset.filter(Q(home__slug=value) | Q(away__slug=value))


class MatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Fixtures and results, in kick-off order."""

    serializer_class = MatchSerializer
    filterset_class = MatchFilter
    lookup_field = "slug"

    def get_queryset(self):
        return schedule.with_article_counts(schedule.matches_with_clubs()).order_by("kickoff", "pk")


@extend_schema(
    parameters=[
        OpenApiParameter("competition", str, required=True, description="the competition's code, e.g. be.1"),
        OpenApiParameter("season", str, description="e.g. 2025-26; the latest season by default"),
    ],
    responses=StandingSerializer(many=True),
)
class StandingsView(generics.ListAPIView):
    """A competition's table for a season, computed from its results: one row per club."""

    serializer_class = StandingSerializer
    filter_backends = []

    def get_queryset(self):
        code = self.request.query_params.get("competition", "").strip()
        if not code:
            raise ValidationError({"competition": "Geef een competitie op, bv. ?competition=be.1."})
        competition = Competition.objects.filter(code=code).first()
        if competition is None:
            raise NotFound(f"Geen competitie met code {code!r}.")
        season = self.request.query_params.get("season", "").strip() or schedule.current_season(competition)
        if not season or not Match.objects.filter(competition=competition, season=season).exists():
            raise NotFound(f"Geen wedstrijden van {code} in seizoen {season}.")
        return standings.table(competition.pk, season)
