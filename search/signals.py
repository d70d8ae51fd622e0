"""Every change to an article reaches the index: saves make it stale, deletes leave a tombstone,
rows marked stale in bulk ask for a run, and a run asked for is queued as a task."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.hooks import index_stale
from articles.models import Article
from newsdesk.celery import send_or_defer
from search import indexing, tasks
from search.hooks import index_requested
from search.indexing import request_indexing
from search.models import IndexDeletion


@receiver(post_save, sender=Article)
def article_saved(sender, instance, **kwargs):
    request_indexing()


@receiver(post_delete, sender=Article)
def article_deleted(sender, instance, **kwargs):
    IndexDeletion.objects.get_or_create(article_id=instance.pk)
    request_indexing()


@receiver(index_stale)
def rows_marked_stale(sender, **kwargs):
    indexing.request_indexing()  # looked up when called, as the benchmarks switch it off


@receiver(index_requested)
def queue_index_run(sender, **kwargs) -> bool:
    return send_or_defer(tasks.index_pending)  # False with the broker down: the sender hears it
