"""Articles that change after publication: updated in place when their text really changes
(revised_at, a stale index copy, links and story following, "Bijgewerkt om …" on the page),
and left alone when only white space, markup or the entry's date changed."""

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F

from articles.ingest import feeds, landing, store
from articles.models import Article, Source
from articles.templatetags.dates import revised_text
from tests.articles.samples import PARAGRAPHS, article_page, full_content, rss
from tests.factories import ArticleFactory, ClubFactory, SourceFactory

pytestmark = pytest.mark.django_db

LINK = "https://www.sportkrant.example/voetbal/genk-wint"
CHANGED = [*PARAGRAPHS[:-1], "Genk staat nu tweede na een late winning goal van Tolu Arokodare."]


def ingest(feed_server, content: str) -> feeds.FetchReport:
    feed_server.route("/feed.xml", rss([{"title": "Genk wint van Westerlo", "link": LINK, "content": content}]))
    source = Source.objects.first() or SourceFactory(feed_url=feed_server.url("/feed.xml"), fetch_full_text=False)
    return feeds.fetch_and_ingest(source)


def indexed(article: Article) -> Article:
    """As the index pipeline leaves it: its copy current."""
    Article.objects.filter(pk=article.pk).update(indexed_at=F("updated_at"), landing=Article.Landing.SETTLED)
    article.refresh_from_db()
    assert not article.is_index_stale
    return article


def test_a_changed_text_updates_the_article_in_place_and_records_the_revision(feed_server):
    assert ingest(feed_server, full_content()).counts["new"] == 1
    first = indexed(Article.objects.get())
    assert first.revised_at is None
    report = ingest(feed_server, full_content(CHANGED))
    assert report.counts["updated"] == 1
    article = Article.objects.get()
    assert article.pk == first.pk and "late winning goal" in article.body
    assert article.revised_at is not None and article.revised_at > first.published_at
    assert article.is_index_stale  # its index copy follows
    assert article.landing == Article.Landing.LINK  # its links, story and related list follow


@pytest.mark.parametrize(
    "content",
    [
        "".join(f"<p>  {escape(p)}\n </p>" for p in PARAGRAPHS),  # white space
        "<div>" + "<br>".join(escape(p) for p in PARAGRAPHS) + "</div>",  # other tags
        "".join(f"<p><strong>{escape(p[:10])}</strong>{escape(p[10:])}</p>" for p in PARAGRAPHS),  # markup
        "".join(f'<p class="lead"><span>{escape(p)}</span></p>' for p in PARAGRAPHS),
    ],
    ids=["whitespace", "tags", "emphasis", "attributes"],
)
def test_a_change_of_only_white_space_or_markup_is_no_update(feed_server, content):
    ingest(feed_server, full_content())
    first = indexed(Article.objects.get())
    report = ingest(feed_server, content)
    assert report.counts["unchanged"] == 1 and report.counts["updated"] == 0
    article = Article.objects.get()
    assert article.revised_at is None and article.updated_at == first.updated_at
    assert not article.is_index_stale
    assert article.entry_hash != first.entry_hash  # the entry is remembered: not read again next time


def atom(updated: str, page: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Doelpunt.nu</title><id>https://doelpunt-nu.example/</id><updated>{updated}</updated>
  <entry>
    <title>Genk wint van Westerlo</title>
    <link rel="alternate" href="{escape(page)}"/>
    <id>tag:doelpunt-nu.example,2026:1</id>
    <published>2026-11-14T19:00:00Z</published>
    <updated>{updated}</updated>
    <summary>Genk wint met 2-0.</summary>
  </entry>
</feed>"""


def test_a_new_updated_date_reads_the_page_again_and_only_a_new_text_is_a_revision(feed_server):
    """The feed gives a summary; the article is on its page. A new `updated` date with the same
    summary must read the page again (the text may have changed there): the same text is no
    revision, a new one is."""
    page = feed_server.route("/voetbal/genk-wint", article_page("Genk wint van Westerlo"))
    source = SourceFactory(feed_url=feed_server.url("/atom.xml"))
    feed_server.route("/atom.xml", atom("2026-11-14T19:30:00Z", page))
    assert feeds.fetch_and_ingest(source).counts["new"] == 1

    def page_reads():
        return [path for path, _ in feed_server.requests if path == "/voetbal/genk-wint"]

    assert len(page_reads()) == 1
    feed_server.route("/atom.xml", atom("2026-11-14T21:00:00Z", page))
    report = feeds.fetch_and_ingest(Source.objects.get())
    assert len(page_reads()) == 2
    assert report.counts["unchanged"] == 1 and Article.objects.get().revised_at is None
    feed_server.route("/voetbal/genk-wint", article_page("Genk wint van Westerlo", paragraphs=CHANGED))
    feed_server.route("/atom.xml", atom("2026-11-14T22:00:00Z", page))
    assert feeds.fetch_and_ingest(Source.objects.get()).counts["updated"] == 1
    article = Article.objects.get()
    assert "late winning goal" in article.body and article.revised_at is not None
    # The same document again: nothing is read, nothing changes.
    feed_server.requests.clear()
    assert feeds.fetch_and_ingest(Source.objects.get()).counts["unchanged"] == 1
    assert page_reads() == []


def test_after_an_update_the_links_follow_the_new_text(feed_server):
    ClubFactory(name="KRC Genk", slug="genk", aliases=["Genk"])
    ClubFactory(name="KAA Gent", slug="gent", aliases=["Gent"])
    ingest(feed_server, full_content())
    landing.settle()
    article = Article.objects.get()
    assert set(article.club_links.values_list("club__slug", flat=True)) == {"genk"}
    ingest(feed_server, full_content([*PARAGRAPHS, "Volgende week trekt Genk naar KAA Gent."]))
    landing.settle()
    assert set(article.club_links.values_list("club__slug", flat=True)) == {"genk", "gent"}
    assert Article.objects.get().story_id is not None


def test_an_editor_status_change_is_no_revision():
    article = ArticleFactory()
    store.set_status([article.pk], Article.Status.HIDDEN)
    store.set_status([article.pk], Article.Status.PUBLISHED)
    assert Article.objects.get().revised_at is None


def test_the_article_page_and_the_api_say_when_it_was_revised(client, feed_server):
    ingest(feed_server, full_content())
    article = Article.objects.get()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Bijgewerkt" not in page
    assert client.get("/api/articles/").json()["results"][0]["revised_at"] is None
    ingest(feed_server, full_content(CHANGED))
    article.refresh_from_db()
    page = client.get(article.get_absolute_url()).content.decode()
    assert revised_text(article.revised_at) in page and "Bijgewerkt om " in page
    assert 'property="article:modified_time"' in page
    assert client.get("/api/articles/").json()["results"][0]["revised_at"] is not None


def test_the_revision_time_says_the_day_when_it_was_not_today():
    brussels = ZoneInfo("Europe/Brussels")
    now = datetime(2026, 11, 20, 18, 0, tzinfo=brussels)
    assert revised_text(datetime(2026, 11, 20, 14, 5, tzinfo=brussels), now) == "Bijgewerkt om 14:05"
    assert revised_text(datetime(2026, 11, 12, 9, 30, tzinfo=brussels), now) == "Bijgewerkt op 12 november om 09:30"
    assert revised_text(datetime(2025, 12, 31, 23, 0, tzinfo=brussels), now) == (
        "Bijgewerkt op 31 december 2025 om 23:00"
    )
