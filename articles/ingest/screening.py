"""Keep and block rules at work: new articles screened before they are stored, what they keep
out recorded (KeptOut) with the rule that did it, let through by an editor, and the rules
applied again to the articles already stored.

The rules themselves are in articles.ingest.rules. Here:
- `screen(drafts)` decides for the drafts of a feed batch or an import: an article already
  stored is an update and always goes through (applying rules to stored articles is
  `reapply`'s job, which an editor starts); a draft kept out is recorded once per source and
  GUID, with its entry's fingerprint, so the next poll does not fetch it again
  (feeds.split_new_and_changed) and an editor can still store it (`let_through`).
- `prune_kept_out()` keeps the records from growing forever (NEWSDESK_KEPT_OUT_DAYS).
- `reapply()` hides the stored articles the rules now keep out (hidden, never deleted; their
  index copies and stories follow store.set_status) and records them; articles editors decided
  on are left alone: one they let through or published again, one changed in the admin, one
  whose story they pinned. It also takes back what the rules no longer keep out: a hidden
  article is published again, a recorded entry stored.

Nothing here loses an article: a rule that cannot be used is left out and reported, a record
that cannot be written lets its draft through.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.entities import linking
from articles.ingest import rules, store
from articles.ingest.store import ROW_ERRORS, Draft
from articles.models import Article, FilterRule, KeptOut, Source

logger = logging.getLogger(__name__)

REAPPLY_BATCH = 500  # stored articles judged, then hidden, together
RECORD_FIELDS = ["rule", "reason", "url", "title", "published_at", "entry_hash", "draft"]


def ruleset_for(source: Source) -> rules.RuleSet:
    """The active rules that hold for `source`: its own and the global ones."""
    found = FilterRule.objects.filter(is_active=True).filter(Q(source=None) | Q(source=source)).order_by("pk")
    return rules.compile_rules(found, general_sports=source.general_sports)


def draft_data(d: Draft) -> dict:
    """A draft as JSON: what `draft_from` needs to store it later."""
    return {
        "url": d.url,
        "guid": d.guid,
        "published_at": d.published_at.isoformat() if d.published_at else None,
        "entry_hash": d.entry_hash,
        "fields": d.fields,
    }


def draft_from(source: Source, data: dict) -> Draft:
    published = data.get("published_at")
    return Draft(
        source=source,
        url=data["url"],
        guid=data.get("guid", ""),
        published_at=datetime.fromisoformat(published) if published else None,
        fields=dict(data["fields"]),
        entry_hash=data.get("entry_hash", ""),
    )


def record_key(guid: str, url: str) -> str:
    """What identifies a record of a source: the entry's GUID, its URL when it has none."""
    return (guid or url)[:1000]


class _Names:
    """Which fields of an article name a club or player: the linker's own matcher, built once."""

    def __init__(self):
        self.matcher = None

    def __call__(self, title: str, body: str) -> set[str]:
        if self.matcher is None:
            self.matcher = linking.get_matcher()
        return {mention.field for mention in self.matcher.find_in_article(title, body)}


def _slow_warnings(verdict: rules.Verdict, url: str) -> list[str]:
    return [f"regel {rule.id} te traag op {url}: niet toegepast" for rule in verdict.slow]


@dataclass
class Screening:
    kept: list[bool] = field(default_factory=list)  # per draft, in order: store it
    kept_out: int = 0
    warnings: list[str] = field(default_factory=list)  # rules left out or too slow, for the source


def screen(drafts: list[Draft], rulesets: dict[int, rules.RuleSet] | None = None) -> Screening:
    """Keep or keep out each draft by its source's rules, and record what is kept out.
    `rulesets` (source id → RuleSet) is a cache the caller may keep across batches: a source's
    rules are read once per stream, and their errors reported then."""
    rulesets = {} if rulesets is None else rulesets
    result = Screening(kept=[True] * len(drafts))
    by_source: dict[int, list[int]] = defaultdict(list)
    for position, d in enumerate(drafts):
        by_source[d.source.pk].append(position)
    names = _Names()
    for source_id, positions in by_source.items():
        source = drafts[positions[0]].source
        if source_id not in rulesets:
            rulesets[source_id] = ruleset_for(source)
            result.warnings += rulesets[source_id].errors
        ruleset = rulesets[source_id]
        if ruleset.active:
            _screen_source(source, ruleset, [(p, drafts[p]) for p in positions], names, result)
    for warning in result.warnings:
        logger.warning("filter rules: %s", warning)
    return result


