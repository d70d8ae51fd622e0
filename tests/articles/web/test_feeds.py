"""The Atom feeds as a feed reader reads them: the article's own time, and a self link that
names the feed itself (its query included)."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import ArticleClub
from tests.factories import ArticleFactory, ClubFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def genk_article():
    club = ClubFactory(slug="krc-genk", name="KRC Genk")
    published = timezone.make_aware(datetime.datetime(2026, 3, 14, 20, 30))
    article = ArticleFactory(title="Genk wint de derby", body="KRC Genk wint de derby.", published_at=published)
    ArticleClub.objects.create(article=article, club=club)
    call_command("rebuild_index", "--quiet")
    return article


def entries(client, url):
    feed = ET.fromstring(client.get(url).content)  # noqa: S314 - our own feed
    return feed, feed.findall(f"{ATOM}entry")


@pytest.mark.parametrize("url", ["/clubs/krc-genk/feed/", "/search/feed/?q=genk"])
def test_entries_carry_the_time_the_article_was_published_not_imported(client, genk_article, url):
    _, [entry] = entries(client, url)
    for name in ("updated", "published"):
        assert datetime.datetime.fromisoformat(entry.find(f"{ATOM}{name}").text) == genk_article.published_at


@pytest.mark.parametrize("url", ["/feed/", "/clubs/krc-genk/feed/", "/search/feed/?q=genk"])
def test_a_revised_article_is_updated_at_its_revision_and_still_published_when_it_was(client, genk_article, url):
    from articles.models import Article

    revised = genk_article.published_at + datetime.timedelta(hours=2)
    Article.objects.filter(pk=genk_article.pk).update(revised_at=revised)
    feed, [entry] = entries(client, url)
    assert datetime.datetime.fromisoformat(entry.find(f"{ATOM}updated").text) == revised
    assert datetime.datetime.fromisoformat(entry.find(f"{ATOM}published").text) == genk_article.published_at
    assert datetime.datetime.fromisoformat(feed.find(f"{ATOM}updated").text) == revised  # the feed's newest


def test_the_search_feed_names_itself_with_its_query(client, genk_article):
    feed, _ = entries(client, "/search/feed/?q=genk&club=krc-genk")
    [self_link] = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link.get("href").endswith("/search/feed/?q=genk&club=krc-genk")


def test_the_site_feed_lists_the_newest_published_articles_as_plain_text(client, django_assert_max_num_queries):
    from datetime import timedelta

    from articles.models import Article

    now = timezone.now()
    older = ArticleFactory(title="Ouder nieuws", published_at=now - timedelta(hours=2))
    newest = ArticleFactory(title="Nieuwste nieuws", teaser="<b>vet</b> & meer", published_at=now - timedelta(hours=1))
    ArticleFactory(title="Verborgen", published_at=now, status=Article.Status.HIDDEN)
    ArticleFactory(title="Kopie", published_at=now, duplicate_of=older)
    with django_assert_max_num_queries(2):
        response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed, found = entries(client, "/feed/")
    assert [entry.find(f"{ATOM}title").text for entry in found] == ["Nieuwste nieuws", "Ouder nieuws"]
    summary = found[0].find(f"{ATOM}summary")
    assert (summary.get("type"), summary.text) == ("text", "<b>vet</b> & meer")
    for name in ("updated", "published"):
        assert datetime.datetime.fromisoformat(found[0].find(f"{ATOM}{name}").text) == newest.published_at
    assert datetime.datetime.fromisoformat(feed.find(f"{ATOM}updated").text) == newest.published_at
    assert found[0].find(f"{ATOM}author/{ATOM}name").text == newest.source.name
    assert found[0].find(f"{ATOM}link").get("href") == f"http://testserver{newest.get_absolute_url()}"


def test_every_page_names_the_site_feed(client):
    html = client.get("/").content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="newsdesk: het laatste voetbalnieuws" href="/feed/">'
        in html
    )
