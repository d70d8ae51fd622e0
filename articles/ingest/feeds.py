"""Reading a source's feed: fetch, parse, and tell new or changed entries from ones we have.

Health is recorded on the Source every time: a success clears the error and schedules the next
fetch; a failure records why and pushes the next fetch back exponentially, capped at a day.
"""

import hashlib
import itertools
import json
import logging
import multiprocessing
from calendar import timegm
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import feedparser
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.html import strip_tags

from articles.ingest import entries as ingest
from articles.ingest import http, images, politeness, screening, store
from articles.ingest.cleaning import html_to_text
from articles.ingest.extract import extract_article
from articles.ingest.store import Outcome
from articles.models import Article, KeptOut, Source

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=24)
PAGE_FETCHERS = 8  # threads fetching a feed's pages side by side (http caps them per host too)
# Pages read ahead of the entry being stored. While the caller stores and links a batch
# (a few hundred ms) the threads go on fetching: with only two pages a thread they stood idle,
# and pages answering after 100 ms cost 22 ms an article instead of 15 (measured). At most
# 32 × 3 MiB in memory, typically 32 × 40 KB.
PAGES_AHEAD = 32
STORE_BATCH = 25  # entries extracted one by one, then stored together
MAX_ENTRIES = 300  # a feed with more than this is a dump, not news; the newest come first


class FeedUnreadable(Exception):
    """The document holds nothing we can read as a feed."""


@dataclass
class ParsedFeed:
    entries: list[dict]
    warning: str = ""
    title: str = ""  # the feed's own name for itself, as plain text


@dataclass
class Poll:
    pending: list[dict] = field(default_factory=list)  # new or changed entries
    unchanged: int = 0
    not_modified: bool = False


@dataclass
class FetchReport:
    counts: dict = field(default_factory=lambda: {o.value: 0 for o in Outcome} | {"failed": 0, "kept_out": 0})
    error: str = ""
    source_failed: bool = False  # the feed itself could not be fetched or read
    unreachable: list[dict] = field(default_factory=list)  # entries left for a later try
    failures: list[str] = field(default_factory=list)  # entries that could not be stored, why
    rule_warnings: list[str] = field(default_factory=list)  # pages the source's rules did not fit
    filter_warnings: list[str] = field(default_factory=list)  # keep/block rules left out or too slow


def _published(entry) -> str | None:
    return _moment(entry.get("published_parsed") or entry.get("updated_parsed"))


def _revised(entry, published: str | None) -> str | None:
    """The entry's `updated` date when it has one of its own, apart from its publication date:
    a new one makes the entry new to us, so its page is read again (the text may have changed
    where the feed shows only a summary). feedparser answers `updated` with the publication
    date when there is none: asked only when the entry has its own."""
    if "updated_parsed" not in entry:
        return None
    updated = _moment(entry["updated_parsed"], clamp=False)  # as given: the fingerprint must not move
    return updated if updated != published else None


