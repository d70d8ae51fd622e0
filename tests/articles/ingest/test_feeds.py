"""Feeds fetched over real HTTP from a loopback server, parsed, extracted and stored."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.ingest import feeds
from articles.models import Article, Source
from tests.articles.samples import BOILERPLATE, PARAGRAPHS, article_page, atom, full_content, rss
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def source_for(feed_server, path="/feed.xml", **kwargs):
    return SourceFactory(feed_url=feed_server.url(path), **kwargs)


def test_rss_with_full_content_is_ingested_without_fetching_pages(feed_server):
    link = "https://www.sportkrant.example/voetbal/genk-wint"
    feed_server.route("/feed.xml", rss([{"title": "Genk wint van Westerlo", "link": link, "content": full_content()}]))
    source = source_for(feed_server)
    report = feeds.fetch_and_ingest(source)
    assert report.counts["new"] == 1
    article = Article.objects.get()
    assert article.url == link
    assert article.title == "Genk wint van Westerlo"
    assert PARAGRAPHS[3] in article.body
    assert article.teaser.endswith("...") and len(article.teaser) <= 115
    assert article.published_at.isoformat().startswith("2026-11-14T19:00:00")
    assert [path for path, _ in feed_server.requests] == ["/feed.xml"]


def test_atom_feed_is_ingested(feed_server):
    feed_server.route(
        "/atom.xml",
        atom([{"title": "Club Brugge wint", "link": "https://doelpunt-nu.example/a/1", "content": full_content()}]),
    )
    report = feeds.fetch_and_ingest(source_for(feed_server, "/atom.xml"))
    assert report.counts["new"] == 1
    article = Article.objects.get()
    assert article.author == "Redactie"
    assert article.guid == "https://doelpunt-nu.example/a/1"


def test_summary_only_feed_gets_the_full_text_from_the_page_without_boilerplate(feed_server):
    page = feed_server.route("/voetbal/genk-wint", article_page("Genk wint van Westerlo"))
    feed_server.route(
        "/feed.xml", rss([{"title": "Genk wint van Westerlo", "link": page, "summary": "Genk wint met 2-0."}])
    )
    feeds.fetch_and_ingest(source_for(feed_server))
    article = Article.objects.get()
    for paragraph in PARAGRAPHS:
        assert paragraph in article.body
    for noise in [*BOILERPLATE, "Ander nieuws nummer", "Wielrennen"]:
        assert noise not in article.body, noise
    assert article.extraction_note == ""
    assert "<p>" in article.body_html


def test_page_canonical_link_is_preferred_and_tracking_is_stripped(feed_server):
    canonical = feed_server.url("/voetbal/genk-wint-van-westerlo")
    page = feed_server.route("/p?id=7", article_page("Genk wint", canonical=canonical + "?utm_source=rss"))
    feed_server.route("/feed.xml", rss([{"title": "Genk wint", "link": page + "&utm_medium=feed", "summary": "x"}]))
    feed_server.route("/p?id=7&utm_medium=feed", article_page("Genk wint", canonical=canonical + "?utm_source=rss"))
    feeds.fetch_and_ingest(source_for(feed_server))
    assert Article.objects.get().url == canonical


def test_canonical_pointing_to_another_site_is_ignored(feed_server):
    page = feed_server.route("/voetbal/x", article_page("Genk wint", canonical="https://elders.example/artikel"))
    feed_server.route("/feed.xml", rss([{"title": "Genk wint", "link": page, "summary": "x"}]))
    feeds.fetch_and_ingest(source_for(feed_server))
    assert Article.objects.get().url == page


def test_css_selector_overrides_extraction(feed_server):
    page = feed_server.route("/voetbal/x", article_page("Genk wint"))
    feed_server.route("/feed.xml", rss([{"title": "Genk wint", "link": page, "summary": "x"}]))
    feeds.fetch_and_ingest(source_for(feed_server, content_selector="div.article-body"))
    article = Article.objects.get()
    assert article.body.splitlines() == PARAGRAPHS


def test_failed_extraction_keeps_the_feed_text_and_says_why(feed_server):
    page = feed_server.route("/voetbal/x", "<html><body><p>Te kort.</p></body></html>")
    feed_server.route("/feed.xml", rss([{"title": "Genk wint", "link": page, "summary": "Genk wint met 2-0."}]))
    feeds.fetch_and_ingest(source_for(feed_server))
    article = Article.objects.get()
    assert article.body == "Genk wint met 2-0."
    assert "the page's text is shorter" in article.extraction_note


def test_page_without_any_text_keeps_the_feed_text_and_says_why(feed_server):
    page = feed_server.route("/voetbal/x", "<html><body><nav><a href='/'>Home</a></nav></body></html>")
    feed_server.route("/feed.xml", rss([{"title": "Genk wint", "link": page, "summary": "Genk wint met 2-0."}]))
    feeds.fetch_and_ingest(source_for(feed_server))
    article = Article.objects.get()
    assert article.body == "Genk wint met 2-0."
    assert "kept the feed's text" in article.extraction_note


def test_short_article_page_is_kept_when_the_feed_has_only_a_title(feed_server):
    # Precision-first extraction kept nothing under 150 characters; the page's short text is
    # still more than the feed's nothing.
    page = feed_server.route(
        "/voetbal/kort",
        "<html><body><article><p>Genk wint met 2-0 van Westerlo na twee goals van Hrosovsky.</p>"
        "</article></body></html>",
    )
    feed_server.route("/feed.xml", rss([{"title": "Genk wint", "link": page, "summary": ""}]))
    feeds.fetch_and_ingest(source_for(feed_server))
    article = Article.objects.get()
    assert article.body == "Genk wint met 2-0 van Westerlo na twee goals van Hrosovsky."
    assert article.extraction_note == ""


def test_missing_page_keeps_the_feed_text(feed_server):
    feed_server.route("/feed.xml", rss([{"title": "Genk wint", "link": feed_server.url("/weg"), "summary": "Kort."}]))
    feeds.fetch_and_ingest(source_for(feed_server))
    assert "HTTP 404" in Article.objects.get().extraction_note


def test_entry_seen_twice_changes_nothing_and_changed_text_updates(feed_server):
    item = {"title": "Genk wint", "link": "https://www.sportkrant.example/a", "content": full_content()}
    feed_server.route("/feed.xml", rss([item]))
    source = source_for(feed_server)
    assert feeds.fetch_and_ingest(source).counts["new"] == 1
    first = Article.objects.get()
    assert feeds.fetch_and_ingest(Source.objects.get()).counts["unchanged"] == 1
    assert Article.objects.get().updated_at == first.updated_at
    changed = [*PARAGRAPHS[:-1], "Genk staat nu tweede na een late winning goal."]
    feed_server.route("/feed.xml", rss([{**item, "content": full_content(changed)}]))
    assert feeds.fetch_and_ingest(Source.objects.get()).counts["updated"] == 1
    article = Article.objects.get()
    assert "late winning goal" in article.body
    assert article.updated_at > first.updated_at


def test_same_text_from_two_sources_is_a_duplicate_of_the_first(feed_server):
    content = full_content()
    feed_server.route("/a.xml", rss([{"title": "Genk wint", "link": "https://a.example/1", "content": content}]))
    feed_server.route("/b.xml", rss([{"title": "Genk wint", "link": "https://b.example/9", "content": content}]))
    feeds.fetch_and_ingest(source_for(feed_server, "/a.xml"))
    report = feeds.fetch_and_ingest(source_for(feed_server, "/b.xml"))
    assert report.counts["duplicate"] == 1
    first, second = Article.objects.order_by("id")
    assert second.duplicate_of == first
    assert list(Article.objects.published()) == [first]


def test_bozo_feed_with_entries_is_ingested_and_the_warning_recorded(feed_server):
    body = rss([{"title": "Genk wint", "link": "https://a.example/1", "content": full_content()}])
    body = body.replace(b"<description>Het laatste", b"<description>Het & laatste")  # a bare ampersand
    feed_server.route("/feed.xml", body)
    source = source_for(feed_server)
    report = feeds.fetch_and_ingest(source)
    assert report.counts["new"] == 1
    source.refresh_from_db()
    assert "ill-formed" in source.last_warning
    assert source.last_error == ""


def test_empty_document_is_a_source_error_with_exponential_backoff(feed_server):
    feed_server.route("/feed.xml", b"")
    source = source_for(feed_server)
    before = timezone.now()
    assert feeds.fetch_and_ingest(source).source_failed
    source.refresh_from_db()
    assert "not a readable feed" in source.last_error
    assert source.error_count == 1
    first_delay = source.next_fetch_at - before
    assert first_delay >= source.fetch_interval * 2 - timedelta(seconds=1)
    feeds.fetch_and_ingest(source)
    source.refresh_from_db()
    assert source.error_count == 2
    assert source.next_fetch_at - timezone.now() >= source.fetch_interval * 4 - timedelta(seconds=2)
    # The next success clears the error.
    feed_server.route("/feed.xml", rss([{"title": "Genk wint", "link": "https://a.example/1", "content": "<p>x</p>"}]))
    feeds.fetch_and_ingest(source)
    source.refresh_from_db()
    assert (source.error_count, source.last_error) == (0, "")
    assert source.last_success_at is not None


def test_backoff_is_capped_at_a_day(feed_server):
    feed_server.route("/feed.xml", b"<html>geen feed</html>")
    source = source_for(feed_server, error_count=30)
    feeds.fetch_and_ingest(source)
    source.refresh_from_db()
    assert source.next_fetch_at - timezone.now() <= timedelta(hours=24)


@pytest.mark.parametrize("encoding", ["windows-1252", "iso-8859-1"])
def test_feed_in_a_legacy_encoding(feed_server, encoding):
    title = "Charleroi wint, Genk blijft tweede: één punt verschil"
    body = "<p>Scheidsrechter Lambrechts floot een penalty; Hazard scoorde. Café Bosuil was vol.</p>"
    feed_server.route("/feed.xml", rss([{"title": title, "link": "https://a.example/1", "content": body}], encoding))
    feeds.fetch_and_ingest(source_for(feed_server))
    article = Article.objects.get()
    assert article.title == title
    assert "Café Bosuil" in article.body


def test_legacy_encoding_declared_only_in_the_http_header(feed_server):
    body = rss([{"title": "Brugge wint één derby", "link": "https://a.example/1", "content": "<p>Café</p>"}], "utf-8")
    body = body.replace(b' encoding="utf-8"', b"").replace("één".encode(), "één".encode("iso-8859-1"))
    body = body.replace("Café".encode(), "Café".encode("iso-8859-1"))
    feed_server.route("/feed.xml", body, headers={"Content-Type": "application/rss+xml; charset=iso-8859-1"})
    feeds.fetch_and_ingest(source_for(feed_server))
    assert Article.objects.get().title == "Brugge wint één derby"


def test_scripts_in_feed_content_never_reach_stored_html(feed_server, client):
    hostile = (
        '<p onclick="steal()">Genk wint</p><script>alert(1)</script>'
        '<a href="javascript:alert(2)">klik</a><img src="x" onerror="alert(3)"><iframe src="https://x.example"></iframe>'
    )
    feed_server.route(
        "/feed.xml",
        rss([{"title": "<b>Genk</b> wint<script>x()</script>", "link": "https://a.example/1", "content": hostile}]),
    )
    feeds.fetch_and_ingest(source_for(feed_server))
    article = Article.objects.get()
    for bad in ["<script", "onclick", "onerror", "javascript:", "<iframe"]:
        assert bad not in article.body_html.lower()
    page = client.get(article.get_absolute_url()).content.decode().lower()
    assert "<script>x()" not in page and "alert(1)" not in page


def test_entries_without_links_are_stored_under_the_feed_site(feed_server):
    body = rss([{"title": "Kort nieuws", "link": "", "content": "<p>Union wint opnieuw.</p>", "guid": "k-1"}])
    feed_server.route("/feed.xml", body)
    feeds.fetch_and_ingest(source_for(feed_server))
    article = Article.objects.get()
    assert article.url.startswith("https://www.sportkrant.example/?newsdesk-entry=")
    assert len(feed_server.requests) == 1  # no page to fetch for it


def test_fetch_sources_command_prints_counts_and_fails_on_a_broken_source(feed_server, capsys):
    feed_server.route("/ok.xml", rss([{"title": "Genk wint", "link": "https://a.example/1", "content": "<p>x</p>"}]))
    feed_server.route("/broken.xml", b"<rss><channel><item>", status=200)
    ok = source_for(feed_server, "/ok.xml", name="Goede bron")
    source_for(feed_server, "/broken.xml", name="Kapotte bron")
    with pytest.raises(CommandError, match="1 source"):
        call_command("fetch_sources")
    out, err = capsys.readouterr()
    assert f"{ok.pk} Goede bron: 1 new, 0 updated, 0 unchanged, 0 duplicate, 0 failed" in out
    assert "Kapotte bron" in err
    call_command("fetch_sources", "--source", str(ok.pk))
    assert "0 new, 0 updated, 1 unchanged" in capsys.readouterr().out


def test_conditional_get_sends_validators_and_a_304_parses_nothing(feed_server):
    body = rss([{"title": "Genk wint", "link": "https://a.example/1", "content": "<p>x</p>"}])

    def respond(headers):
        if headers.get("if-none-match") == '"v1"':
            from tests.feedserver import Route

            return Route(b"", 304, {"ETag": '"v1"'})
        return None

    feed_server.route(
        "/feed.xml", body, headers={"ETag": '"v1"', "Last-Modified": "Sat, 14 Nov 2026 19:00:00 GMT"}, respond=respond
    )
    source = source_for(feed_server)
    feeds.fetch_and_ingest(source)
    source.refresh_from_db()
    assert source.etag == '"v1"'
    Article.objects.all().delete()
    report = feeds.fetch_and_ingest(source)
    assert report.counts == {"new": 0, "updated": 0, "unchanged": 0, "duplicate": 0, "failed": 0, "kept_out": 0}
    assert not Article.objects.exists()
    _, headers = feed_server.requests[-1]
    assert headers["if-none-match"] == '"v1"'
    assert headers["if-modified-since"] == "Sat, 14 Nov 2026 19:00:00 GMT"
    assert "newsdesk" in headers["user-agent"]


@pytest.mark.django_db(transaction=True)  # real commits: a fetch run lands its articles as in production
def test_a_fetch_run_links_every_article_puts_it_in_a_story_and_relates_it(feed_server):
    """fetch_sources links and stories articles in batches and relates them at the end of the
    run: the last, incomplete batch must land too."""
    from tests.factories import ClubFactory

    ClubFactory(name="KRC Genk", aliases=["Genk"])
    ClubFactory(name="KVC Westerlo", aliases=["Westerlo"])
    match = "KRC Genk won zaterdag met 2-0 van KVC Westerlo. Twee doelpunten na de rust beslisten de wedstrijd."
    for name in ("a", "b"):
        entry = {"title": f"Genk wint van Westerlo ({name})", "link": f"https://{name}.example/1"}
        feed_server.route(f"/{name}.xml", rss([{**entry, "content": f"<p>{match}</p><p>Verslag van {name}.</p>"}]))
        source_for(feed_server, f"/{name}.xml", name=f"Bron {name}")
    call_command("fetch_sources")
    first, second = Article.objects.order_by("pk")
    assert {link.club.name for link in first.club_links.select_related("club")} == {"KRC Genk", "KVC Westerlo"}
    assert first.story_id is not None and first.story_id == second.story_id
    assert second.pk in first.related_ids and first.pk in second.related_ids


def _summary_feed(feed_server, path, names):
    """A summary-only feed whose entries' pages are served (their text comes from the page)."""
    items = []
    for name in names:
        page = feed_server.route(f"/voetbal/{name}", article_page(f"Verslag {name}"))
        items.append({"title": f"Verslag {name}", "link": page, "summary": "Kort."})
    feed_server.route(path, rss(items))


