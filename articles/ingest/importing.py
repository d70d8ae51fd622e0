"""Importing articles from JSON Lines: url, title, body, published, source (+ guid, author)."""

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.ingest import screening
from articles.ingest.store import Outcome, draft, store_batch
from articles.models import Article, Source

REQUIRED = ("url", "title", "body", "source")


@dataclass
class ImportReport:
    counts: dict = field(default_factory=lambda: {o.value: 0 for o in Outcome} | {"kept_out": 0})
    errors: list[str] = field(default_factory=list)
    # Keep and block rules that could not be used (once per source) or ran out of time (per line).
    warnings: list[str] = field(default_factory=list)


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
        raise ValueError(f"'url' must be http(s): {record['url'][:200]!r}")
    for key, value in record.items():
        # PostgreSQL text cannot hold NUL; SQLite would keep it and cut the text short later.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(f"{key!r} holds a NUL character")
    _check_length(record["url"], Article._meta.get_field("url").max_length, "url")
    _check_length(record["source"].strip(), Source._meta.get_field("name").max_length, "source")


def _check_length(value: str, limit: int, key: str) -> None:
    if len(value) > limit:
        raise ValueError(f"{key!r} is {len(value)} characters long, more than the {limit} it may have")


BATCH = 250  # lines per transaction: one commit (and one fsync) per batch, not per article


def import_lines(lines) -> ImportReport:
    report = ImportReport()
    sources: dict[str, Source] = {}
    rulesets: dict = {}  # each source's keep and block rules, read once per import
    batch: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            batch.append((number, line))
        if len(batch) >= BATCH:
            _import_batch(batch, sources, report, rulesets)
            batch = []
    if batch:
        _import_batch(batch, sources, report, rulesets)
    return report


@transaction.atomic
def _import_batch(batch, sources, report, rulesets) -> None:
    drafts, numbers = [], []
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
            numbers.append(number)
        except (ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
            report.errors.append(f"line {number}: {exc}")
        except RecursionError:
            report.errors.append(f"line {number}: JSON nested too deeply")
    # What the sources' keep and block rules keep out is recorded (screening), not stored.
    screened = screening.screen(drafts, rulesets)
    report.counts["kept_out"] += screened.kept_out
    report.warnings += screened.warnings
    kept = [(number, d) for number, d, keep in zip(numbers, drafts, screened.kept, strict=True) if keep]
    numbers, drafts = [number for number, _ in kept], [d for _, d in kept]
    # A row the database still refuses fails alone, with its line number; the batch is kept.
    for number, result in zip(numbers, store_batch(drafts), strict=True):
        if isinstance(result, Exception):
            first_line = str(result).strip().splitlines()[0] if str(result).strip() else type(result).__name__
            report.errors.append(f"line {number}: the database refused it: {first_line}")
        else:
            report.counts[result.outcome.value] += 1
