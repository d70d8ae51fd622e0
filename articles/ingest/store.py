"""Writing articles: the one place that creates or updates Article rows."""

import enum
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from articles import hooks
from articles.ingest import landing
from articles.ingest.canonical import canonical_url
from articles.ingest.cleaning import content_hash, make_teaser, normalize_text, sanitize_html, text_to_html
from articles.ingest.images import LeadImage
from articles.models import Article, Source


class Outcome(enum.StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"


@dataclass
class StoreResult:
    article: Article
    outcome: Outcome


@dataclass
class Draft:
    """An article as it will be stored: canonical URL, cleaned text, hashes."""

    source: Source
    url: str
    guid: str
    published_at: datetime | None
    fields: dict
    entry_hash: str = ""

    @property
    def digest(self) -> str:
        return self.fields["content_hash"]


def draft(
    source: Source,
    *,
    url: str,
    title: str,
    body_text: str = "",
    body_html: str = "",
    guid: str = "",
    author: str = "",
    published_at: datetime | None = None,
    image: LeadImage | None = None,
    extraction_note: str = "",
    entry_hash: str = "",
) -> Draft:
    title = " ".join((title or "").split())[:500]
    text = normalize_text(body_text)
    return Draft(
        source=source,
        url=canonical_url(url),
        guid=guid[:1000],
        published_at=published_at,
        entry_hash=entry_hash,
        fields={
            "title": title,
            "body": text,
            "body_html": sanitize_html(body_html) if body_html else text_to_html(text),
            "teaser": make_teaser(text or title),
            "author": author[:300],
            "content_hash": content_hash(title, text),
            "extraction_note": extraction_note[:500],
            # Only with an image: an entry that names none leaves the stored one (or an editor's).
            **(image_fields(image) if image else {}),
        },
    )


def image_fields(image: LeadImage) -> dict:
    return {"image_url": image.url, "image_width": image.width, "image_height": image.height, "image_alt": image.alt}


def store_article(source: Source, **kwargs) -> StoreResult:
    """Create, update or leave alone the article at `url`; the database decides who was first."""
    return store_draft(draft(source, **kwargs))


def _find_existing(d: Draft) -> Article | None:
    article = Article.objects.filter(url=d.url).first()
    if article is None and d.guid:
        article = Article.objects.filter(source=d.source, guid=d.guid).first()
    return article


def _original_of(d: Draft) -> Article | None:
    """The first article with the same text from another source, if any."""
    return (
        Article.objects.filter(content_hash=d.digest, duplicate_of__isnull=True)
        .exclude(source=d.source)
        .order_by("id")
        .first()
    )


def new_article(d: Draft, duplicate_of: Article | None) -> Article:
    now = timezone.now()
    return Article(
        source=d.source,
        url=d.url,
        guid=d.guid,
        slug=slugify(d.fields["title"])[:120] or "artikel",
        published_at=d.published_at or now,
        fetched_at=now,
        updated_at=now,
        duplicate_of=duplicate_of,
        entry_hash=d.entry_hash,
        **d.fields,
    )


def store_draft(d: Draft) -> StoreResult:
    existing = _find_existing(d)
    if existing is not None:
        return _update(existing, d)
    duplicate_of = _original_of(d)
    try:
        with transaction.atomic():
            article = new_article(d, duplicate_of)
            article.save()
    except IntegrityError:
        # Another worker stored the same article between our look-up and our insert.
        existing = _find_existing(d)
        if existing is None:
            raise
        return _update(existing, d)
    transaction.on_commit(lambda: landing.landed([article.pk]))
    return StoreResult(article, Outcome.DUPLICATE if duplicate_of else Outcome.NEW)


def store_drafts(drafts: list[Draft]) -> list[StoreResult]:
    """Many articles at once (imports): a few queries and one insert for all the new ones."""
    by_url = {a.url: a for a in Article.objects.filter(url__in=[d.url for d in drafts])}
    originals: dict[str, Article] = {}
    for article in Article.objects.filter(
        content_hash__in={d.digest for d in drafts}, duplicate_of__isnull=True
    ).order_by("-id"):
        originals[article.content_hash] = article  # the lowest id wins
    taken = set(Article.objects.filter(guid__in=[d.guid for d in drafts if d.guid]).values_list("source_id", "guid"))
    results: dict[int, StoreResult] = {}
    fresh: list[tuple[int, Draft, Article | None]] = []
    later: list[tuple[int, Draft]] = []
    batch_urls, batch_hashes = set(), set()
    for position, d in enumerate(drafts):
        guid_key = (d.source.pk, d.guid)
        if d.url in by_url:
            results[position] = _update(by_url[d.url], d)
        elif d.url in batch_urls or d.digest in batch_hashes or (d.guid and guid_key in taken):
            later.append((position, d))  # depends on another row of this batch, or known by its GUID
        else:
            original = originals.get(d.digest)
            fresh.append((position, d, original if original and original.source_id != d.source.pk else None))
            batch_urls.add(d.url)
            batch_hashes.add(d.digest)
            if d.guid:
                taken.add(guid_key)
    try:
        with transaction.atomic():
            created = Article.objects.bulk_create([new_article(d, original) for _, d, original in fresh])
    except IntegrityError:
        # Someone stored one of these meanwhile: fall back to one at a time, which sorts it out.
        return [store_draft(d) for d in drafts]
    for (position, _, original), article in zip(fresh, created, strict=True):
        results[position] = StoreResult(article, Outcome.DUPLICATE if original else Outcome.NEW)
    for position, d in later:
        results[position] = store_draft(d)
    ids = [article.pk for article in created]
    if ids:
        transaction.on_commit(lambda: landing.landed(ids))
    return [results[position] for position in range(len(drafts))]


# A row the database refuses (a value it cannot hold, a constraint): that row's problem alone.
# A dropped connection (OperationalError) is everyone's problem and is raised.
ROW_ERRORS = (DataError, IntegrityError)


def store_batch(drafts: list[Draft]) -> list[StoreResult | DatabaseError]:
    """Store a feed's worth of drafts with a few queries (store_drafts); when the database
    refuses one row, store them one at a time so that only that row fails (its error is
    returned in its place) and the others are kept."""
    try:
        with transaction.atomic():
            return store_drafts(drafts)
    except ROW_ERRORS:
        pass
    results: list[StoreResult | DatabaseError] = []
    for d in drafts:
        try:
            with transaction.atomic():
                results.append(store_draft(d))
        except ROW_ERRORS as exc:
            results.append(exc)
    return results


IMAGE_FIELDS = ("image_url", "image_width", "image_height", "image_alt")


def _update(article: Article, d: Draft, *, revision: bool = True) -> StoreResult:
    """Store `d` over `article` when its title, text or image changed. The text compares by
    content hash, which white space, markup and capitals do not change: those alone are no
    update. A new title or text is a revision (pages say "Bijgewerkt om …"), unless the caller
    says the article itself did not change (`revision=False`: our reading of it did)."""
    same_image = all(getattr(article, name) == d.fields[name] for name in IMAGE_FIELDS if name in d.fields)
    same_text = article.content_hash == d.digest and article.title == d.fields["title"]
    if same_text and same_image:
        if d.entry_hash and article.entry_hash != d.entry_hash:
            # The entry changed but not its text (a new date, say): remember it, touch nothing else.
            Article.objects.filter(pk=article.pk).update(entry_hash=d.entry_hash)
        return StoreResult(article, Outcome.UNCHANGED)
    for name, value in d.fields.items():
        setattr(article, name, value)
    article.entry_hash = d.entry_hash or article.entry_hash
    article.fetched_at = timezone.now()
    if revision and not same_text:
        article.revised_at = article.fetched_at
    article.landing = Article.Landing.LINK  # recorded with the change: its follow-up is due again
    article.save()
    transaction.on_commit(lambda: landing.landed([article.pk]))
    transaction.on_commit(lambda: hooks.texts_changed.send(sender=__name__, article_ids=[article.pk]))
    return StoreResult(article, Outcome.UPDATED)


def set_status(article_ids, status: str) -> int:
    """Hide or publish articles; their index copies become stale, their stories recounted."""
    from articles.stories.clustering import refresh_stories
    from search.indexing import request_indexing

    request_indexing()
    articles = Article.objects.filter(pk__in=list(article_ids))
    count = articles.update(status=status, updated_at=timezone.now())
    refresh_stories(set(articles.exclude(story=None).values_list("story_id", flat=True)))
    return count


def update_article(article: Article, d: Draft, *, revision: bool) -> StoreResult:
    """Store `d` over the existing `article` (as ingestion updates one); `revision`: whether a
    new text is the publisher's revision of the article (False: only our reading of it changed,
    as in a re-extraction)."""
    return _update(article, d, revision=revision)