def test_a_run_of_feeds_is_one_stream_and_a_broken_feed_costs_only_itself(feed_server):
    """fetch_and_ingest_all: every source's report, in order; the pages of all feeds come
    through one stream of threads, each article stored once with its page's text."""
    _summary_feed(feed_server, "/a.xml", ["a1", "a2", "a3"])
    feed_server.route("/kapot.xml", b"<html>geen feed</html>")
    _summary_feed(feed_server, "/b.xml", ["b1", "b2"])
    sources = [source_for(feed_server, f"/{name}.xml", name=name) for name in ("a", "kapot", "b")]
    reports = feeds.fetch_and_ingest_all(Source.objects.order_by("pk"), extract_processes=1)
    assert [source.name for source, _ in reports] == ["a", "kapot", "b"]
    counts = {source.name: (report.counts["new"], report.source_failed) for source, report in reports}
    assert counts == {"a": (3, False), "kapot": (0, True), "b": (2, False)}
    stored = Article.objects.order_by("pk")
    assert [a.title for a in stored] == ["Verslag a1", "Verslag a2", "Verslag a3", "Verslag b1", "Verslag b2"]
    assert all(a.extraction_note == "" and PARAGRAPHS[0] in a.body for a in stored)
    assert {a.source_id for a in stored} == {sources[0].pk, sources[2].pk}
    assert "not a readable feed" in Source.objects.get(name="kapot").last_error


