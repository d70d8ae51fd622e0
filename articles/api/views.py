"""The read-only JSON API (shapes in DESIGN.md)."""

from rest_framework import viewsets

from articles import selectors
from articles.api.serializers import ArticleSerializer, ClubSerializer, PlayerSerializer, StorySerializer
from articles.models import Player
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
