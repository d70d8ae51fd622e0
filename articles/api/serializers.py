from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.ingest.images import lead_image
from articles.models import Article, Club, Match, Player, Story
from articles.stories import related as related_lists


class RelatedArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    title = serializers.CharField()


class ImageSerializer(serializers.Serializer):
    url = serializers.URLField()
    width = serializers.IntegerField(allow_null=True, help_text="pixels, null when the source did not say")
    height = serializers.IntegerField(allow_null=True)
    alt = serializers.CharField(allow_blank=True, help_text="the source's text alternative, empty when it gave none")


class ArticleSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.name")
    published = serializers.DateTimeField(source="published_at")
    revised_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="when its title or text changed after it was stored; null: never"
    )
    clubs = serializers.SerializerMethodField()
    players = serializers.SerializerMethodField()
    story = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    related = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "url",
            "title",
            "source",
            "published",
            "revised_at",
            "teaser",
            "body",
            "image",
            "clubs",
            "players",
            "story",
            "related",
        ]

    @extend_schema_field(ImageSerializer(allow_null=True))
    def get_image(self, article):
        """The lead image, held to the rules the pages apply (an http(s) address), or null."""
        image = lead_image(article.image_url, "", article.image_width, article.image_height, article.image_alt)
        return image.as_dict() if image else None

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
        fields = ["slug", "name", "role", "club", "country", "aliases"]


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


class MatchSerializer(serializers.ModelSerializer):
    """A fixture: clubs by slug, its day and kick-off (null when the time is not known yet), the
    data's score and the one the news reports (with its source) while the data has none."""

    competition = serializers.CharField(source="competition.code")
    home = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    away = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    date = serializers.SerializerMethodField()
    kickoff = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    reported_score = serializers.SerializerMethodField()
    reported_by = serializers.SerializerMethodField()
    articles_count = serializers.IntegerField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Match
        fields = [
            "slug",
            "url",
            "competition",
            "season",
            "round",
            "home",
            "away",
            "date",
            "kickoff",
            "status",
            "home_goals",
            "away_goals",
            "score",
            "reported_score",
            "reported_by",
            "score_conflict",
            "articles_count",
        ]

    @extend_schema_field(serializers.DateField())
    def get_date(self, match):
        return timezone.localtime(match.kickoff).date().isoformat()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_kickoff(self, match):
        return serializers.DateTimeField().to_representation(match.kickoff) if match.time_known else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_score(self, match):
        return f"{match.home_goals}-{match.away_goals}" if match.has_score else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reported_score(self, match):
        if match.has_score or not match.has_reported_score:
            return None
        return f"{match.reported_home_goals}-{match.reported_away_goals}"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reported_by(self, match):
        if match.has_score or not match.has_reported_score or match.reported_by is None:
            return None
        return match.reported_by.source.name


class StandingSerializer(serializers.Serializer):
    """One club's row of a table (articles.matches.standings.Row)."""

    position = serializers.IntegerField()
    club = serializers.CharField(source="club.slug")
    name = serializers.CharField(source="club.name")
    played = serializers.IntegerField()
    won = serializers.IntegerField()
    drawn = serializers.IntegerField()
    lost = serializers.IntegerField()
    goals_for = serializers.IntegerField()
    goals_against = serializers.IntegerField()
    goal_difference = serializers.IntegerField()
    points = serializers.IntegerField()
    form = serializers.ListField(child=serializers.CharField(), help_text="W, G or V; the last five, oldest first")
