"""Celery tasks: thin wrappers that load by id and call the module that does the work."""

import logging

from celery import shared_task

from articles import linking
from articles.models import Article, Source

logger = logging.getLogger(__name__)


@shared_task
def article_landed(article_id: int) -> None:
    """Everything derived from a new or changed article: its links (and later story and index)."""
    link_article(article_id)


@shared_task
def link_article(article_id: int) -> None:
    article = Article.objects.filter(pk=article_id).first()
    if article is not None:
        linking.link_article(article)


@shared_task
def relink_articles(article_ids: list[int]) -> int:
    matcher = linking.get_matcher()
    articles = Article.objects.filter(pk__in=article_ids)
    for article in articles:
        linking.link_article(article, matcher)
    return len(article_ids)


@shared_task
def relink_all(batch_size: int = 500) -> int:
    """After a gazetteer change: re-link every article, in batches of tasks."""
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        relink_articles.delay(ids[start : start + batch_size])
    return len(ids)


@shared_task
def enqueue_due_sources() -> int:
    from django.utils import timezone

    due = list(
        Source.objects.filter(is_active=True, feed_url__isnull=False, next_fetch_at__lte=timezone.now()).values_list(
            "pk", flat=True
        )
    )
    for source_id in due:
        fetch_source.delay(source_id)
    return len(due)


@shared_task
def fetch_source(source_id: int) -> dict:
    from articles import feeds

    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return {}
    return feeds.fetch_and_store(source).as_dict()
