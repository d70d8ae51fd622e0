"""Side effects of changes: stale index copies, rebuilt entity matchers, related lists once indexed."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles import hooks, tasks
from articles.entities import linking
from articles.ingest import landing
from articles.matches import tying
from articles.models import Article, ArticleClub, ArticlePlayer, Club, Player
from articles.web import sidebars
from newsdesk import pagecache
from newsdesk.celery import send_or_defer
from search.hooks import index_updated

logger = logging.getLogger(__name__)


@receiver([post_save, post_delete], sender=ArticleClub)
@receiver([post_save, post_delete], sender=ArticlePlayer)
def link_changed(sender, instance, **kwargs):
    Article.objects.filter(pk=instance.article_id).mark_index_stale()


@receiver([post_save, post_delete], sender=Club)
@receiver([post_save, post_delete], sender=Player)
def gazetteer_changed(sender, **kwargs):
    linking.gazetteer_changed()


# The hooks the rooms announce on (articles.hooks), wired to the tasks and caches that act on
# them: the rooms never import tasks or pages themselves.
@receiver(hooks.drain_due)
def queue_drain(sender, stage, **kwargs) -> bool:
    return send_or_defer(tasks.settle_landed if stage == "settle" else tasks.relate_landed)


@receiver(hooks.relink_due)
def queue_relink(sender, **kwargs):
    if not send_or_defer(tasks.relink_all):
        logger.error("the gazetteer changed but the broker is down: run manage.py relink")


@receiver(hooks.lists_changed)
def retire_cached_lists(sender, **kwargs):
    sidebars.invalidate()


@receiver(hooks.texts_changed)
def retire_changed_pages(sender, article_ids, **kwargs):
    """A publisher's revision shows at once, as an editor's change does: the article's cached
    page and the cached teaser lists retire."""
    if settings.NEWSDESK_PAGE_CACHE_SECONDS:
        for article in Article.objects.filter(pk__in=article_ids).only("pk", "slug"):
            pagecache.retire_page(article.get_absolute_url())
    sidebars.invalidate()


@receiver(index_updated)
def index_written(sender, **kwargs):
    landing.request_relating()  # landed articles now in the index get their related lists


# Ties to matches follow the club links: after every linking run (inside its transaction), and
# after an editor's change to one article's links in the admin.
@receiver(hooks.links_changed)
def follow_links(sender, article_ids, **kwargs):
    tying.follow_articles(article_ids)


@receiver([post_save, post_delete], sender=ArticleClub)
def club_link_changed(sender, instance, **kwargs):
    article_id = instance.article_id
    transaction.on_commit(lambda: tying.follow_articles([article_id]))
