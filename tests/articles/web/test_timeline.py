"""A story page tells the story as it arrived: the first report marked, then every later one
with how long after it came, its source, its title and the clubs and players it was first to
name."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import ArticleClub, ArticlePlayer, LinkState
from articles.stories import clustering
from tests.factories import ArticleFactory, ClubFactory, PlayerFactory, SourceFactory, StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    brugge = ClubFactory(slug="club-brugge", name="Club Brugge")
    anderlecht = ClubFactory(slug="anderlecht", name="RSC Anderlecht")
    vanaken = PlayerFactory(slug="hans-vanaken", name="Hans Vanaken", club=brugge)
    mechele = PlayerFactory(slug="brandon-mechele", name="Brandon Mechele", club=brugge)
    story = StoryFactory(slug="de-topper", headline="De topper in Brugge")
    start = timezone.now() - timedelta(days=2)

    def report(source, title, after, clubs=(), players=(), **fields):
        article = ArticleFactory(
            source=SourceFactory(name=source), title=title, published_at=start + after, story=story, **fields
        )
        for club in clubs:
            ArticleClub.objects.create(article=article, club=club)
        for player in players:
            ArticlePlayer.objects.create(article=article, player=player)
        return article

    # Created out of order: the page orders them by when they were published.
    report("Doelpunt", "Vanaken beslist de topper", timedelta(hours=2, minutes=15), [brugge], [vanaken])
    first = report("Sportkrant", "Club Brugge klopt Anderlecht", timedelta(0), [brugge, anderlecht])
    report("De Tribune", "Anderlecht onderuit", timedelta(minutes=45), [anderlecht])
    report("Voetbalkrant", "Mechele: 'Een zege van de groep'", timedelta(days=1, hours=3), [], [vanaken, mechele])
    rejected = report("Doelpunt Extra", "Nabeschouwing", timedelta(days=1, hours=4))
    ArticlePlayer.objects.create(article=rejected, player=mechele, state=LinkState.REJECTED)
    clustering.refresh_stories([story.pk])
    story.refresh_from_db()
    story.lead_article = first
    story.save()
    return story


def entries(html: str) -> list[str]:
    return re.findall(r'<li class="timeline-entry[^"]*">(.*?)</li>\s*(?=<li class="timeline-entry|</ol>)', html, re.S)


def test_the_story_page_is_a_timeline_oldest_first(client, story, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(story.get_absolute_url())
    html = response.content.decode()
    assert "5 bronnen · 5 artikels" in html
    found = entries(html)
    titles = [re.search(r'<h2 class="teaser-title"><a [^>]+>([^<]+)</a>', entry).group(1) for entry in found]
    assert titles == [
        "Club Brugge klopt Anderlecht",
        "Anderlecht onderuit",
        "Vanaken beslist de topper",
        "Mechele: &#x27;Een zege van de groep&#x27;",
        "Nabeschouwing",
    ]
    assert "Eerst gemeld door Sportkrant" in found[0] and 'class="delay"' not in found[0]
    assert html.count("Eerst gemeld door") == 1
    delays = [re.search(r'<strong class="delay">([^<]+)<', entry).group(1) for entry in found[1:]]
    assert delays == ["+45 min", "+2 u 15 min", "+1 d 3 u", "+1 d 4 u"]
    sources = [re.search(r'<span class="source">([^<]+)</span>', entry).group(1) for entry in found[1:]]
    assert sources == ["De Tribune", "Doelpunt", "Voetbalkrant", "Doelpunt Extra"]


def test_each_later_report_shows_the_clubs_and_players_it_named_first(client, story):
    found = entries(client.get(story.get_absolute_url()).content.decode())

    def new(entry):
        return re.findall(r'<a class="chip chip-\w+" href="[^"]+">([^<]+)</a>', entry) if "nieuw:" in entry else []

    # The first report shows what it is about; after it, only what a report adds is "nieuw".
    assert "nieuw:" not in found[0] and ">Club Brugge</a>" in found[0] and ">RSC Anderlecht</a>" in found[0]
    assert [new(entry) for entry in found[1:]] == [
        [],  # Anderlecht again: nothing new
        ["Hans Vanaken"],
        ["Brandon Mechele"],  # Vanaken was named before
        [],  # a link an editor rejected is no mention
    ]
