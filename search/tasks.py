from celery import shared_task

from search import indexing


@shared_task(autoretry_for=(Exception,), retry_backoff=5, retry_backoff_max=300, max_retries=5)
def index_pending() -> int:
    """Index stale articles; a held lock or a crash is retried, and the periodic run catches the rest."""
    return indexing.index_pending()
