"""What editors do to stories in the admin: merge, split off, move, re-lead.

Every article an editor places is pinned (`story_pinned`), so automatic clustering and
`restory` never move it again; the stories involved get fresh counts and dates, their
articles fresh related lists, and cached sidebars are retired.
"""

from django.db import transaction

from articles.models import Article, Story, StoryRedirect
from articles.stories import clustering, related


def _settle(story_ids, moved_ids) -> None:
    """After editors moved articles: counts, leads, related lists, index copies, sidebars."""
    story_ids = {pk for pk in story_ids if pk}
    if moved_ids:
        Article.objects.filter(pk__in=list(moved_ids)).mark_index_stale()  # the story is in the index
    clustering.refresh_stories(story_ids)
    transaction.on_commit(lambda: related.refresh_stories(story_ids))


@transaction.atomic
def merge(chosen: list[Story]) -> Story:
    """One story from several: the biggest (then the oldest) keeps its address, headline and
    place on the front page; the others' articles join it and the emptied stories go. Their
    addresses (and those of stories merged into them before) redirect to it from now on."""
    target = max(chosen, key=lambda story: (story.article_count, -story.pk))
    others = [story for story in chosen if story.pk != target.pk]
    moved = list(Article.objects.filter(story__in=others).values_list("pk", flat=True))
    Article.objects.filter(story__in=others).update(story=target)
    # The whole merged story is the editor's decision, its original articles included.
    Article.objects.filter(story=target).update(story_pinned=True)
    featured = [story for story in chosen if story.is_featured]
    if featured and not target.is_featured:
        target.is_featured = True
        target.featured_order = min(story.featured_order for story in featured)
        target.save(update_fields=["is_featured", "featured_order", "updated_at"])
    redirect_to(target, others)
    Story.objects.filter(pk__in=[story.pk for story in others]).delete()
    _settle({target.pk}, moved)
    return target


def redirect_to(target: Story, absorbed: list[Story]) -> None:
    """The absorbed stories' addresses, and every address that led to them, now lead to `target`
    (one hop: chains collapse). Called before the absorbed stories are deleted."""
    StoryRedirect.objects.filter(story__in=absorbed).update(story=target)
    for story in absorbed:
        StoryRedirect.objects.update_or_create(old_slug=story.slug, defaults={"story": target})
    StoryRedirect.objects.filter(old_slug=target.slug).delete()  # its own address is live again


def renamed(story: Story, old_slug: str) -> None:
    """An editor gave a story another slug: the old address keeps leading to it."""
    if old_slug and old_slug != story.slug:
        StoryRedirect.objects.filter(old_slug=story.slug).delete()  # the live story has it now
        StoryRedirect.objects.update_or_create(old_slug=old_slug, defaults={"story": story})


@transaction.atomic
def split_off(article_ids) -> Story:
    """The given articles leave their stories for a new one of their own (oldest one leads)."""
    articles = list(Article.objects.filter(pk__in=list(article_ids)).order_by("published_at", "pk"))
    if not articles:
        raise ValueError("no articles to split off")
    story = clustering.create_story(articles[0])
    previous = {article.story_id for article in articles}
    Article.objects.filter(pk__in=[a.pk for a in articles]).update(story=story, story_pinned=True)
    _settle(previous | {story.pk}, [a.pk for a in articles])
    story.refresh_from_db()
    return story


def moved_in_admin(article: Article, previous_story_id: int | None) -> None:
    """An editor changed one article's story on its admin page (the admin pins it)."""
    _settle({previous_story_id, article.story_id}, [article.pk])


def story_edited(story: Story) -> None:
    """Headline, lead, feature or lock changed: fresh lists everywhere the story shows."""
    clustering.refresh_stories({story.pk})