def _already_stored(source: Source, drafts: list[Draft]) -> set[int]:
    """Python ids of those drafts whose article is stored: their storing is an update."""
    urls = {d.url for d in drafts}
    guids = {d.guid for d in drafts if d.guid}
    found_urls, found_guids = set(), set()
    for url, guid, source_id in Article.objects.filter(Q(url__in=urls) | Q(source=source, guid__in=guids)).values_list(
        "url", "guid", "source_id"
    ):
        found_urls.add(url)
        if source_id == source.pk:
            found_guids.add(guid)
    return {id(d) for d in drafts if d.url in found_urls or (d.guid and d.guid in found_guids)}


def _screen_source(source, ruleset, positioned: list[tuple[int, Draft]], names, result: Screening) -> None:
    stored = _already_stored(source, [d for _, d in positioned])
    keys = {position: record_key(d.guid, d.url) for position, d in positioned}
    recorded = dict(
        KeptOut.objects.filter(source=source, guid__in=set(keys.values())).values_list("guid", "let_through")
    )
    rows: dict[int, KeptOut] = {}
    records: dict[str, KeptOut] = {}
    for position, d in positioned:
        if id(d) in stored or recorded.get(keys[position]):  # an update, or let through by an editor
            continue
        title, body = d.fields["title"], d.fields["body"]
        verdict = rules.judge(ruleset, title=title, text=body, url=d.url, names=lambda t=title, b=body: names(t, b))
        result.warnings += _slow_warnings(verdict, d.url)
        if not verdict.kept:
            # One record per key: the same entry twice in a batch (an import) is recorded once.
            rows[position] = records[keys[position]] = KeptOut(
                source=source,
                rule_id=verdict.rule.id if verdict.rule else None,
                reason=verdict.reason[:300],
                guid=keys[position],
                url=d.url[:1000],
                title=d.fields["title"][:500] or d.url[:500],
                published_at=d.published_at,
                entry_hash=d.entry_hash,
                draft=draft_data(d),
            )
    passing = {keys[p] for p, _ in positioned if p not in rows and recorded.get(keys[p]) is False}
    try:
        with transaction.atomic():
            if passing:  # kept out before, let in now (its entry or the rules changed): stored below
                KeptOut.objects.filter(source=source, guid__in=passing, let_through=False, article=None).delete()
            if rows:
                KeptOut.objects.bulk_create(
                    list(records.values()),
                    update_conflicts=True,
                    unique_fields=["source", "guid"],
                    update_fields=RECORD_FIELDS,
                )
    except ROW_ERRORS as exc:  # a record the database refuses: its article is stored instead
        logger.error("kept-out records of source %s not written, their articles are stored: %s", source.pk, exc)
        result.warnings.append(f"tegengehouden artikels niet bewaard ({type(exc).__name__}: {exc}); opgenomen")
        return
    for position in rows:
        result.kept[position] = False
    result.kept_out += len(rows)


# --- Editors: let through, apply again -------------------------------------------------------------


@dataclass
class LetThrough:
    stored: int = 0
    published: int = 0
    errors: list[str] = field(default_factory=list)


def let_through(record_ids) -> LetThrough:
    """Store what these records kept out after all (a hidden article: publish it again) and mark
    them let through: the rules keep them out no more. A record already let through is left
    alone (claimed with a conditional UPDATE: two editors' clicks store it once)."""
    outcome = LetThrough()
    for record in KeptOut.objects.filter(pk__in=list(record_ids), let_through=False).select_related("source"):
        try:
            with transaction.atomic():
                now = timezone.now()
                if not KeptOut.objects.filter(pk=record.pk, let_through=False).update(
                    let_through=True, let_through_at=now
                ):
                    continue
                if record.article_id:
                    store.set_status([record.article_id], Article.Status.PUBLISHED)
                    outcome.published += 1
                    continue
                article = store.store_draft(draft_from(record.source, record.draft)).article
                KeptOut.objects.filter(pk=record.pk).update(article=article)
                outcome.stored += 1
        except (*ROW_ERRORS, KeyError, TypeError, ValueError) as exc:
            outcome.errors.append(f"{record.title}: {type(exc).__name__}: {exc}")
    return outcome


def edited_in_admin(article_ids) -> set[int]:
    """Ids of those articles an editor changed in the admin (status, text, links, story)."""
    changes = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Article),
        action_flag=CHANGE,
        object_id__in=[str(pk) for pk in article_ids],
    ).values_list("object_id", flat=True)
    return {int(object_id) for object_id in changes}


def reapply(source_id: int | None = None, batch_size: int = REAPPLY_BATCH) -> dict:
    """Apply the rules again to the stored articles of one source (or all) and to what they
    kept out; returns counts: checked, hidden, exempt (kept out, but an editor's decision
    stands), restored (hidden articles published again), stored (recorded entries stored)."""
    counts = {"checked": 0, "hidden": 0, "exempt": 0, "restored": 0, "stored": 0}
    sources = Source.objects.order_by("pk")
    if source_id is not None:
        sources = sources.filter(pk=source_id)
    names = _Names()
    for source in sources:
        ruleset = ruleset_for(source)
        for error in ruleset.errors:
            logger.warning("filter rules of source %s: %s", source.pk, error)
        # Records first: an article an editor published again since is theirs before the rules look.
        _reconsider(source, ruleset, names, counts)
        if ruleset.active:
            _hide_stored(source, ruleset, names, counts, batch_size)
    return counts


