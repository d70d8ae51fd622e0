"""A source's extraction rules (a selector for the text, selectors to strip): used when its
pages are read, tried in the admin's preview before they are saved, and applied again to the
articles it has stored (the reextract command, the admin's action, the task). Pages come over
real HTTP from a loopback server."""

import time
from datetime import datetime

import pytest
from celery.backends.base import DisabledBackend
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from articles import tasks
from articles.ingest import feeds, http, politeness, reextract, store
from articles.models import Article, ArticleClub, LinkOrigin, LinkState, Source
from newsdesk.celery import app
from tests.articles.admin_forms import admin_form_data
from tests.articles.samples import PARAGRAPHS, article_page, rss
from tests.factories import ClubFactory, SourceFactory, StoryFactory
from tests.feedserver import Route

pytestmark = pytest.mark.django_db

READ_ALSO = "LEES OOK: Westerlo zoekt na de zoveelste nederlaag een nieuwe trainer voor de rest van het seizoen"


def page(title: str, read_also: bool = True) -> str:
    """An article page whose text holds a "Lees ook" block (a link to another article)."""
    block = f'<div class="lees-ook"><p>{READ_ALSO}</p></div>' if read_also else ""
    return article_page(title).replace('<div class="article-body">', f'<div class="article-body">{block}')


def serve(feed_server, pages: dict[str, str]) -> str:
    """Serve `pages` ({path: html}) and a feed of summaries linking to them; the feed's URL."""
    items = [
        {"title": f"Artikel {path}", "link": feed_server.route(path, html), "summary": "x"}
        for path, html in pages.items()
    ]
    return feed_server.route("/feed.xml", rss(items))


def ingest(feed_server, pages: dict[str, str], **rules) -> Source:
    source = SourceFactory(feed_url=serve(feed_server, pages), **rules)
    feeds.fetch_and_ingest(source)
    source.refresh_from_db()
    return source


# --- Extraction by the rules --------------------------------------------------------------------


def test_content_selector_takes_the_text_of_its_outermost_matches_with_the_strip_selectors_removed(feed_server):
    # The selector matches the body and each paragraph in it: the text is the body's, once.
    ingest(
        feed_server,
        {"/voetbal/genk": page("Genk wint")},
        content_selector="div.article-body, div.article-body p",
        strip_selectors=".lees-ook",
    )
    article = Article.objects.get()
    assert article.body.splitlines() == PARAGRAPHS
    assert article.extraction_note == ""


def test_strip_selectors_remove_a_read_also_block_from_the_automatic_reading(feed_server):
    ingest(feed_server, {"/voetbal/genk": page("Genk wint")}, strip_selectors="div.share\n\n  .lees-ook  \n")
    article = Article.objects.get()
    assert PARAGRAPHS[2] in article.body
    assert "LEES OOK" not in article.body and "Westerlo zoekt" not in article.body


def test_a_selector_that_matches_nothing_falls_back_to_the_automatic_reading_and_warns(feed_server):
    source = ingest(feed_server, {"/voetbal/genk": page("Genk wint")}, content_selector="div.bestaat-niet")
    article = Article.objects.get()
    assert PARAGRAPHS[3] in article.body  # the article, not the feed's one-word summary
    assert "'div.bestaat-niet' matches nothing" in article.extraction_note
    assert "found automatically" in article.extraction_note
    assert "div.bestaat-niet" in source.last_warning and "did not fit 1 pages" in source.last_warning


def test_a_page_in_an_unknown_encoding_is_read_by_the_rules_not_refused(feed_server):
    html = page("Genk wint").replace('<meta charset="utf-8">', '<meta charset="x-onbekend-9">')
    feed_server.route("/voetbal/genk", html.encode("latin-1", errors="replace"), headers={"Content-Type": "text/html"})
    entry = {"title": "Genk wint", "link": feed_server.url("/voetbal/genk"), "summary": "x"}
    source = SourceFactory(feed_url=feed_server.route("/feed.xml", rss([entry])), strip_selectors=".lees-ook")
    feeds.fetch_and_ingest(source)
    article = Article.objects.get()
    assert PARAGRAPHS[1] in article.body and "LEES OOK" not in article.body


# --- The admin: rules checked, tried before they are saved ---------------------------------------


def change_form_data(client, obj) -> dict:
    """What obj's admin change form posts back unchanged (dates and times split in two)."""
    data = admin_form_data(client.get(reverse(f"admin:articles_{obj._meta.model_name}_change", args=[obj.pk])))
    for name, value in list(data.items()):
        if isinstance(value, datetime):
            local = timezone.localtime(data.pop(name))
            data.update({f"{name}_0": local.date().isoformat(), f"{name}_1": local.time().strftime("%H:%M:%S")})
    return data


