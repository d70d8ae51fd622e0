"""Every change to an article reaches the index: saves make it stale, deletes leave a tombstone."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.models import Article
from search.indexing import request_indexing
from search.models import IndexDeletion


@receiver(post_save, sender=Article)
def article_saved(sender, instance, **kwargs):
    request_indexing()


@receiver(post_delete, sender=Article)
def article_deleted(sender, instance, **kwargs):
    IndexDeletion.objects.get_or_create(article_id=instance.pk)
    request_indexing()
