"""A source's rules tried on one page (the admin's preview), and applied again to the articles
it has stored (re-extraction).

A run re-fetches each article's page as ingestion does (entries.get_page), extracts it by the
source's current rules and stores the text through the normal update path (store.update_article,
not as a revision: the publisher did not change the article, our reading of it did): the index
copy goes stale and links and story follow (landing); a text that comes out the same changes
nothing. What editors decided stays:

- links they added or rejected, a story they pinned, a hidden status, a duplicate mark: the
  update never touches them, and relinking leaves editor rows alone (entities.linking);
- the title, author, date and lead image: a run re-reads the text only and keeps the rest;
- a text an editor edited (title, teaser, text or HTML changed in the admin since the article
  was last stored, or a stored text that no longer matches its hash): kept as it is, counted
  as "edited".

A page that cannot be fetched or read keeps the stored text and is counted as failed; so does
a page that is no longer the article: the address now leads elsewhere (a redirect to the home
page, a soft 404), or its text is less than half the stored one (a paywall's teaser, an error
page). A text that came with its markup from the feed is what ingestion keeps too: a run
replaces it only by a page reading at least as long, and leaves a full feed text (which
ingestion never reads the page for) alone, counted as skipped.

A host that asks us to wait (429, Retry-After) or whose robots.txt cannot be read is no failure
of its pages: the run stops before the first page put off, keeps what it did, and is PAUSED
until the wait ends (the task sends a task of its own for then; the command sleeps and goes on).

The run's progress lives on the source (Source.reextraction): its counts, the last article done
(newest first, by id) and a heartbeat. A worker that stops leaves the run where it was and the
next start resumes it from there; a run again changes nothing more (texts already re-extracted
come back unchanged).
"""

import json
import logging
import math
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst

from articles.ingest import entries, http
from articles.ingest.canonical import canonical_url
from articles.ingest.cleaning import content_hash, normalize_text, text_to_html
from articles.ingest.entries import SUMMARY_ONLY_BELOW
from articles.ingest.extract import ExtractionFailed, extract_article, strip_list
from articles.ingest.feeds import add_warnings
from articles.ingest.store import ROW_ERRORS, Draft, Outcome, draft, update_article
from articles.models import Article, Source

logger = logging.getLogger(__name__)

BATCH = 8  # articles read side by side, then stored; the progress is saved after each batch
PAGE_THREADS = 4  # pages fetched at once (http caps connections per host too)
# A run whose heartbeat is older than this was left by a worker that stopped: it may be taken
# over. A batch takes two rounds of fetches at most, each bounded by http.TOTAL_TIMEOUT and
# politeness.MAX_TURN_WAIT (and a robots.txt fetch, as long, once a day per host).
LEASE = timedelta(minutes=10)
MAX_ERRORS = 5  # failures kept on the run, to show
# A page reading shorter than this share of the stored text is not the article (a paywall's
# teaser, an error page): the stored text stays.
MIN_SHARE = 0.5

# PAUSED: stopped, to go on later (the host asked us to wait until `waiting_until`, or an
# in-process run stopped in time); anyone may take it up again then.
QUEUED, RUNNING, PAUSED, DONE = "queued", "running", "paused", "done"
# What a run did with each article: stored anew or not (store.Outcome), or why it kept its text.
UPDATED, UNCHANGED = Outcome.UPDATED.value, Outcome.UNCHANGED.value
FAILED, EDITED, SKIPPED = "failed", "edited", "skipped"
COUNTS = (UPDATED, UNCHANGED, FAILED, EDITED, SKIPPED)
# The article fields an editor may change that hold its text (ArticleAdmin).
TEXT_FIELDS = ("title", "teaser", "body", "body_html")
FEED_ONLY_MARK = "newsdesk-entry="  # feeds.normalize_entry's address for an entry without a page


