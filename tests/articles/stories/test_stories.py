"""Story assignment: one event, one story, whatever the source; editors' decisions stay."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.entities import linking
from articles.models import Article, Story
from articles.stories import clustering
from tests.articles.test_admin import run_action
from tests.factories import ArticleFactory, ClubFactory, PlayerFactory, SourceFactory

pytestmark = pytest.mark.django_db

MATCH_A = (
    "Club Brugge klopt Anderlecht in de topper: 3-1",
    "Club Brugge heeft de topper tegen Anderlecht met 3-1 gewonnen. Hans Vanaken kopte blauw-zwart op "
    "voorsprong, Yari Verschaeren maakte gelijk voor Anderlecht. In de slotfase besliste Vanaken de "
    "wedstrijd met een strafschop. De thuisploeg domineerde de tweede helft.",
)
MATCH_B = (
    "Vanaken beslist topper tegen Anderlecht",
    "Hans Vanaken was opnieuw de man van de topper. Na de gelijkmaker van Yari Verschaeren zette de "
    "middenvelder Club Brugge met een strafschop weer op voorsprong, waarna blauw-zwart de 3-1 "
    "vastlegde tegen een moegestreden Anderlecht.",
)
CONTRACT = (
    "Club Brugge verlengt contract van Brandon Mechele",
    "Brandon Mechele heeft zijn contract bij Club Brugge opengebroken tot 2029. De verdediger is al "
    "jaren een vaste waarde achterin en wil zijn loopbaan in Brugge afsluiten, zegt het bestuur.",
)


@pytest.fixture
def world():
    brugge = ClubFactory(slug="club-brugge", name="Club Brugge", aliases=["blauw-zwart"])
    ClubFactory(slug="anderlecht", name="RSC Anderlecht", aliases=["Anderlecht"])
    PlayerFactory(slug="hans-vanaken", name="Hans Vanaken", club=brugge)
    PlayerFactory(slug="yari-verschaeren", name="Yari Verschaeren", club=None)
    PlayerFactory(slug="brandon-mechele", name="Brandon Mechele", club=brugge)
    linking.bump_gazetteer_version()
    return {"krant": SourceFactory(name="Sportkrant"), "site": SourceFactory(name="Doelpunt")}


def land(source, text, when, **extra):
    """Store an article and run what runs when one lands: links, then its story."""
    title, body = text
    article = ArticleFactory(source=source, title=title, body=body, published_at=when, **extra)
    linking.link_article(article)
    clustering.assign_stories([article.pk])
    article.refresh_from_db()
    return article


def test_the_same_match_from_two_sources_hours_apart_is_one_story(world):
    now = timezone.now()
    first = land(world["krant"], MATCH_A, now - timedelta(hours=5))
    second = land(world["site"], MATCH_B, now)
    assert first.story_id is not None and second.story_id == first.story_id
    story = Story.objects.get(pk=first.story_id)
    assert story.lead_article_id == first.pk
    assert (story.first_published_at, story.last_published_at) == (first.published_at, second.published_at)


def test_the_same_club_in_another_event_is_another_story(world):
    now = timezone.now()
    match = land(world["krant"], MATCH_A, now - timedelta(hours=6))
    contract = land(world["site"], CONTRACT, now)  # same day, same club, another event
    later = land(world["site"], MATCH_B, now + timedelta(days=4))  # like the match, but days later
    assert len({match.story_id, contract.story_id, later.story_id}) == 3


def test_a_duplicate_joins_the_story_of_its_original(world):
    now = timezone.now()
    original = land(world["krant"], MATCH_A, now - timedelta(hours=1))
    copy = ArticleFactory(
        source=world["site"], title="Overgenomen", body="Andere tekst.", published_at=now, duplicate_of=original
    )
    clustering.assign_stories([copy.pk])
    copy.refresh_from_db()
    assert copy.story_id == original.story_id


def test_assignment_is_idempotent(world):
    now = timezone.now()
    first = land(world["krant"], MATCH_A, now - timedelta(hours=5))
    second = land(world["site"], MATCH_B, now)
    before = dict(Article.objects.values_list("pk", "story_id"))
    clustering.assign_stories([first.pk, second.pk])
    call_command("restory", stdout=io.StringIO(), stderr=io.StringIO())
    call_command("restory", stdout=io.StringIO(), stderr=io.StringIO())
    assert dict(Article.objects.values_list("pk", "story_id")) == before
    assert Story.objects.count() == 1


def test_editor_split_merge_and_lock_survive_restory(world):
    now = timezone.now()
    first = land(world["krant"], MATCH_A, now - timedelta(hours=5))
    second = land(world["site"], MATCH_B, now - timedelta(hours=4))
    contract = land(world["site"], CONTRACT, now - timedelta(hours=3))
    # Split: the editor moves the second report out to a story of its own.
    own = Story.objects.create(slug="eigen-verhaal", lead_article=second)
    Article.objects.filter(pk=second.pk).update(story=own, story_pinned=True)
    # Merge: the contract news goes into the match story, by hand.
    Article.objects.filter(pk=contract.pk).update(story_id=first.story_id, story_pinned=True)
    # Lock: the match story keeps exactly what it has now.
    Story.objects.filter(pk=first.story_id).update(is_locked=True)
    late = land(world["krant"], MATCH_B, now - timedelta(hours=1))  # would join the match story
    out = io.StringIO()
    call_command("restory", stdout=out, stderr=io.StringIO())
    placed = dict(Article.objects.values_list("pk", "story_id"))
    assert placed[second.pk] == own.pk
    assert placed[contract.pk] == placed[first.pk]
    assert placed[late.pk] not in {placed[first.pk]}
    assert "articles" in out.getvalue()


def test_landing_through_the_pipeline_assigns_stories(world, django_capture_on_commit_callbacks):
    from articles.ingest.store import store_article

    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for source, (title, body), when in [
            (world["krant"], MATCH_A, now - timedelta(hours=3)),
            (world["site"], MATCH_B, now),
        ]:
            store_article(source, url=f"https://{source.pk}.example/a", title=title, body_text=body, published_at=when)
    assert Article.objects.values("story_id").distinct().count() == 1
    assert Article.objects.filter(story__isnull=True).count() == 0


def test_editor_merge_survives_restory(world, admin_client):
    now = timezone.now()
    match = land(world["krant"], MATCH_A, now - timedelta(hours=5))
    contract = land(world["site"], CONTRACT, now - timedelta(hours=3))
    assert match.story_id != contract.story_id
    big, small = Story.objects.get(pk=match.story_id), Story.objects.get(pk=contract.story_id)
    Story.objects.filter(pk=small.pk).update(is_featured=True, featured_order=3)

    run_action(admin_client, Story, "merge", [big, small])
    merged = Story.objects.get()
    assert set(merged.articles.values_list("pk", flat=True)) == {match.pk, contract.pk}
    assert (merged.article_count, merged.source_count, merged.is_featured, merged.featured_order) == (2, 2, True, 3)

    call_command("restory", stdout=io.StringIO(), stderr=io.StringIO())
    assert set(Article.objects.values_list("story_id", flat=True)) == {merged.pk}


def test_editor_split_survives_restory(world, admin_client):
    now = timezone.now()
    first = land(world["krant"], MATCH_A, now - timedelta(hours=5))
    second = land(world["site"], MATCH_B, now - timedelta(hours=1))
    assert first.story_id == second.story_id

    run_action(admin_client, Article, "split_off", [second])
    second.refresh_from_db()
    assert second.story_id != first.story_id and second.story_pinned
    assert Story.objects.get(pk=first.story_id).article_count == 1
    assert Story.objects.get(pk=second.story_id).lead_article_id == second.pk

    call_command("restory", stdout=io.StringIO(), stderr=io.StringIO())
    first.refresh_from_db(), second.refresh_from_db()
    assert first.story_id != second.story_id


def test_lead_article_must_belong_to_the_story(world, admin_client):
    now = timezone.now()
    match = land(world["krant"], MATCH_A, now - timedelta(hours=5))
    other = land(world["site"], MATCH_B, now - timedelta(hours=1))
    contract = land(world["site"], CONTRACT, now)
    story = Story.objects.get(pk=match.story_id)
    form = {
        "headline": "De topper",
        "slug": story.slug,
        "featured_order": 0,
        "articles-TOTAL_FORMS": 0,
        "articles-INITIAL_FORMS": 0,
    }
    url = f"/admin/articles/story/{story.pk}/change/"
    refused = admin_client.post(url, {**form, "lead_article": contract.pk})
    assert refused.status_code == 200 and "moet een artikel uit dit verhaal zijn" in refused.content.decode()
    admin_client.post(url, {**form, "lead_article": other.pk})
    story.refresh_from_db()
    assert (story.lead_article_id, story.display_headline) == (other.pk, "De topper")
