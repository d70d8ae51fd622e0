"""Celery tasks: thin wrappers that load by id and call the module that does the work.

Every task is idempotent: running one twice changes nothing more than running it once.
"""

import logging
import time
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from articles.entities import linking
from articles.ingest import entries as ingest
from articles.ingest import feeds, fixture_feeds, http, landing, reextract, screening
from articles.models import Source
from newsdesk.celery import send_or_defer

logger = logging.getLogger(__name__)

# Entries per ingest_entries task: stored with a few queries together, and few enough that the
# fetcher's processes share a feed of fifty between them.
INGEST_BATCH = 10
# A claimed source is not claimed again for this long, even if its fetch task is lost.
FETCH_LEASE = timedelta(minutes=10)
# A retry's countdown stays well under the broker's visibility timeout (600 s by default), or
# Redis would deliver the waiting task to a second worker as if the first had died.
MAX_COUNTDOWN = 300
# A re-extraction run in-process (eagerly, inside the admin's request) stops after this long.
IN_PROCESS_REEXTRACT = 15
NETWORK_RETRY = {
    # A dropped database connection is retried too: the task's writes are one transaction each.
    "autoretry_for": (http.NetworkError, OperationalError, InterfaceError),
    "retry_backoff": 30,
    "retry_backoff_max": MAX_COUNTDOWN,
    "retry_jitter": True,
    "max_retries": 4,
}


@shared_task
def enqueue_due_sources() -> int:
    """Beat, every minute: claim each due source with a conditional UPDATE, then enqueue it."""
    now = timezone.now()
    due = Source.objects.filter(is_active=True, feed_url__isnull=False, next_fetch_at__lte=now)
    claimed = 0
    for source_id in due.values_list("pk", flat=True):
        # Only the caller whose UPDATE changed the row enqueues: two beats never double a fetch.
        if Source.objects.filter(pk=source_id, next_fetch_at__lte=now).update(next_fetch_at=now + FETCH_LEASE):
            transaction.on_commit(lambda pk=source_id: fetch_source.delay(pk))
            claimed += 1
    return claimed


@shared_task(bind=True, **NETWORK_RETRY)
def fetch_source(self, source_id: int) -> dict:
    source = Source.objects.filter(pk=source_id).first()
    if source is None or not source.feed_url:
        return {"skipped": source_id}
    try:
        poll = feeds.poll_source(source)
    except http.HostPaused as exc:
        # Nothing was asked: the host asked us to wait. The source's next_fetch_at is when the
        # wait ends (feeds.record_deferral) and beat fetches it then; a retry here would fetch
        # it a second time, and spend a try on nothing.
        return {"deferred": exc.seconds}
    except http.NetworkError as exc:
        # Recorded on the source. A worker retries with backoff (or after Retry-After); run
        # in-process there is no later, and the source's own backoff schedules the next try.
        if self.request.is_eager:
            return {"error": str(exc)}
        if isinstance(exc, http.RetryAfter):
            if exc.seconds > MAX_COUNTDOWN:  # the source's own backoff waits longer than a task may
                return {"error": str(exc)}
            raise self.retry(exc=exc, countdown=exc.seconds) from None
        raise
    except (http.FetchError, feeds.FeedUnreadable) as exc:
        return {"error": str(exc)}  # recorded on the source; retrying soon would not help
    for start in range(0, len(poll.pending), INGEST_BATCH):
        batch = poll.pending[start : start + INGEST_BATCH]
        transaction.on_commit(lambda batch=batch: ingest_entries.delay(source_id, batch))
    return {"enqueued": len(poll.pending), "unchanged": poll.unchanged}


def _can_retry(task) -> bool:
    """In-process (eager) runs cannot wait for a retry; a worker's last try keeps the feed's text."""
    return not task.request.is_eager and task.request.retries < task.max_retries


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, **NETWORK_RETRY)
def ingest_entries(self, source_id: int, entries: list[dict]) -> dict:
    """A batch of a poll's entries: pages fetched side by side, stored together. Acked late: a
    killed worker's batch is delivered again and stores only what is missing. Entries whose
    page could not be reached are tried again later, alone, until the last try keeps the feed's
    text; a dropped database connection retries the batch."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return {"skipped": len(entries)}
    report = feeds.ingest_entries(source, entries, retry_unreachable=_can_retry(self))
    if report.unreachable:
        countdown = get_exponential_backoff_interval(
            NETWORK_RETRY["retry_backoff"], self.request.retries, MAX_COUNTDOWN, full_jitter=True
        )
        # A host that asked us to wait is not asked again before it said (a try spent for nothing).
        countdown = max(countdown, min(feeds.pause_left(report.unreachable), MAX_COUNTDOWN))
        raise self.retry(args=[source_id, report.unreachable], countdown=countdown)
    return {outcome: n for outcome, n in report.counts.items() if n}


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, **NETWORK_RETRY)
def ingest_entry(self, source_id: int, entry: dict) -> str | None:
    """One entry (what fetch_source queued before batches; kept for messages still queued)."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return None
    result = ingest.ingest_entry(source, entry, raise_network_errors=_can_retry(self))
    return result.outcome.value


