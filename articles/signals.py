"""Side effects of changes: stale index copies, rebuilt entity matchers."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.entities import linking
from articles.models import Article, ArticleClub, ArticlePlayer, Club, Player


@receiver([post_save, post_delete], sender=ArticleClub)
@receiver([post_save, post_delete], sender=ArticlePlayer)
def link_changed(sender, instance, **kwargs):
    Article.objects.filter(pk=instance.article_id).mark_index_stale()


@receiver([post_save, post_delete], sender=Club)
@receiver([post_save, post_delete], sender=Player)
def gazetteer_changed(sender, **kwargs):
    linking.gazetteer_changed()
