"""Atom feeds of article lists (club, player; search builds on the same base)."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from articles import selectors
from articles.models import Club, Player

FEED_LENGTH = 30


class ArticleFeed(Feed):
    """An Atom feed whose items are articles: title, teaser, date and source."""

    feed_type = Atom1Feed

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.teaser

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.source.name


class ClubFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Club, slug=slug)

    def title(self, club):
        return _("newsdesk: %(name)s") % {"name": club.name}

    def subtitle(self, club):
        return _("Het laatste nieuws over %(name)s") % {"name": club.name}

    def link(self, club):
        return club.get_absolute_url()

    def items(self, club):
        return selectors.articles_for_club(club).select_related(None).select_related("source")[:FEED_LENGTH]


class PlayerFeed(ArticleFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Player, slug=slug)

    def title(self, player):
        return _("newsdesk: %(name)s") % {"name": player.name}

    def subtitle(self, player):
        return _("Het laatste nieuws over %(name)s") % {"name": player.name}

    def link(self, player):
        return player.get_absolute_url()

    def items(self, player):
        return selectors.articles_for_player(player).select_related(None).select_related("source")[:FEED_LENGTH]