def _moment(parsed, clamp: bool = True) -> str | None:
    if not parsed:
        return None
    try:
        moment = datetime.fromtimestamp(timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
    # Feeds sometimes date entries in the future; an article cannot be newer than now.
    return (min(moment, timezone.now()) if clamp else moment).isoformat()


def _is_http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def normalize_entry(entry, base_url: str, feed_url: str = "") -> dict | None:
    """A feedparser entry as a small JSON-safe dict, or None when it holds nothing to read.

    An entry without a link of its own (some feeds carry only text) gets an address under the
    feed's site, and no page is fetched for it: there is none. Its lead image, when it names one,
    is resolved against the feed's own address (`feed_url`).
    """
    content = entry.get("content") or []
    html = (content[0].get("value") if content else "") or entry.get("summary") or ""
    title = html_to_text(entry.get("title") or "")[:500]
    guid = (entry.get("id") or "").strip()
    link = (entry.get("link") or "").strip()
    has_page = True
    if not _is_http(link):
        if _is_http(guid):
            link = guid
        elif title or html.strip():
            key = hashlib.sha256((guid or title or html).encode("utf-8", "replace")).hexdigest()[:20]
            link = f"{base_url}{'&' if '?' in base_url else '?'}newsdesk-entry={key}"
            has_page = False
        else:
            return None
    normalized = {
        "link": link[:1000],
        "guid": (guid or link)[:1000],
        "title": title,
        "html": html,
        "author": html_to_text(entry.get("author") or "")[:300],
        "published": _published(entry),
        "has_page": has_page,
    }
    if image := images.feed_image(entry, feed_url or base_url):
        normalized["image"] = image.as_dict()  # only when there is one: other fingerprints stay
    if revised := _revised(entry, normalized["published"]):
        normalized["revised"] = revised  # likewise
    normalized["fingerprint"] = hashlib.sha256(json.dumps(normalized, sort_keys=True).encode()).hexdigest()
    return normalized


def parse_feed(body: bytes, headers: dict[str, str], url: str) -> ParsedFeed:
    response_headers = {k.lower(): v for k, v in headers.items()}
    response_headers.setdefault("content-location", url)
    try:
        parsed = feedparser.parse(body, response_headers=response_headers, sanitize_html=True)
    except Exception as exc:  # feedparser is defensive, but a parser bug must not lose the source
        raise FeedUnreadable(f"the feed parser failed: {type(exc).__name__}: {exc}") from None
    problem = ""
    if parsed.get("bozo"):
        problem = f"{type(parsed.get('bozo_exception')).__name__}: {parsed.get('bozo_exception')}"
    site = parsed.feed.get("link") or ""
    base_url = site if _is_http(site) else url
    entries = [e for e in (normalize_entry(entry, base_url, url) for entry in parsed.entries[:MAX_ENTRIES]) if e]
    skipped = len(parsed.entries[:MAX_ENTRIES]) - len(entries)
    if not entries:
        if parsed.entries:
            raise FeedUnreadable(f"none of the {len(parsed.entries)} entries has a title, text or link")
        if problem or not parsed.get("version"):
            raise FeedUnreadable(f"not a readable feed ({problem or 'no RSS, Atom or RDF root element'})")
    warnings = [w for w in [f"ill-formed feed, read anyway: {problem}" if problem else ""] if w]
    if skipped:
        warnings.append(f"{skipped} empty entries were skipped")
    if not entries:
        warnings.append("the feed has no entries")
    title = " ".join(strip_tags(str(parsed.feed.get("title") or "")).split())
    return ParsedFeed(entries, "; ".join(warnings), title)


def split_new_and_changed(source: Source, entries: list[dict]) -> Poll:
    guids = [e["guid"] for e in entries]
    # An entry the rules kept out is known too (screening): it is not fetched again until it changes.
    known = dict(KeptOut.objects.filter(source=source, guid__in=guids).values_list("guid", "entry_hash"))
    known.update(Article.objects.filter(source=source, guid__in=guids).values_list("guid", "entry_hash"))
    poll = Poll()
    seen = set()
    for entry in entries:
        if entry["guid"] in seen:
            continue
        seen.add(entry["guid"])
        if known.get(entry["guid"]) == entry["fingerprint"]:
            poll.unchanged += 1
        else:
            poll.pending.append(entry)
    return poll


def poll_document(source: Source, body: bytes, headers: dict[str, str], url: str) -> Poll:
    """Parse a fetched document and record the outcome on the source."""
    try:
        parsed = parse_feed(body, headers, url)
    except FeedUnreadable as exc:
        record_failure(source, str(exc))
        raise
    record_success(
        source, warning=parsed.warning, etag=headers.get("etag", ""), modified=headers.get("last-modified", "")
    )
    return split_new_and_changed(source, parsed.entries)


def poll_source(source: Source) -> Poll:
    """Fetch the feed (conditionally) and parse it. Failures are recorded, then raised; a host
    that asked us to wait (HostPaused) puts the fetch off until then, noted but no error."""
    try:
        response = http.fetch(source.feed_url, etag=source.etag, last_modified=source.last_modified)
    except http.HostPaused as exc:
        record_deferral(source, exc.seconds, exc.health_note)
        raise
    except http.RetryAfter as exc:
        record_failure(source, str(exc), retry_after=exc.seconds, warning=exc.health_note)
        raise
    except http.FetchError as exc:
        record_failure(source, f"{type(exc).__name__}: {exc}")
        raise
    if note := politeness.slowed_note(response.url, response.waited):
        politeness.note(source.pk, "slowed", note)
    if response.not_modified:
        record_success(source, warning="", etag=source.etag, modified=source.last_modified)
        return Poll(not_modified=True)
    return poll_document(source, response.body, response.headers, response.url)


def _pages_ahead(
    pairs: Iterator[tuple[Source, dict]], extract=extract_article
) -> Iterator[tuple[Source, dict, object]]:
    """(source, entry, page) for each (source, entry), in order, the page read (fetched and its
    article extracted: ingest.read_page) by PAGE_FETCHERS threads up to PAGES_AHEAD entries
    ahead of the caller: pages are network waiting, and one at a time a feed of fifty pages
    that each take 100 ms to answer costs five seconds. One stream for a whole run of feeds
    keeps the threads busy across feed boundaries (per feed, they stood idle while its last
    pages were extracted and the next feed was read: a quarter of the time, measured). Storing
    stays in the caller's thread (its transaction, its bulk run); the HTTP pool caps
    connections per host."""
    with ThreadPoolExecutor(PAGE_FETCHERS, thread_name_prefix="page") as pool:
        ahead = deque()

        def submit(count: int) -> None:
            for source, entry in itertools.islice(pairs, count):
                ahead.append((source, entry, pool.submit(ingest.read_page, source, entry, extract)))

        submit(PAGES_AHEAD)
        while ahead:
            source, entry, page = ahead.popleft()
            page = page.result()
            submit(1)
            yield source, entry, page


@contextmanager
def _extraction(processes: int):
    """extract_article, run in `processes` processes of their own when more than zero: the
    extraction is half of an article's cost and pure computing, which threads of this process
    would take turns at with the storing and linking. A new interpreter each (spawn): forking
    a process that holds database connections and running threads is not safe. Should the
    pool break (a process killed), extraction goes on in the calling thread."""
    if processes < 1:
        yield extract_article
        return
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:

        def extract(*args, **kwargs):
            try:
                return pool.submit(extract_article, *args, **kwargs).result()
            except BrokenProcessPool:
                return extract_article(*args, **kwargs)

        yield extract


def _ingest_stream(stream, reports: dict[int, FetchReport], retry_unreachable: bool) -> None:
    """Store what _pages_ahead yields, up to STORE_BATCH entries of one source at a time; what
    the source's keep and block rules keep out is recorded instead (screening)."""
    rulesets = {}  # each source's rules, read once per stream
    for source, chunk in _batches(stream):
        report = reports[source.pk]
        drafted = []
        for entry, page in chunk:
            if getattr(page, "warning", ""):
                report.rule_warnings.append(f"{entry.get('link')}: {page.warning}")
            try:
                drafted.append((entry, ingest.entry_draft(source, entry, page, raise_network_errors=retry_unreachable)))
            except http.NetworkError:
                report.unreachable.append(entry)
            except Exception as exc:  # a bug on one entry: recorded, the rest go on
                logger.exception("entry %s of source %s failed", entry.get("link"), source.pk)
                report.failures.append(f"{entry.get('link')}: {type(exc).__name__}: {exc}")
        drafted = _screened(drafted, rulesets, report)
        results = store.store_batch([d for _, d in drafted])
        for (entry, _), result in zip(drafted, results, strict=True):
            if isinstance(result, Exception):
                logger.error("entry %s of source %s not stored: %s", entry.get("link"), source.pk, result)
                report.failures.append(f"{entry.get('link')}: {type(result).__name__}: {result}")
            else:
                report.counts[result.outcome.value] += 1


def _screened(drafted: list[tuple[dict, store.Draft]], rulesets: dict, report: FetchReport) -> list:
    """The (entry, draft) pairs the source's rules let in; those kept out are counted. Should
    the rules fail (a bug), the batch is stored whole: no article is lost to them."""
    try:
        screened = screening.screen([d for _, d in drafted], rulesets)
    except (OperationalError, InterfaceError):
        raise  # the connection, not the rules: the caller's retry stores what is missing
    except Exception as exc:
        logger.exception("keep/block rules failed on a batch of source %s", drafted[0][1].source.pk if drafted else "")
        report.filter_warnings.append(f"not applied to {len(drafted)} entries: {type(exc).__name__}: {exc}")
        return drafted
    report.counts["kept_out"] += screened.kept_out
    report.filter_warnings += screened.warnings
    return [pair for pair, kept in zip(drafted, screened.kept, strict=True) if kept]


def _batches(stream):
    """(source, [(entry, page), …]): consecutive items of one source, STORE_BATCH at most."""
    for source, items in itertools.groupby(stream, key=lambda item: item[0]):
        items = iter(items)
        while chunk := [(entry, page) for _, entry, page in itertools.islice(items, STORE_BATCH)]:
            yield source, chunk


def _note_failures(source: Source, report: FetchReport) -> FetchReport:
    notes = []
    if report.failures:
        report.counts["failed"] += len(report.failures)
        report.error = f"{len(report.failures)} entries failed; first: {report.failures[0]}"
        notes.append(report.error)
    if report.rule_warnings:
        # Those articles were stored all the same (text found automatically); the rule needs an editor.
        warnings = report.rule_warnings
        notes.append(f"the source's extraction rules did not fit {len(warnings)} pages; first: {warnings[0]}")
    if report.filter_warnings:  # a rule left out (it does not compile) or too slow: an editor must look
        notes.append(f"keep/block rules: {'; '.join(dict.fromkeys(report.filter_warnings))}")
    add_warnings(source.pk, notes)  # beside what the feed's fetch recorded (its notes, politeness)
    return report


def ingest_pending(source: Source, poll: Poll, report: FetchReport, *, retry_unreachable: bool = False) -> FetchReport:
    """Store a poll's new and changed entries: pages fetched ahead in threads, text extracted
    here, STORE_BATCH entries stored together (a few queries for all of them, not ten each).

    One bad entry never loses the others: its error is counted and noted on the source. A page
    that could not be reached keeps the feed's text, or with `retry_unreachable` its entry is
    left out and handed back in `report.unreachable` (a task tries it again later). A dropped
    database connection is raised: the caller's retry stores what is missing."""
    report.counts[Outcome.UNCHANGED.value] += poll.unchanged
    stream = _pages_ahead((source, entry) for entry in poll.pending)
    _ingest_stream(stream, {source.pk: report}, retry_unreachable)
    return _note_failures(source, report)


def ingest_entries(source: Source, entries: list[dict], *, retry_unreachable: bool = False) -> FetchReport:
    """A task's share of a poll: those of `entries` not stored meanwhile (by this task's
    earlier try, or another source's worker) are ingested as ingest_pending does."""
    return ingest_pending(
        source, split_new_and_changed(source, entries), FetchReport(), retry_unreachable=retry_unreachable
    )


def fetch_and_ingest_all(sources, *, extract_processes: int = 0) -> list[tuple[Source, FetchReport]]:
    """Fetch each source's feed and store its new and changed entries, all in this process
    (the fetch_sources command): one stream of pages for the whole run, each feed read when the
    page threads are about to need its entries; with `extract_processes`, pages are extracted in
    that many processes beside this one."""
    reports: dict[int, FetchReport] = {}
    polled: list[Source] = []

    def entries():
        for source in sources:
            report = reports[source.pk] = FetchReport()
            polled.append(source)
            try:
                poll = poll_source(source)
            except http.HostPaused as exc:  # put off until the host's wait ends (recorded): no failure
                report.error = f"put off: {exc}"
                continue
            except (http.FetchError, FeedUnreadable) as exc:
                report.error, report.source_failed = f"{type(exc).__name__}: {exc}", True
                continue
            report.counts[Outcome.UNCHANGED.value] += poll.unchanged
            for entry in poll.pending:
                yield source, entry

    with _extraction(extract_processes) as extract:
        _ingest_stream(_pages_ahead(entries(), extract), reports, retry_unreachable=False)
    return [(source, _note_failures(source, reports[source.pk])) for source in polled]


def fetch_and_ingest(source: Source) -> FetchReport:
    return fetch_and_ingest_all([source])[0][1]


def ingest_document(source: Source, body: bytes, headers: dict[str, str], url: str) -> FetchReport:
    """The same parse-and-store path as fetch_and_ingest, for a document already in hand."""
    report = FetchReport()
    try:
        poll = poll_document(source, body, headers, url)
    except FeedUnreadable as exc:
        report.error, report.source_failed = f"FeedUnreadable: {exc}", True
        return report
    return ingest_pending(source, poll, report)


def record_success(source: Source, *, warning: str, etag: str, modified: str) -> None:
    now = timezone.now()
    Source.objects.filter(pk=source.pk).update(
        last_fetched_at=now,
        last_success_at=now,
        last_error="",
        last_warning=_health_warning(source, warning),
        error_count=0,
        etag=etag[:500],
        last_modified=modified[:100],
        next_fetch_at=now + source.fetch_interval,
    )


def record_failure(source: Source, error: str, retry_after: int | None = None, warning: str = "") -> None:
    """Back off exponentially: interval × 2^errors, capped at a day; a Retry-After wins if later.
    A `warning` (the host asked us to slow down) goes to the source's health beside the error."""
    now = timezone.now()
    errors = Source.objects.get(pk=source.pk).error_count + 1
    delay = min(source.fetch_interval * (2 ** min(errors, 16)), MAX_BACKOFF)
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    health = {"last_warning": _health_warning(source, warning)} if warning else {}
    Source.objects.filter(pk=source.pk).update(
        last_fetched_at=now,
        last_error=error[:2000],
        last_error_at=now,
        error_count=errors,
        next_fetch_at=now + delay,
        **health,
    )
    source.error_count = errors


def record_deferral(source: Source, seconds: int, why: str) -> None:
    """Not fetched: the feed's host asked us to wait (or has too many of our requests waiting
    for its turn). No error of the feed's, no backoff: the next fetch comes when the wait ends."""
    Source.objects.filter(pk=source.pk).update(
        next_fetch_at=timezone.now() + timedelta(seconds=seconds),
        last_warning=_health_warning(source, why),
    )


def _health_warning(source: Source, warning: str) -> str:
    """The feed's own warning with what politeness cost the source since it was last recorded
    (pages put off or not fetched, waits: politeness.note), each with its time."""
    return merge_warnings(warning, *politeness.take_notes(source.pk))


MAX_WARNING = 2000  # characters of Source.last_warning


def merge_warnings(*warnings: str) -> str:
    """Warnings as one Source.last_warning, a line each: every line once, in order, the empty
    ones left out; over MAX_WARNING characters, the oldest lines go first."""
    lines = list(dict.fromkeys(line.strip() for warning in warnings for line in warning.splitlines() if line.strip()))
    while len(lines) > 1 and len("\n".join(lines)) > MAX_WARNING:
        lines.pop(0)
    return "\n".join(lines)[:MAX_WARNING]


def add_warnings(source_id: int, warnings: list[str]) -> None:
    """Add `warnings` to the source's last warning, beside what is there: what a run found
    after its feed's fetch recorded the feed's warning and notes (failed entries, rules that did
    not fit, a re-extraction's pages) must not wipe those out."""
    if not any(warnings):
        return
    with transaction.atomic():
        current = Source.objects.select_for_update().filter(pk=source_id).values_list("last_warning", flat=True)
        for last_warning in current:
            Source.objects.filter(pk=source_id).update(last_warning=merge_warnings(last_warning, *warnings))


def pause_left(entries: list[dict]) -> int:
    """Seconds until the pages of these entries may be asked for again (0: now): their hosts
    asked us to wait, or their robots.txt could not be read and is asked again then."""
    return max(
        (max(politeness.pause_left(entry["link"]), politeness.robots_left(entry["link"])) for entry in entries),
        default=0,
    )
