"""Fetching a source's feed and storing its entries; a failure is recorded on the source."""

import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import feedparser
from django.conf import settings
from django.utils import timezone

from articles.cleaning import html_to_text
from articles.models import Source
from articles.services import Outcome, store_article

MAX_FEED_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 15
MAX_BACKOFF = timedelta(hours=24)


@dataclass
class FetchReport:
    source_id: int
    counts: dict = field(default_factory=lambda: {o.value: 0 for o in Outcome} | {"failed": 0})
    error: str = ""

    def as_dict(self):
        return asdict(self)


def fetch_and_store(source: Source) -> FetchReport:
    report = FetchReport(source.pk)
    try:
        body = _download(source.feed_url)
        parsed = feedparser.parse(body)
        if not parsed.entries:
            reason = parsed.get("bozo_exception") or "no entries"
            raise ValueError(f"feed has nothing readable: {reason}")
        for entry in parsed.entries:
            try:
                result = store_entry(source, entry)
            except Exception as exc:  # one bad entry must not lose the others
                report.counts["failed"] += 1
                report.error = f"entry {entry.get('link', '?')}: {exc}"
            else:
                if result is not None:
                    report.counts[result.value] += 1
    except Exception as exc:
        report.error = f"{type(exc).__name__}: {exc}"
        record_failure(source, report.error)
        return report
    record_success(source, warning=report.error)
    return report


def _download(url: str) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"only http and https feeds are fetched, not {url!r}")
    request = urllib.request.Request(url, headers={"User-Agent": settings.NEWSDESK_USER_AGENT})  # noqa: S310 - checked above
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        data = response.read(MAX_FEED_BYTES + 1)
    if len(data) > MAX_FEED_BYTES:
        raise ValueError(f"feed is larger than {MAX_FEED_BYTES} bytes")
    return data


def store_entry(source: Source, entry) -> Outcome | None:
    link = entry.get("link") or ""
    if not link.startswith(("http://", "https://")):
        return None
    content = entry.get("content") or []
    body_html = content[0].get("value", "") if content else entry.get("summary", "")
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    return store_article(
        source,
        url=link,
        guid=entry.get("id", ""),
        title=entry.get("title", "") or link,
        body_text=html_to_text(body_html),
        body_html=body_html,
        author=entry.get("author", ""),
        published_at=datetime(*published[:6], tzinfo=UTC) if published else None,
    ).outcome


def record_success(source: Source, warning: str = "") -> None:
    now = timezone.now()
    Source.objects.filter(pk=source.pk).update(
        last_fetched_at=now,
        last_success_at=now,
        last_error="",
        last_warning=warning,
        error_count=0,
        next_fetch_at=now + source.fetch_interval,
    )


def record_failure(source: Source, error: str) -> None:
    """Back off exponentially: interval × 2^errors, capped at a day."""
    now = timezone.now()
    errors = source.error_count + 1
    delay = min(source.fetch_interval * (2 ** min(errors, 16)), MAX_BACKOFF)
    Source.objects.filter(pk=source.pk).update(
        last_fetched_at=now,
        last_error=error[:2000],
        last_error_at=now,
        error_count=errors,
        next_fetch_at=now + delay,
    )