def edit_in_admin(client, obj, **changes) -> None:
    url = reverse(f"admin:articles_{obj._meta.model_name}_change", args=[obj.pk])
    response = client.post(url, change_form_data(client, obj) | changes)
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_a_bad_selector_is_a_form_error_naming_it(admin_client):
    source = SourceFactory()
    url = reverse("admin:articles_source_change", args=[source.pk])
    data = change_form_data(admin_client, source)
    data.update({"content_selector": "div.tekst >", "strip_selectors": ".deel\np::before"})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"content_selector", "strip_selectors"}
    assert "“div.tekst >” is geen bruikbare CSS-selector" in errors["content_selector"][0]
    assert len(errors["strip_selectors"]) == 1  # ".deel" is a good one
    assert "“p::before” is geen bruikbare CSS-selector" in errors["strip_selectors"][0]
    source.refresh_from_db()
    assert (source.content_selector, source.strip_selectors) == ("", "")


def test_good_selectors_are_saved_one_a_line(admin_client):
    source = SourceFactory()
    data = change_form_data(admin_client, source)
    data.update({"content_selector": " div.article-body ", "strip_selectors": "  .deel \n\n.lees-ook\n"})
    response = admin_client.post(reverse("admin:articles_source_change", args=[source.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    source.refresh_from_db()
    assert (source.content_selector, source.strip_selectors) == ("div.article-body", ".deel\n.lees-ook")


def test_the_preview_shows_what_the_unsaved_rules_would_store_beside_the_stored_text(admin_client, feed_server):
    source = ingest(feed_server, {"/voetbal/genk": page("Genk wint")})
    stored = Article.objects.get()
    assert READ_ALSO in stored.body  # read without rules

    change = admin_client.get(reverse("admin:articles_source_change", args=[source.pk]))
    preview_url = reverse("admin:articles_source_preview", args=[source.pk])
    assert preview_url in change.content.decode()  # the link, and the button that posts the form there

    # What the change form's button posts: every field, the rules as typed (not saved).
    data = admin_form_data(change)
    data.update(
        {"content_selector": "div.article-body", "strip_selectors": ".lees-ook\n.bestaat-niet", "preview_url": ""}
    )
    response = admin_client.post(preview_url, data)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.article == stored
    assert result.text.splitlines() == PARAGRAPHS
    assert result.reading.matches == {".lees-ook": 1, ".bestaat-niet": 0, "div.article-body": 1}
    assert result.outcome == reextract.UPDATED
    content = response.content.decode()
    assert PARAGRAPHS[0] in content and "Zoals het opgeslagen zou worden" in content
    assert "Zoals het nu opgeslagen is" in content and READ_ALSO in content  # the stored text, beside it
    source.refresh_from_db()
    assert (source.content_selector, source.strip_selectors) == ("", "")  # nothing was saved

    # A bad selector in the preview is the form's error, and nothing is fetched.
    requests = len(feed_server.requests)
    response = admin_client.post(preview_url, {"content_selector": "div >", "strip_selectors": ""})
    assert response.status_code == 200 and response.context["result"] is None
    assert "“div >” is geen bruikbare CSS-selector" in response.context["form"].errors["content_selector"][0]
    assert len(feed_server.requests) == requests


def test_a_page_the_preview_cannot_fetch_is_a_message_not_an_error_page(admin_client, feed_server):
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"))
    preview_url = reverse("admin:articles_source_preview", args=[source.pk])
    # No article yet and no address given: the editor is told to give one.
    response = admin_client.get(preview_url)
    assert response.status_code == 200
    assert "geef het adres van een artikel op" in response.content.decode()

    missing = feed_server.url("/voetbal/verdwenen")
    response = admin_client.post(preview_url, {"preview_url": missing, "content_selector": "div.article-body"})
    assert response.status_code == 200
    assert response.context["result"].outcome == reextract.FAILED
    messages = [str(m) for m in response.context["messages"]]
    assert any(missing in m and "HTTP 404" in m and "kon niet gelezen worden" in m for m in messages)

    # An address the fetch guard refuses (inward) is a message too.
    response = admin_client.post(preview_url, {"preview_url": "http://10.1.2.3/artikel"})
    assert response.status_code == 200
    assert any("private or reserved address" in str(m) for m in response.context["messages"])


def test_the_preview_compares_with_the_articles_of_its_own_source_only(admin_client, feed_server):
    ingest(feed_server, {"/voetbal/genk": page("Genk wint")})
    other = SourceFactory()
    preview_url = reverse("admin:articles_source_preview", args=[other.pk])
    response = admin_client.post(preview_url, {"preview_url": feed_server.url("/voetbal/genk")})
    result = response.context["result"]
    assert result.article is None and result.outcome == "new"
    assert "Van deze pagina is nog geen artikel opgeslagen" in response.content.decode()


def test_the_preview_does_not_wait_long_for_the_hosts_turn(admin_client, feed_server, settings):
    # An editor's request: a turn ten seconds off is not waited for (gunicorn would kill the
    # worker at thirty); the editor is told to try again, and nothing is asked of the site.
    settings.NEWSDESK_HOST_INTERVAL = 10.0
    try:
        source = SourceFactory()
        url = feed_server.route("/voetbal/genk", page("Genk wint"))
        assert http.fetch(feed_server.route("/eerst", "ok")).body == b"ok"
        preview_url = reverse("admin:articles_source_preview", args=[source.pk])
        response = admin_client.post(preview_url, {"preview_url": url})
    finally:
        politeness.forget_local()  # the turns taken here, for later tests
    assert response.status_code == 200
    assert [path for path, _ in feed_server.requests] == ["/eerst"]
    messages = [str(m) for m in response.context["messages"]]
    assert any("De site vraagt ons te wachten, probeer later opnieuw" in m for m in messages), messages
    assert not any("kon niet gelezen worden" in m for m in messages)


# --- Re-extraction ---------------------------------------------------------------------------------


@pytest.fixture
def stored(feed_server, admin_client):
    """A source whose five articles were read without rules (each with its "Lees ook" block but
    one), then given a rule to strip it; an editor rejected a link of one article and hid it,
    and edited another's text; one page has gone since."""
    genk = ClubFactory(name="KRC Genk", slug="krc-genk")
    pages = {
        f"/voetbal/{name}": page(f"Artikel {name}", read_also=name != "zonder")
        for name in ("a", "zonder", "verborgen", "weg", "bewerkt")
    }
    source = ingest(feed_server, pages)
    articles = {a.url.rsplit("/", 1)[1]: a for a in Article.objects.filter(source=source)}
    assert len(articles) == 5 and all(READ_ALSO in a.body for name, a in articles.items() if name != "zonder")

    hidden = articles["verborgen"]
    ArticleClub.objects.update_or_create(
        article=hidden, club=genk, defaults={"origin": LinkOrigin.EDITOR, "state": LinkState.REJECTED}
    )
    store.set_status([hidden.pk], Article.Status.HIDDEN)
    edit_in_admin(admin_client, articles["bewerkt"], body="De redactie schreef deze tekst zelf, Lees ook inbegrepen.")
    feed_server.route("/voetbal/weg", b"weg", status=404)
    Source.objects.filter(pk=source.pk).update(strip_selectors=".lees-ook")
    return source, articles, genk


def test_reextract_updates_changed_articles_and_keeps_every_editor_decision(
    stored, django_capture_on_commit_callbacks, capsys
):
    source, before, genk = stored
    with django_capture_on_commit_callbacks(execute=True):  # links and stories follow, as after a commit
        call_command("reextract", "--source", str(source.pk))
    out, err = capsys.readouterr()
    assert "5 articles, 2 updated, 1 unchanged, 1 failed, 1 kept (edited by an editor), 0 skipped" in out
    assert "/voetbal/weg" in err and "HTTP 404" in err

    after = {a.url.rsplit("/", 1)[1]: a for a in Article.objects.filter(source=source)}
    for name in ("a", "verborgen"):
        assert READ_ALSO not in after[name].body and PARAGRAPHS[4] in after[name].body
        assert after[name].title == before[name].title
    assert after["zonder"].body == before["zonder"].body
    assert after["weg"].body == before["weg"].body  # unreachable: its text is kept
    assert after["bewerkt"].body == "De redactie schreef deze tekst zelf, Lees ook inbegrepen."
    assert after["verborgen"].status == Article.Status.HIDDEN
    link = ArticleClub.objects.get(article=after["verborgen"], club=genk)
    assert (link.origin, link.state) == (LinkOrigin.EDITOR, LinkState.REJECTED)
    assert after["a"].landing != Article.Landing.LINK  # its links and story were redone
    # Our reading changed, not the article: no "Bijgewerkt om" on its page.
    assert after["a"].revised_at is None and before["a"].revised_at is None
    source.refresh_from_db()
    assert source.reextraction["state"] == reextract.DONE
    assert "1 of 5 pages could not be read" in source.last_warning

    # Run again: nothing more changes.
    call_command("reextract", "--source", str(source.pk))
    out, _ = capsys.readouterr()
    assert "0 updated, 3 unchanged, 1 failed, 1 kept" in out


def test_reextract_limit_takes_the_newest_and_a_missing_source_is_an_error(stored, capsys):
    source, before, _ = stored
    # The articles were stored in the feed's order: "bewerkt", "weg" and "verborgen" are the newest.
    newest = list(Article.objects.filter(source=source).order_by("-pk").values_list("pk", flat=True)[:3])
    assert newest == [before[name].pk for name in ("bewerkt", "weg", "verborgen")]
    note = "Vertraagd tot 14:05: 127.0.0.1 antwoordde 429 (Retry-After 120 s)"
    Source.objects.filter(pk=source.pk).update(last_warning=note)  # what the last fetch recorded
    call_command("reextract", "--source", str(source.pk), "--limit", "3")
    out, err = capsys.readouterr()
    assert "3 articles, 1 updated, 0 unchanged, 1 failed, 1 kept (edited by an editor)" in out
    assert "/voetbal/weg" in err
    after = {a.url.rsplit("/", 1)[1]: a for a in Article.objects.filter(source=source)}
    assert READ_ALSO not in after["verborgen"].body  # the newest three: re-extracted
    for name in ("a", "zonder"):  # the older two: not read at all
        assert after[name].body == before[name].body and after[name].fetched_at == before[name].fetched_at
    assert READ_ALSO in after["a"].body
    source.refresh_from_db()
    assert source.reextraction["done"] == 3
    # The run's warning joins what the fetch recorded, which stays.
    assert note in source.last_warning and "1 of 3 pages could not be read" in source.last_warning
    with pytest.raises(CommandError, match="no source with id 999999"):
        call_command("reextract", "--source", "999999")


def test_a_pinned_story_and_a_link_an_editor_added_survive_a_reextraction(stored, django_capture_on_commit_callbacks):
    source, before, _ = stored
    article = before["a"]
    story = StoryFactory()
    Article.objects.filter(pk=article.pk).update(story=story, story_pinned=True)
    club = ClubFactory(name="Lommel SK", slug="lommel-sk")  # named nowhere in the text
    ArticleClub.objects.create(article=article, club=club, origin=LinkOrigin.EDITOR, state=LinkState.LINKED)
    with django_capture_on_commit_callbacks(execute=True):  # links and stories follow, as after a commit
        call_command("reextract", "--source", str(source.pk))
    article.refresh_from_db()
    assert READ_ALSO not in article.body  # re-extracted, then linked and clustered again
    assert article.landing != Article.Landing.LINK
    assert (article.story_id, article.story_pinned) == (story.pk, True)
    link = ArticleClub.objects.get(article=article, club=club)
    assert (link.origin, link.state) == (LinkOrigin.EDITOR, LinkState.LINKED)


def test_a_page_that_leads_elsewhere_or_reads_short_is_failed_and_keeps_its_text(stored, feed_server, capsys):
    source, before, _ = stored
    feed_server.route("/voetbal/a", b"", status=301, headers={"Location": "/"})  # sent to the home page
    feed_server.route("/", page("Sportkrant"))
    teaser = article_page("Artikel verborgen", paragraphs=PARAGRAPHS[:1])  # a paywall's first lines
    feed_server.route("/voetbal/verborgen", teaser)
    # Only a slash added: the same page.
    feed_server.route("/voetbal/zonder", b"", status=301, headers={"Location": "/voetbal/zonder/"})
    feed_server.route("/voetbal/zonder/", page("Artikel zonder", read_also=False))
    call_command("reextract", "--source", str(source.pk))
    out, err = capsys.readouterr()
    assert "5 articles, 0 updated, 1 unchanged, 3 failed, 1 kept" in out
    assert "/voetbal/a: the address now leads to another page" in err
    assert "/voetbal/verborgen: the page's text" in err and "less than half" in err
    after = {a.url.rsplit("/", 1)[1]: a for a in Article.objects.filter(source=source)}
    for name in ("a", "verborgen", "zonder"):
        assert after[name].body == before[name].body


def serve_429_once(feed_server, path: str) -> None:
    """The page at `path` answers its first request with 429 (Retry-After: 1), then as before."""
    asked = []

    def respond(headers):
        asked.append(path)
        return Route(b"even niet", 429, {"Retry-After": "1"}) if len(asked) == 1 else None

    feed_server.route(path, feed_server.routes[path].body, respond=respond)


def test_a_host_that_asks_to_wait_pauses_the_run_and_the_command_goes_on_after(stored, feed_server, capsys):
    source, _, _ = stored
    serve_429_once(feed_server, "/voetbal/verborgen")  # the third newest: after "bewerkt" and "weg"
    ingested = len(feed_server.requests)
    call_command("reextract", "--source", str(source.pk))
    out, err = capsys.readouterr()
    assert "the site asked us to wait" in err
    # The page put off (and those after it) counted once, when read: none of them failed.
    assert "5 articles, 2 updated, 1 unchanged, 1 failed, 1 kept" in out
    paths = [path for path, _ in feed_server.requests[ingested:]]
    assert paths.count("/voetbal/verborgen") == 2  # the 429, and once more after the wait
    assert any("antwoordde 429" in note for note in politeness.pending_notes(source.pk))  # for its health


def test_in_process_a_paused_run_waits_on_the_source_for_the_next_start(
    admin_client, stored, feed_server, django_capture_on_commit_callbacks
):
    source, _, _ = stored
    serve_429_once(feed_server, "/voetbal/verborgen")
    changelist = reverse("admin:articles_source_changelist")
    action = {"action": "reextract_articles", "_selected_action": [source.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(changelist, action)
    source.refresh_from_db()
    progress = source.reextraction
    assert (progress["state"], progress["done"], progress["failed"]) == (reextract.PAUSED, 2, 1)
    time.sleep(reextract.wait_left(progress))
    change = admin_client.get(reverse("admin:articles_source_change", args=[source.pk])).content.decode()
    assert "Onderbroken bij 2 van 5 artikels" in change
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(changelist, action)
    source.refresh_from_db()
    assert reextract.counts(source.reextraction) == {
        "done": 5,
        "total": 5,
        "updated": 2,
        "unchanged": 1,
        "failed": 1,
        "edited": 1,
        "skipped": 0,
    }


def test_only_those_who_may_change_sources_can_start_a_reextraction(client, stored):
    source, _, _ = stored
    viewer = User.objects.create_user("kijker", password="geheim-wachtwoord", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_source"))
    client.force_login(viewer)
    changelist = reverse("admin:articles_source_changelist")
    client.post(changelist, {"action": "reextract_articles", "_selected_action": [source.pk]})
    source.refresh_from_db()
    assert not source.reextraction
    assert "reextract_articles" not in client.get(changelist).content.decode()


def test_a_stopped_run_is_resumed_where_it_got_to_and_not_taken_twice(stored, monkeypatch):
    source, _, _ = stored
    monkeypatch.setattr(reextract, "BATCH", 2)
    first = reextract.run(source.pk, "worker-1", deadline=0)  # out of time after one batch
    assert (first["state"], first["done"]) == (reextract.RUNNING, 2)
    assert reextract.run(source.pk, "worker-2") is None  # worker-1 holds it
    assert reextract.start(source.pk) is None  # nor does the admin start it again
    done = reextract.run(source.pk, "worker-1")  # its task again (or the next): goes on
    assert (done["state"], done["done"], done["total"]) == (reextract.DONE, 5, 5)
    assert done["updated"] + done["unchanged"] + done["failed"] + done["edited"] == 5


class RecordingBackend(DisabledBackend):
    """Celery's result backend that keeps what tasks report, in memory."""

    def __init__(self):
        super().__init__(app=app)
        self.states = []

    def store_result(self, task_id, result, state, *args, **kwargs):
        self.states.append((state, result))


def test_the_task_reports_its_progress_and_the_source_shows_it(stored, monkeypatch):
    source, _, _ = stored
    monkeypatch.setattr(reextract, "BATCH", 2)
    backend = RecordingBackend()
    tasks.reextract_source.backend = backend
    try:
        result = tasks.reextract_source.delay(source.pk).get()
    finally:
        tasks.reextract_source.backend = None
    progress = [meta for state, meta in backend.states if state == "PROGRESS"]
    assert [meta["done"] for meta in progress] == [2, 4, 5]
    assert progress[-1] == {"done": 5, "total": 5, "updated": 2, "unchanged": 1, "failed": 1, "edited": 1, "skipped": 0}
    assert result == progress[-1]


def test_the_admin_action_starts_the_task_and_the_source_shows_its_progress(
    admin_client, stored, django_capture_on_commit_callbacks
):
    source, _, _ = stored
    changelist = reverse("admin:articles_source_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            changelist, {"action": "reextract_articles", "_selected_action": [source.pk]}, follow=True
        )
    assert "worden opnieuw geëxtraheerd" in response.content.decode()
    source.refresh_from_db()
    assert reextract.counts(source.reextraction)["updated"] == 2
    change = admin_client.get(reverse("admin:articles_source_change", args=[source.pk])).content.decode()
    assert "Klaar op" in change and "2 bijgewerkt" in change and "/voetbal/weg" in change
