"""Fixtures kept up to date from the web: each URL in NEWSDESK_FIXTURE_URLS
("be.1/2025-26=https://…/2025-26/be.1.json", comma-separated) is fetched through the same
guarded HTTP client as the feeds (conditional GET with the ETag and Last-Modified it last
returned, timeouts, size cap, no inward addresses) and imported when it changed. The validators
and the last outcome are kept on a FixtureFeed row per URL."""

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from articles.ingest import http
from articles.matches import fixtures
from articles.models import FixtureFeed

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024  # a season of a big league is ~110 KB


@dataclass(frozen=True)
class Configured:
    code: str
    season: str
    url: str


def configured() -> list[Configured]:
    """The fixture URLs the settings name (checked when settings load: newsdesk.env)."""
    return [Configured(*entry) for entry in settings.NEWSDESK_FIXTURE_URLS]


def refresh(entry: Configured) -> str:
    """Fetch one configured URL and import it when it changed: "imported …", "not modified", or
    an error (recorded on its FixtureFeed row, raised again for network errors to retry)."""
    feed, _ = FixtureFeed.objects.get_or_create(url=entry.url)
    feed.last_fetched_at = timezone.now()
    try:
        response = http.fetch(
            entry.url,
            etag=feed.etag,
            last_modified=feed.last_modified,
            max_bytes=MAX_BYTES,
            accept="application/json, */*;q=0.5",
        )
        if response.not_modified:
            outcome = "not modified"
        else:
            try:
                data = json.loads(response.body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise fixtures.FixturesError(f"{entry.url}: not readable as JSON: {exc}") from None
            report = fixtures.import_document(data, entry.code, entry.season, entry.url)
            outcome = f"imported: {report}"
            # Validators only once the document is in: a failed import is fetched whole next time.
            feed.etag = response.headers.get("etag", "")
            feed.last_modified = response.headers.get("last-modified", "")
    except (http.FetchError, fixtures.FixturesError) as exc:
        feed.last_error = str(exc)[:2000]
        feed.save()
        logger.warning("fixtures %s: %s", entry.url, exc)
        if isinstance(exc, http.NetworkError):
            raise
        return f"error: {exc}"
    feed.last_error = ""
    feed.last_success_at = feed.last_fetched_at
    feed.save()
    return outcome


def refresh_all() -> dict[str, str]:
    """Every configured URL, one after the other; a failing one does not stop the rest."""
    outcomes = {}
    for entry in configured():
        try:
            outcomes[entry.url] = refresh(entry)
        except http.NetworkError as exc:
            outcomes[entry.url] = f"error: {exc}"
    return outcomes