@dataclass
class Reading:
    """What a source's rules make of one page. No database: safe in a thread."""

    url: str
    text: str = ""
    title: str = ""
    method: str = ""
    warning: str = ""  # a rule that did not work on this page (the text then found automatically)
    matches: dict[str, int] = field(default_factory=dict)  # selector: elements it matched
    error: str = ""  # the page could not be fetched or read
    wait: int = 0  # not fetched: the host asked us to wait this many seconds (entries.put_off)
    canonical: str = ""  # the page's own rel=canonical, when it names one on its site


def read(
    url: str,
    selector: str = "",
    strip_selectors=(),
    *,
    metadata: bool = False,
    source_id: int | None = None,
    interactive: bool = False,
) -> Reading:
    """Fetch `url` as ingestion fetches article pages (entries.get_page: size cap, robots.txt,
    politeness noted for the source `source_id`) and extract its article by these rules;
    failures come back in `error`, a wait the host asked for in `wait` too."""
    page = entries.get_page(url, source_id=source_id, interactive=interactive)
    if isinstance(page, http.FetchError):
        return Reading(url, error=f"{type(page).__name__}: {page}", wait=entries.put_off(page))
    try:
        found = extract_article(page.body, page.url, selector, metadata=metadata, strip_selectors=strip_selectors)
    except ExtractionFailed as exc:
        return Reading(page.url, error=f"ExtractionFailed: {exc}")
    except Exception as exc:  # a parser's bug on one page: that article keeps its text
        logger.exception("extracting %s failed", page.url)
        return Reading(page.url, error=f"the extractor failed: {type(exc).__name__}: {exc}")
    return Reading(
        page.url,
        text=normalize_text(found.text),
        title=found.title,
        method=found.method,
        warning=found.warning,
        matches=found.matches,
        canonical=found.canonical,
    )


# --- Which articles a run may change, and how -------------------------------------------------


def _is_feed_text(article: Article) -> bool:
    """The stored text came with its markup from the feed (a page reading is stored as plain
    text, its HTML written from it)."""
    return article.body_html != text_to_html(article.body)


def skip_reason(source: Source, article: Article) -> str | None:
    """Why a run leaves `article` without reading its page (SKIPPED), or None to read it."""
    if FEED_ONLY_MARK in article.url:
        return SKIPPED  # the feed's entry had no page of its own
    if _is_feed_text(article) and (len(article.body) >= SUMMARY_ONLY_BELOW or not source.fetch_full_text):
        return SKIPPED  # ingestion never reads the page for this text: the rules do not apply to it
    return None


def edited_by_editors(articles: list[Article]) -> set[int]:
    """Ids of those `articles` whose text an editor changed since it was last stored: in the
    admin (its change history names a text field), or elsewhere (the stored title and text no
    longer give the hash they were stored with)."""
    edited = {a.pk for a in articles if a.content_hash and a.content_hash != content_hash(a.title, a.body)}
    stored_at = {str(a.pk): a.fetched_at for a in articles}
    labels = set(TEXT_FIELDS) | {str(capfirst(Article._meta.get_field(name).verbose_name)) for name in TEXT_FIELDS}
    changes = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Article), action_flag=CHANGE, object_id__in=list(stored_at)
    ).values_list("object_id", "action_time", "change_message")
    for object_id, when, message in changes:
        if when >= stored_at[object_id] and labels & _changed_fields(message):
            edited.add(int(object_id))
    return edited


def _changed_fields(message: str) -> set[str]:
    """The field labels an admin change message (Django's JSON list) names."""
    try:
        parts = json.loads(message or "[]")
    except ValueError:
        return set()
    names = set()
    for part in parts if isinstance(parts, list) else []:
        changed = part.get("changed") if isinstance(part, dict) else None
        if isinstance(changed, dict) and isinstance(changed.get("fields"), list):
            names.update(str(name) for name in changed["fields"])
    return names


