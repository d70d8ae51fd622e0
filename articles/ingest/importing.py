"""Importing articles from JSON Lines: url, title, body, published, source (+ guid, author)."""

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.ingest.store import Outcome, draft, store_drafts
from articles.models import Source

REQUIRED = ("url", "title", "body", "source")


@dataclass
class ImportReport:
    counts: dict = field(default_factory=lambda: {o.value: 0 for o in Outcome})
    errors: list[str] = field(default_factory=list)


def _parse_published(value) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"'published' is not an ISO 8601 date-time: {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _validate(record) -> None:
    if not isinstance(record, dict):
        raise ValueError("a line must hold a JSON object")
    missing = [key for key in REQUIRED if not isinstance(record.get(key), str) or not record[key].strip()]
    if missing:
        raise ValueError("missing or empty " + ", ".join(repr(k) for k in missing))
    if not record["url"].startswith(("http://", "https://")):
        raise ValueError(f"'url' must be http(s): {record['url']!r}")


BATCH = 250  # lines per transaction: one commit (and one fsync) per batch, not per article


def import_lines(lines) -> ImportReport:
    report = ImportReport()
    sources: dict[str, Source] = {}
    batch: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            batch.append((number, line))
        if len(batch) >= BATCH:
            _import_batch(batch, sources, report)
            batch = []
    if batch:
        _import_batch(batch, sources, report)
    return report


@transaction.atomic
def _import_batch(batch, sources, report) -> None:
    drafts = []
    for number, line in batch:
        try:
            record = json.loads(line)
            _validate(record)
            published = _parse_published(record.get("published"))
            name = record["source"].strip()
            if name not in sources:
                sources[name], _ = Source.objects.get_or_create(name=name)
            drafts.append(
                draft(
                    sources[name],
                    url=record["url"],
                    title=record["title"],
                    body_text=record["body"],
                    guid=str(record.get("guid") or ""),
                    author=str(record.get("author") or ""),
                    published_at=published,
                )
            )
        except (ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
            report.errors.append(f"line {number}: {exc}")
    for result in store_drafts(drafts):
        report.counts[result.outcome.value] += 1
