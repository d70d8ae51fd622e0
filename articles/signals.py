"""Side effects of changes: stale index copies, rebuilt entity matchers."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles import hooks, tasks
from articles.entities import linking
from articles.models import Article, ArticleClub, ArticlePlayer, Club, Player
from articles.web import sidebars


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
@receiver(hooks.articles_landed)
def queue_landed(sender, article_ids, **kwargs):
    tasks.articles_landed.delay(article_ids)


@receiver(hooks.bulk_landed)
def queue_related_lists(sender, article_ids, **kwargs):
    tasks.relate_landed.delay(article_ids)


@receiver(hooks.relink_due)
def queue_relink(sender, **kwargs):
    tasks.relink_all.delay()


@receiver(hooks.lists_changed)
def retire_cached_lists(sender, **kwargs):
    sidebars.invalidate()