def plan(source: Source, article: Article, reading: Reading) -> Draft | str:
    """The draft a run stores for `article` from its page's `reading`, or why it keeps the
    stored text (FAILED, SKIPPED). Title, author, date and image stay as stored."""
    if reading.error:
        return FAILED
    if _is_feed_text(article) and len(reading.text) < len(article.body):
        return SKIPPED  # as in ingestion: a page reading shorter than the feed's text is not the article
    if problem := not_the_article(article, reading):
        reading.error = problem
        return FAILED
    return draft(
        source,
        url=article.url,
        guid=article.guid,
        title=article.title,
        body_text=reading.text,
        author=article.author,
        published_at=article.published_at,
        extraction_note=reading.warning,
    )


def not_the_article(article: Article, reading: Reading) -> str:
    """Why the page read at the article's address is no longer that article, or "": it led
    elsewhere (neither where the redirects ended nor its rel=canonical is the article's address),
    or its text is less than MIN_SHARE of the stored text."""
    if not any(_same_page(article.url, url) for url in (reading.url, reading.canonical) if url):
        return f"the address now leads to another page ({reading.url}); the stored text stays"
    if len(reading.text) < MIN_SHARE * len(article.body):
        return (
            f"the page's text ({len(reading.text)} characters) is less than half the stored one "
            f"({len(article.body)}): not the article; the stored text stays"
        )
    return ""


def _same_page(first: str, second: str) -> bool:
    """The same address but for http against https and a trailing slash (canonical_url keeps those)."""

    def key(url: str) -> str:
        canonical = canonical_url(url)
        scheme, _, rest = canonical.partition("://")
        path, query = rest.partition("?")[::2]
        return f"{path.rstrip('/')}?{query}" if scheme in ("http", "https") else canonical

    return key(first) == key(second)


def _store(source: Source, article_id: int, reading: Reading) -> str:
    """Store one article's new reading, the row locked and read again: an editor's edit made
    while its page was fetched still wins."""
    try:
        with transaction.atomic():
            article = Article.objects.select_for_update().filter(pk=article_id, source=source).first()
            if article is None:
                return SKIPPED  # deleted meanwhile
            if edited_by_editors([article]):
                return EDITED
            planned = plan(source, article, reading)
            if isinstance(planned, str):
                return planned
            outcome = update_article(article, planned, revision=False).outcome
            note = planned.fields["extraction_note"]
            if outcome is Outcome.UNCHANGED and article.extraction_note != note:
                # Not indexed, nothing follows it: the note alone, without marking the row changed.
                Article.objects.filter(pk=article.pk).update(extraction_note=note)
            return outcome.value
    except ROW_ERRORS as exc:  # a value the database refuses: this article's problem alone
        reading.error = f"{type(exc).__name__}: {exc}"
        return FAILED


# --- A run's record on the source ---------------------------------------------------------------


def counts(progress: dict) -> dict:
    """A run's progress as the task reports it: {done, total, updated, unchanged, failed, ...}."""
    return {"done": progress.get("done", 0), "total": progress.get("total", 0)} | {
        name: progress.get(name, 0) for name in COUNTS
    }


def is_active(progress: dict) -> bool:
    return progress.get("state") in (QUEUED, RUNNING, PAUSED)


def is_stale(progress: dict) -> bool:
    """Its worker stopped (or its message was lost): the run waits to be resumed."""
    queued_or_running = progress.get("state") in (QUEUED, RUNNING)
    return queued_or_running and time.time() - progress.get("heartbeat", 0) > LEASE.total_seconds()


def wait_left(progress: dict) -> int:
    """Seconds until a PAUSED run may go on (0: now)."""
    if progress.get("state") != PAUSED:
        return 0
    return max(0, math.ceil((progress.get("waiting_until") or 0) - time.time()))


def is_resumable(progress: dict) -> bool:
    """Stopped, and whoever starts it again goes on with it: its worker stopped, or it was
    paused and the wait is over."""
    return is_stale(progress) or (progress.get("state") == PAUSED and wait_left(progress) == 0)


