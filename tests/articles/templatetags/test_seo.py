"""What a page tells search engines and link previews: an article's OpenGraph tags and its
canonical address (the source's original), every other page's canonical address (itself,
without the parameters that only say where a reader came from)."""

import re
from datetime import UTC, datetime

import pytest

from tests.factories import ArticleFactory, ClubFactory, PlayerFactory, StoryFactory

pytestmark = pytest.mark.django_db


def meta(html: str) -> dict[str, str]:
    return dict(re.findall(r'<meta property="([^"]+)" content="([^"]*)">', html))


def canonical(html: str) -> list[str]:
    return re.findall(r'<link rel="canonical" href="([^"]*)">', html)


def test_an_article_page_has_opengraph_tags_and_names_the_original_as_canonical(client):
    article = ArticleFactory(
        title="Genk wint de derby",
        teaser="KRC Genk won zondag met 2-0 van Sint-Truiden.",
        url="https://www.sportkrant.example/genk-wint-de-derby",
        published_at=datetime(2026, 3, 14, 19, 30, tzinfo=UTC),
    )
    html = client.get(article.get_absolute_url() + "?utm_source=facebook").content.decode()
    assert canonical(html) == ["https://www.sportkrant.example/genk-wint-de-derby"]
    assert meta(html) == {
        "og:type": "article",
        "og:title": "Genk wint de derby",
        "og:description": "KRC Genk won zondag met 2-0 van Sint-Truiden.",
        "og:url": f"http://testserver{article.get_absolute_url()}",
        "og:site_name": "newsdesk",
        "og:locale": "nl_BE",
        "article:published_time": "2026-03-14T20:30:00+01:00",
        "article:section": "Voetbal",
    }


def test_opengraph_text_is_escaped(client):
    article = ArticleFactory(title='Het "wonder" van <Genk>', teaser="a & b")
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="Het &quot;wonder&quot; van &lt;Genk&gt;">' in html
    assert '<meta property="og:description" content="a &amp; b">' in html


def test_other_pages_are_canonical_to_themselves_without_tracking_parameters(client):
    club = ClubFactory(slug="krc-genk")
    player = PlayerFactory(slug="bryan-heynen", club=club)
    story = StoryFactory(slug="genk-wint", article_count=1)
    tracking = "utm_source=nieuwsbrief&utm_medium=email&fbclid=abc&gclid=x"
    for path in ["/", club.get_absolute_url(), player.get_absolute_url(), story.get_absolute_url()]:
        html = client.get(f"{path}?{tracking}").content.decode()
        assert canonical(html) == [f"http://testserver{path}"], path
    # What the page shows stays in its address: its page and its filters; page 1 is the page itself.
    html = client.get(f"{club.get_absolute_url()}?page=1&utm_campaign=x").content.decode()
    assert canonical(html) == [f"http://testserver{club.get_absolute_url()}"]
    html = client.get(f"{club.get_absolute_url()}?utm_campaign=x&source=3&page=2").content.decode()
    assert canonical(html) == [f"http://testserver{club.get_absolute_url()}?source=3&amp;page=2"]
