"""Writing articles: the one place that creates or updates an Article row."""

import enum
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.canonical import canonical_url
from articles.cleaning import content_hash, make_teaser, normalize_text, sanitize_html, text_to_html
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


def _find_existing(source: Source, url: str, guid: str) -> Article | None:
    article = Article.objects.filter(url=url).first()
    if article is None and guid:
        article = Article.objects.filter(source=source, guid=guid).first()
    return article


def store_article(
    source: Source,
    *,
    url: str,
    title: str,
    body_text: str = "",
    body_html: str = "",
    guid: str = "",
    author: str = "",
    published_at: datetime | None = None,
    image_url: str = "",
    extraction_note: str = "",
    entry_hash: str = "",
) -> StoreResult:
    """Create, update or leave alone the article at `url`; the database decides who was first."""
    url = canonical_url(url)
    title = " ".join((title or "").split())[:500]
    text = normalize_text(body_text)
    safe_html = sanitize_html(body_html) if body_html else text_to_html(text)
    digest = content_hash(title, text)
    fields = {
        "title": title,
        "body": text,
        "body_html": safe_html,
        "teaser": make_teaser(text or title),
        "author": author[:300],
        "content_hash": digest,
        "image_url": image_url[:1000],
        "extraction_note": extraction_note[:500],
    }

    existing = _find_existing(source, url, guid)
    if existing is not None:
        return _update(existing, fields, digest, entry_hash)

    duplicate_of = (
        Article.objects.filter(content_hash=digest, duplicate_of__isnull=True)
        .exclude(source=source)
        .order_by("id")
        .first()
    )
    try:
        with transaction.atomic():
            article = Article.objects.create(
                source=source,
                url=url,
                guid=guid[:1000],
                published_at=published_at or timezone.now(),
                fetched_at=timezone.now(),
                duplicate_of=duplicate_of,
                entry_hash=entry_hash,
                **fields,
            )
    except IntegrityError:
        # Another worker stored the same article between our look-up and our insert.
        existing = _find_existing(source, url, guid)
        if existing is None:
            raise
        return _update(existing, fields, digest, entry_hash)

    transaction.on_commit(lambda: _article_landed(article.pk))
    return StoreResult(article, Outcome.DUPLICATE if duplicate_of else Outcome.NEW)


def _update(article: Article, fields: dict, digest: str, entry_hash: str) -> StoreResult:
    if article.content_hash == digest and article.title == fields["title"]:
        if entry_hash and article.entry_hash != entry_hash:
            # The entry changed but not its text (a new date, say): remember it, touch nothing else.
            Article.objects.filter(pk=article.pk).update(entry_hash=entry_hash)
        return StoreResult(article, Outcome.UNCHANGED)
    for name, value in fields.items():
        setattr(article, name, value)
    article.entry_hash = entry_hash or article.entry_hash
    article.fetched_at = timezone.now()
    article.save()
    transaction.on_commit(lambda: _article_landed(article.pk))
    return StoreResult(article, Outcome.UPDATED)


def _article_landed(article_id: int) -> None:
    from articles import tasks

    tasks.article_landed.delay(article_id)


def set_status(article_ids, status: str) -> int:
    """Hide or publish articles; their index copies become stale."""
    return Article.objects.filter(pk__in=list(article_ids)).update(status=status, updated_at=timezone.now())