def _new_run(source: Source, limit: int | None) -> dict:
    articles = Article.objects.filter(source=source)
    newest = articles.order_by("-pk").values_list("pk", flat=True).first() or 0
    total = articles.count()
    return {
        "state": QUEUED,
        "run": uuid.uuid4().hex,
        "holder": "",
        "total": total if limit is None else min(total, limit),
        "limit": limit,
        "done": 0,
        **dict.fromkeys(COUNTS, 0),
        "before": newest + 1,  # articles stored after the start were read by the new rules already
        "errors": [],
        "warnings": 0,
        "first_warning": "",
        "started_at": timezone.now().isoformat(),
        "finished_at": None,
        "heartbeat": time.time(),
        "waiting_until": None,
    }


def start(source_id: int, *, limit: int | None = None) -> dict | None:
    """Queue a run for the source (the admin's action, before its task is sent): a new run, or
    the one a stopped worker left (or a pause whose wait is over), to be resumed where it got
    to. None when one is under way, or waits for a host."""
    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=source_id)
        progress = source.reextraction or {}
        if is_active(progress) and not is_resumable(progress):
            return None
        if is_active(progress):
            progress = {**progress, "state": QUEUED, "holder": "", "heartbeat": time.time()}
        else:
            progress = _new_run(source, limit)
        Source.objects.filter(pk=source_id).update(reextraction=progress)
    return progress


def claim(source_id: int, holder: str, *, limit: int | None = None) -> dict | None:
    """The source's run, taken by `holder` (a task's id, a command): the queued or paused run,
    the run this holder had (a task delivered again after its worker stopped), a stopped run
    (resumed), or a new one when none is under way. None when another holder is running it."""
    with transaction.atomic():
        source = Source.objects.select_for_update().filter(pk=source_id).first()
        if source is None:
            return None
        progress = source.reextraction or {}
        if not is_active(progress):
            progress = _new_run(source, limit)
        elif progress["state"] == RUNNING and progress.get("holder") != holder and not is_stale(progress):
            return None
        progress.update(state=RUNNING, holder=holder, heartbeat=time.time(), waiting_until=None)
        Source.objects.filter(pk=source_id).update(reextraction=progress)
    return progress


def _save(source_id: int, progress: dict, holder: str | None = None) -> bool:
    """Record the run's progress, if it is still this holder's (False: another took it over)."""
    progress["heartbeat"] = time.time()
    holder = progress["holder"] if holder is None else holder
    mine = Source.objects.filter(pk=source_id, reextraction__run=progress["run"], reextraction__holder=holder)
    return bool(mine.update(reextraction=progress))


def pause(source_id: int, progress: dict, seconds: float = 0) -> bool:
    """Let go of the run, to go on in `seconds` (PAUSED): whoever starts or claims it then goes
    on where it got to. False when it was not this holder's any more."""
    holder = progress["holder"]
    progress.update(state=PAUSED, holder="", waiting_until=time.time() + seconds)
    return _save(source_id, progress, holder)


def _finish(source_id: int, progress: dict) -> None:
    progress.update(state=DONE, finished_at=timezone.now().isoformat(), total=progress["done"])
    if not _save(source_id, progress):
        return
    notes = []
    if progress[FAILED]:
        first = progress["errors"][0] if progress["errors"] else ""
        notes.append(f"re-extraction: {progress[FAILED]} of {progress['done']} pages could not be read; first: {first}")
    if progress["warnings"]:
        notes.append(
            f"re-extraction: the source's rules did not fit {progress['warnings']} pages; "
            f"first: {progress['first_warning']}"
        )
    add_warnings(source_id, notes)  # beside what the feed's fetches recorded


def _next_batch(source_id: int, progress: dict) -> list[Article]:
    size = BATCH
    if progress.get("limit") is not None:
        size = min(size, progress["total"] - progress["done"])
    if size <= 0:
        return []
    articles = Article.objects.filter(source_id=source_id, pk__lt=progress["before"]).order_by("-pk")
    return list(articles[:size])


