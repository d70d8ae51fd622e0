"""Atom feeds of article lists (the whole site, a club, a player; search builds on the same base)."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from articles import selectors
from articles.models import Article, Club, Player

FEED_LENGTH = 30


class PlainTextAtom1Feed(Atom1Feed):
    """Atom whose summaries say they are plain text (`type="text"`). Django writes every
    summary as `type="html"`, which tells a feed reader to render it as markup: a teaser is a
    source's words, and one reading `<script>…` or `<img onerror=…>` must reach the reader as
    those characters, never as a live tag."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class ArticleFeed(Feed):
    """An Atom feed whose items are articles: title, teaser (plain text), date and source."""

    feed_type = PlainTextAtom1Feed

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.teaser

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        # The article's own time: when its publisher last revised its title or text, else when
        # it was published. Not updated_at, when newsdesk last touched the row (an import, a
        # relink), which would show every imported article as "new" in a feed reader.
        return item.revised_at or item.published_at

    def item_author_name(self, item):
        return item.source.name


class LatestFeed(ArticleFeed):
    """The site's newest articles, whatever they are about: what the front page's readers follow."""

    title = _("newsdesk: het laatste voetbalnieuws")
    subtitle = _("De nieuwste voetbalartikels van alle bronnen")

    def link(self):
        return reverse("articles:home")

    def items(self):
        # Only what an entry shows: the date index gives the newest at once, the texts stay unread.
        fields = ["pk", "slug", "title", "teaser", "published_at", "revised_at", "source__name"]
        return Article.objects.published().select_related("source").only(*fields)[:FEED_LENGTH]


class EntityFeed(ArticleFeed):
    """The newest articles about one club or player (`model`), as `articles_about` lists them."""

    model = None
    articles_about = None

    def get_object(self, request, slug):
        return get_object_or_404(self.model, slug=slug)

    def title(self, entity):
        return _("newsdesk: %(name)s") % {"name": entity.name}

    def subtitle(self, entity):
        return _("Het laatste nieuws over %(name)s") % {"name": entity.name}

    def link(self, entity):
        return entity.get_absolute_url()

    def items(self, entity):
        return self.articles_about(entity).select_related(None).select_related("source")[:FEED_LENGTH]


class ClubFeed(EntityFeed):
    model = Club
    articles_about = staticmethod(selectors.articles_for_club)


class PlayerFeed(EntityFeed):
    model = Player
    articles_about = staticmethod(selectors.articles_for_player)