def _judge_article(ruleset, names, title: str, body: str, url: str) -> rules.Verdict:
    return rules.judge(ruleset, title=title, text=body, url=url, names=lambda: names(title, body))


def _hide_stored(source, ruleset, names, counts: dict, batch_size: int) -> None:
    published = source.articles.filter(status=Article.Status.PUBLISHED)
    ids = list(published.order_by("pk").values_list("pk", flat=True))
    allowed = set(
        KeptOut.objects.filter(source=source, let_through=True, article__isnull=False).values_list(
            "article_id", flat=True
        )
    )
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        articles = published.filter(pk__in=chunk).only(
            "pk", "title", "body", "url", "guid", "published_at", "story_pinned"
        )
        touched = edited_in_admin(chunk)
        hide, rows = [], {}
        for article in articles:
            counts["checked"] += 1
            verdict = _judge_article(ruleset, names, article.title, article.body, article.url)
            if verdict.kept:
                continue
            if article.pk in allowed or article.pk in touched or article.story_pinned:
                counts["exempt"] += 1
                continue
            hide.append(article.pk)
            key = record_key(article.guid, article.url)
            rows[key] = KeptOut(
                source=source,
                rule_id=verdict.rule.id if verdict.rule else None,
                reason=verdict.reason[:300],
                guid=key,
                url=article.url,
                title=article.title,
                published_at=article.published_at,
                article=article,
            )
        if not hide:
            continue
        with transaction.atomic():
            KeptOut.objects.bulk_create(
                list(rows.values()),
                update_conflicts=True,
                unique_fields=["source", "guid"],
                update_fields=[*RECORD_FIELDS, "article"],
            )
            counts["hidden"] += store.set_status(hide, Article.Status.HIDDEN)


def _reconsider(source, ruleset, names, counts: dict) -> None:
    """Records the rules no longer keep out: stored, or their hidden article published again."""
    records = KeptOut.objects.filter(source=source, let_through=False).select_related("article")
    for record in records.order_by("pk").iterator(chunk_size=200):
        article = record.article
        if article is not None and article.status != Article.Status.HIDDEN:
            # Published again meanwhile, by an editor (the admin's action): their decision stands.
            KeptOut.objects.filter(pk=record.pk).update(let_through=True, let_through_at=timezone.now())
            continue
        if article is not None:
            title, body, url = article.title, article.body, article.url
        else:
            fields = record.draft.get("fields") or {}
            title, body, url = fields.get("title", record.title), fields.get("body", ""), record.url
        verdict = _judge_article(ruleset, names, title, body, url) if ruleset.active else rules.Verdict(True)
        if not verdict.kept:
            rule_id = verdict.rule.id if verdict.rule else None
            if (rule_id, verdict.reason[:300]) != (record.rule_id, record.reason):
                KeptOut.objects.filter(pk=record.pk).update(rule_id=rule_id, reason=verdict.reason[:300])
            continue
        try:
            with transaction.atomic():
                if article is not None:
                    store.set_status([article.pk], Article.Status.PUBLISHED)
                    counts["restored"] += 1
                else:
                    store.store_draft(draft_from(source, record.draft))
                    counts["stored"] += 1
                record.delete()
        except (*ROW_ERRORS, KeyError, TypeError, ValueError) as exc:
            logger.error("kept-out record %s could not be stored: %s", record.pk, exc)


# --- Retention ------------------------------------------------------------------------------------


def prune_kept_out(now: datetime | None = None) -> dict:
    """Forget what was kept out more than NEWSDESK_KEPT_OUT_DAYS ago; returns counts.

    - A record nobody let through is deleted, with its draft: it can no longer be let through.
      Should its entry still be in its feed, the next poll reads it again and records it anew.
    - A record let through keeps its row, which exempts its article when the rules are applied
      again, but not its draft: the article is stored.
    - A record of a stored article that `reapply` hid stays as it is (it holds no draft): it is
      how the article comes back should the rules change."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.NEWSDESK_KEPT_OUT_DAYS)
    old = KeptOut.objects.filter(created_at__lt=cutoff)
    deleted, _by_model = old.filter(let_through=False, article=None).delete()
    slimmed = old.filter(let_through=True).exclude(draft={}).update(draft={})
    return {"deleted": deleted, "slimmed": slimmed}