# The follow-up of landed articles is recorded on their rows: these drain it in batches. Acked
# late, so a killed worker's drain is delivered again; the sweep catches anything else.
# Another worker draining the same stage: come back in a second rather than hold a process.
DRAIN_BUSY_RETRY = {"autoretry_for": (landing.DrainBusy,), "retry_backoff": False, "default_retry_delay": 1}


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=None, **DRAIN_BUSY_RETRY)
def settle_landed() -> int:
    """Links and stories of every article waiting for them."""
    return landing.settle()


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=None, **DRAIN_BUSY_RETRY)
def relate_landed() -> int:
    """Related lists of settled articles that the index holds."""
    return landing.relate()


@shared_task
def sweep_landing() -> dict:
    """Beat, every minute: whatever a lost message, a killed worker or an outage left undone."""
    return landing.sweep()


@shared_task
def relink_articles(article_ids: list[int]) -> int:
    return linking.relink_ids(article_ids)


@shared_task
def relink_all() -> int:
    """After a gazetteer change: re-link every article, one task per batch."""
    batches = 0
    for batch in linking.relink_batches():
        relink_articles.delay(batch)
        batches += 1
    return batches


@shared_task
def refresh_fixtures() -> dict:
    """Beat, hourly: fetch the configured fixture files (conditional GET) and import those that
    changed. Each URL's outcome and error are recorded on its FixtureFeed row; a failed one is
    tried again at the next run."""
    return fixture_feeds.refresh_all()


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=MAX_COUNTDOWN,
    max_retries=4,
)
def reextract_source(self, source_id: int, holder: str = "") -> dict:
    """Re-extract a source's stored articles with its current rules (articles.ingest.reextract).

    Progress goes to the task's state (PROGRESS, meta {done, total, updated, unchanged, failed,
    edited, skipped}) and, for editors, to the source (the admin shows it). Idempotent and
    resumable: the run is recorded on the source batch by batch, a delivery again after a lost
    worker (same task id, same holder) goes on from the last batch, and a run again finds the
    texts unchanged. A worker's task stops before its time limit and hands the rest of the run
    to a task of its own; a host that asks us to wait pauses the run, and a task of its own goes
    on when the wait is over.

    In-process (no REDIS_URL) the admin's action runs this inside the editor's request: it stops
    after the first batch that ends past IN_PROCESS_REEXTRACT seconds (under gunicorn's 30 s,
    unless a batch's pages are slow), and a pause is not waited for; the run waits on the
    source, paused, and choosing the action again goes on with it."""
    holder = holder or self.request.id or "task"
    if self.request.is_eager:  # no worker to hand over to: the request waits for this
        deadline = time.monotonic() + IN_PROCESS_REEXTRACT
    else:
        deadline = time.monotonic() + max(30, settings.CELERY_TASK_SOFT_TIME_LIMIT - 120)

    def report(meta: dict) -> None:
        self.update_state(state="PROGRESS", meta=meta)

    try:
        progress = reextract.run(source_id, holder, on_progress=report, deadline=deadline)
    except SoftTimeLimitExceeded:  # a slow batch: what was done is recorded, the rest goes on
        progress = {"state": reextract.RUNNING}
    if progress is None:
        return {"skipped": source_id}  # another worker is running it
    if self.request.is_eager:
        if progress["state"] == reextract.RUNNING:
            reextract.pause(source_id, progress)  # out of time: the next start goes on with it
    elif progress["state"] == reextract.RUNNING:
        send_or_defer(reextract_source, source_id, holder)  # broker down: the next start resumes it
    elif progress["state"] == reextract.PAUSED:
        # Within the broker's visibility timeout: a longer wait comes back, finds the host still
        # paused (nothing asked) and pauses again.
        countdown = min(reextract.wait_left(progress), MAX_COUNTDOWN)
        send_or_defer(reextract_source, source_id, countdown=countdown)
    return reextract.counts(progress)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=MAX_COUNTDOWN,
    max_retries=4,
)
def apply_rules(source_id: int | None = None) -> dict:
    """Apply the keep and block rules again to the stored articles of one source (or all):
    hide what they keep out, take back what they no longer do (articles.ingest.screening).
    Idempotent: a second run finds nothing more to hide or take back."""
    return screening.reapply(source_id)


@shared_task
def prune_kept_out() -> dict:
    """Beat, daily: forget kept-out records older than NEWSDESK_KEPT_OUT_DAYS."""
    return screening.prune_kept_out()
