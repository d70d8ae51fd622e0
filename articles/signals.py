"""Side effects of changes: stale index copies, rebuilt entity matchers, related lists once indexed."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles import landing, linking
from articles.models import Article, ArticleClub, ArticlePlayer, Club, Player
from search.indexing import index_updated


@receiver([post_save, post_delete], sender=ArticleClub)
@receiver([post_save, post_delete], sender=ArticlePlayer)
def link_changed(sender, instance, **kwargs):
    Article.objects.filter(pk=instance.article_id).mark_index_stale()


@receiver([post_save, post_delete], sender=Club)
@receiver([post_save, post_delete], sender=Player)
def gazetteer_changed(sender, **kwargs):
    linking.gazetteer_changed()


@receiver(index_updated)
def index_written(sender, **kwargs):
    landing.request_relating()  # landed articles now in the index get their related lists
