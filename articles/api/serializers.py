from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.models import Article, Club, Player, Story
from articles.stories import related as related_lists


class RelatedArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    title = serializers.CharField()


class ArticleSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.name")
    published = serializers.DateTimeField(source="published_at")
    clubs = serializers.SerializerMethodField()
    players = serializers.SerializerMethodField()
    story = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    related = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ["id", "url", "title", "source", "published", "teaser", "body", "clubs", "players", "story", "related"]

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_clubs(self, article):
        return [link.club.slug for link in article.linked_clubs]

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_players(self, article):
        return [link.player.slug for link in article.linked_players]

    @extend_schema_field(RelatedArticleSerializer(many=True))
    def get_related(self, article):
        lookup = self.context.get("related", {})
        return [lookup[pk] for pk in article.related_ids if pk in lookup][: related_lists.LIMIT]


class ClubSerializer(serializers.ModelSerializer):
    article_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Club
        fields = ["slug", "name", "country", "league", "aliases", "article_count"]


class PlayerSerializer(serializers.ModelSerializer):
    club = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Player
        fields = ["slug", "name", "club", "country", "aliases"]


class StorySerializer(serializers.ModelSerializer):
    headline = serializers.CharField(source="display_headline")
    lead_article = RelatedArticleSerializer(allow_null=True)
    article_count = serializers.IntegerField(read_only=True)
    source_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Story
        fields = [
            "slug",
            "headline",
            "lead_article",
            "article_count",
            "source_count",
            "is_featured",
            "featured_order",
            "first_published_at",
            "last_published_at",
        ]
