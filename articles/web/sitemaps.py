"""The sitemap: front page, the club, player and story directories, every club, player, story and
published article, every competition with fixtures and every match of its current season."""

from django.contrib.sitemaps import Sitemap
from django.db.models import F
from django.urls import reverse

from articles.models import Article, Club, Competition, Match, Player, Story


class PagesSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["articles:home", "articles:clubs", "articles:players", "articles:stories"]

    def location(self, name):
        return reverse(name)


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    limit = 10000  # a sitemap file per 10,000 articles, listed by the index

    def items(self):
        return Article.objects.published().only("pk", "slug", "updated_at").order_by("-published_at", "-pk")

    def lastmod(self, article):
        return article.updated_at


class StorySitemap(Sitemap):
    changefreq = "hourly"
    limit = 10000

    def items(self):
        return Story.objects.filter(article_count__gt=0).only("slug", "updated_at").order_by("-last_published_at")

    def lastmod(self, story):
        return story.updated_at


class ClubSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return Club.objects.only("slug").order_by("name")


class PlayerSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Player.objects.only("slug").order_by("name")


class CompetitionSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return Competition.objects.exclude(current_season="").only("code").order_by("code")


class MatchSitemap(Sitemap):
    """The matches of each competition's current season: older seasons' pages still answer,
    but a crawler need not be sent to them again."""

    changefreq = "daily"
    limit = 10000

    def items(self):
        return (
            Match.objects.filter(season=F("competition__current_season"))
            .only("slug", "updated_at")
            .order_by("-kickoff", "-pk")
        )

    def lastmod(self, match):
        return match.updated_at


SITEMAPS = {
    "pages": PagesSitemap,
    "articles": ArticleSitemap,
    "stories": StorySitemap,
    "clubs": ClubSitemap,
    "players": PlayerSitemap,
    "competitions": CompetitionSitemap,
    "matches": MatchSitemap,
}