def run(
    source_id: int,
    holder: str,
    *,
    limit: int | None = None,
    on_progress=None,
    deadline: float | None = None,
) -> dict | None:
    """Re-extract the source's stored articles for `holder` (see claim), newest first, a batch
    at a time, until all are done or time.monotonic() passes `deadline`; `on_progress(counts)`
    after each batch. Returns the run's progress: state RUNNING when stopped by the deadline
    (call again with the same holder to go on), PAUSED when a host asked us to wait (call again
    after wait_left(progress) seconds, with any holder); or None when another holder is running
    it (or took it over meanwhile)."""
    progress = claim(source_id, holder, limit=limit)
    if progress is None:
        return None
    source = Source.objects.get(pk=source_id)
    selector, strip_selectors = source.content_selector, strip_list(source.strip_selectors)
    with ThreadPoolExecutor(PAGE_THREADS, thread_name_prefix="reextract") as pool:
        while articles := _next_batch(source_id, progress):
            edited = edited_by_editors(articles)
            reasons = {a.pk: EDITED if a.pk in edited else skip_reason(source, a) for a in articles}
            pending = {
                a.pk: pool.submit(read, a.url, selector, strip_selectors, source_id=source_id)
                for a in articles
                if reasons[a.pk] is None
            }
            done, wait = [], 0
            for article in articles:
                reading = pending[article.pk].result() if article.pk in pending else None
                if reading is not None and reading.wait:
                    wait = reading.wait  # this page and those after it: not failed, put off
                    break
                if reading is None:
                    progress[reasons[article.pk]] += 1
                else:
                    _record(progress, article, reading, _store(source, article.pk, reading))
                done.append(article)
            for future in pending.values():
                future.cancel()  # those not begun; a page read meanwhile is read again when the run goes on
            progress["done"] += len(done)
            if done:
                progress["before"] = done[-1].pk
            if not (pause(source_id, progress, wait) if wait else _save(source_id, progress)):
                return None  # another holder took the run over (this one was thought stopped)
            if on_progress is not None:
                on_progress(counts(progress))
            if wait or (deadline is not None and time.monotonic() > deadline):
                return progress
    _finish(source_id, progress)
    return progress


def _record(progress: dict, article: Article, reading: Reading, outcome: str) -> None:
    progress[outcome] += 1
    if outcome == FAILED and len(progress["errors"]) < MAX_ERRORS:
        progress["errors"].append(f"{article.url}: {reading.error}"[:500])
    if reading.warning and outcome in (UPDATED, UNCHANGED):
        progress["warnings"] += 1
        progress["first_warning"] = progress["first_warning"] or f"{article.url}: {reading.warning}"[:500]


# --- The admin's preview ----------------------------------------------------------------------


@dataclass
class Preview:
    """A source's rules (as the editor has them in the form, saved or not) tried on one page."""

    url: str
    reading: Reading
    article: Article | None  # the stored article at that address, if any
    text: str = ""  # the text these rules give, as it would be stored
    title: str = ""
    outcome: str = ""  # what a run would do with the stored article: updated, unchanged, edited, ...

    @property
    def paragraphs(self) -> list[str]:
        return self.text.splitlines()


def preview(source: Source, url: str, selector: str, strip_selectors) -> Preview:
    """What `url`'s page gives by these rules, beside what the source stored for it. An editor
    waits for it: the page is fetched interactively (a short budget; a host that asks us to
    wait, or whose turn is more than a moment off, is not waited for: `reading.wait`)."""
    reading = read(url, selector, strip_selectors, metadata=True, interactive=True)
    stored = Article.objects.filter(source=source, url__in={canonical_url(url), canonical_url(reading.url)})
    article = stored.first()
    result = Preview(url, reading, article, title=article.title if article else reading.title)
    if reading.error:
        result.outcome = FAILED
        return result
    result.text = draft(source, url=url, title=result.title, body_text=reading.text).fields["body"]
    if article is None:
        result.outcome = Outcome.NEW.value
        return result
    planned = EDITED if edited_by_editors([article]) else skip_reason(source, article) or plan(source, article, reading)
    if isinstance(planned, str):
        result.outcome = planned
    else:
        same = planned.digest == article.content_hash and planned.fields["title"] == article.title
        result.outcome = UNCHANGED if same else UPDATED
    return result