def test_a_batch_stores_what_it_can_and_hands_back_entries_whose_page_is_down(feed_server):
    """A worker's batch (retry_unreachable): a page answering 503 is not stored with the feed's
    text yet; its entry comes back for a later try, and the others are stored at once."""
    _summary_feed(feed_server, "/feed.xml", ["een", "twee", "drie"])
    feed_server.route("/voetbal/twee", b"even niet", status=503)
    source = source_for(feed_server)
    entries = feeds.split_new_and_changed(source, feeds.parse_feed(rss_of(feed_server), {}, source.feed_url).entries)
    report = feeds.ingest_entries(source, entries.pending, retry_unreachable=True)
    assert report.counts["new"] == 2
    assert [entry["title"] for entry in report.unreachable] == ["Verslag twee"]
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Verslag drie", "Verslag een"]
    # The last try keeps the feed's text; entries stored meanwhile are not fetched again.
    feed_server.requests.clear()
    report = feeds.ingest_entries(source, entries.pending, retry_unreachable=False)
    assert report.counts == {**report.counts, "new": 1, "unchanged": 2}
    assert Article.objects.get(title="Verslag twee").extraction_note == "page not reachable; kept the feed's text"
    assert [path for path, _ in feed_server.requests] == ["/voetbal/twee"]


def rss_of(feed_server) -> bytes:
    return feed_server.routes["/feed.xml"].body
