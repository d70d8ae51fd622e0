"""The page cache (newsdesk/pagecache.py): anonymous readers get whole pages from the cache for
NEWSDESK_PAGE_CACHE_SECONDS; editors, cookies and CSRF tokens never go through it."""

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client
from django.urls import include, path

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def _with_token(request):
    return HttpResponse(f"token {get_token(request)}")


def _with_cookie(request):
    response = HttpResponse("welkom")
    response.set_cookie("bezoeker", "1")
    return response


# This module is also the URLconf of the tests marked `pytest.mark.urls(__name__)`.
urlpatterns = [
    path("token/", _with_token),
    path("cookie/", _with_cookie),
    path("", include("newsdesk.urls")),
]


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.NEWSDESK_PAGE_CACHE_SECONDS = 30


@pytest.fixture
def article():
    return ArticleFactory(title="Genk wint de topper")


def _retitle(article, title):
    Article.objects.filter(pk=article.pk).update(title=title)  # no signals: the cache knows nothing


def test_second_anonymous_get_is_served_from_the_cache(article):
    url = article.get_absolute_url()
    first = Client().get(url)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    _retitle(article, "Genk verliest de topper")

    second = Client().get(url)  # another reader, same page: the stored copy
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "Genk wint de topper" in second.content.decode()
    assert Client().head(url)["X-Page-Cache"] == "hit"


def test_no_page_cache_when_the_setting_is_zero(settings, article):
    settings.NEWSDESK_PAGE_CACHE_SECONDS = 0
    url = article.get_absolute_url()
    Client().get(url)
    _retitle(article, "Genk verliest de topper")
    response = Client().get(url)
    assert "X-Page-Cache" not in response
    assert "Genk verliest de topper" in response.content.decode()


def test_a_logged_in_editor_never_gets_a_cached_page_nor_fills_the_cache(article):
    url = article.get_absolute_url()
    editor = Client()
    editor.force_login(User.objects.create_user("redacteur", is_staff=True))

    Client().get(url)  # an anonymous reader stores the page
    _retitle(article, "Genk verliest de topper")
    seen = editor.get(url)
    assert "X-Page-Cache" not in seen
    assert "Genk verliest de topper" in seen.content.decode()

    other = ArticleFactory(title="Brugge wint")
    editor.get(other.get_absolute_url())  # the editor's page is not stored for readers
    _retitle(other, "Brugge verliest")
    reader = Client().get(other.get_absolute_url())
    assert reader["X-Page-Cache"] == "miss"
    assert "Brugge verliest" in reader.content.decode()


def test_the_admin_is_never_cached(db):
    Client().get("/admin/login/")
    assert "X-Page-Cache" not in Client().get("/admin/login/")


@pytest.mark.urls(__name__)
def test_a_cached_page_never_carries_another_visitors_cookie_or_csrf_token():
    first = Client().get("/token/")
    assert "csrftoken" in first.cookies and "X-Page-Cache" not in first
    second = Client().get("/token/")  # never the first visitor's token
    assert "X-Page-Cache" not in second
    assert second.cookies["csrftoken"].value != first.cookies["csrftoken"].value
    assert second.content != first.content

    # A visitor who already has a CSRF cookie: the page uses it, so it is not stored either.
    returning = Client()
    returning.cookies["csrftoken"] = first.cookies["csrftoken"].value
    page = returning.get("/token/")
    assert "X-Page-Cache" not in page
    assert "X-Page-Cache" not in Client().get("/token/")

    assert "X-Page-Cache" not in Client().get("/cookie/")
    again = Client().get("/cookie/")
    assert "X-Page-Cache" not in again and again.cookies["bezoeker"].value == "1"


def test_public_pages_set_no_cookie_so_they_are_cached(article):
    for url in ["/", article.get_absolute_url(), "/clubs/", "/api/articles/"]:
        first = Client().get(url)
        assert first.status_code == 200 and not first.cookies, url
        second = Client().get(url)
        assert second["X-Page-Cache"] == "hit" and not second.cookies, url


def test_searches_with_different_query_strings_are_separate_entries(db):
    ArticleFactory(title="Genk wint", body="Genk wint van Anderlecht.")
    ArticleFactory(title="Brugge wint", body="Brugge wint van Gent.")
    from django.core.management import call_command

    call_command("rebuild_index", "--quiet")
    pages = {q: Client().get(f"/search/?q={q}") for q in ("genk", "brugge", "genk&sort=date")}
    assert all(page["X-Page-Cache"] == "miss" for page in pages.values())
    assert "Genk wint" in pages["genk"].content.decode() and "Brugge wint" not in pages["genk"].content.decode()
    assert "Brugge wint" in pages["brugge"].content.decode()
    for q, page in pages.items():
        again = Client().get(f"/search/?q={q}")
        assert again["X-Page-Cache"] == "hit" and again.content == page.content, q
    assert Client().get("/search/?q=genk&page=2")["X-Page-Cache"] != "hit"


def test_errors_and_posts_are_not_cached(db):
    Client().get("/bestaat-niet/")
    assert "X-Page-Cache" not in Client().get("/bestaat-niet/")
    assert "X-Page-Cache" not in Client().post("/")


def test_article_pages_are_kept_longer_than_lists(settings, article):
    """Lists expire after NEWSDESK_PAGE_CACHE_SECONDS, an article's page (which only editors
    change) after NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS, as its s-maxage tells shared caches."""
    import time

    settings.NEWSDESK_PAGE_CACHE_SECONDS = 1
    settings.NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS = 300
    url = article.get_absolute_url()
    first = Client().get(url)
    assert "s-maxage=300" in first["Cache-Control"]
    assert "s-maxage" not in Client().get("/").get("Cache-Control", "")
    time.sleep(1.2)
    _retitle(article, "Genk verliest de topper")
    assert Client().get(url)["X-Page-Cache"] == "hit"
    assert Client().get("/")["X-Page-Cache"] == "miss"  # computed again (its lists are cached apart)


def test_an_editors_change_in_the_admin_reaches_readers_at_once(article):
    url = article.get_absolute_url()
    assert Client().get(url)["X-Page-Cache"] == "miss"
    assert Client().get(url)["X-Page-Cache"] == "hit"

    editor = Client()
    editor.force_login(User.objects.create_user("redacteur", is_staff=True, is_superuser=True))
    login = Client().post("/admin/login/", {"username": "redacteur", "password": "fout"})
    assert login.status_code == 200
    assert Client().get(url)["X-Page-Cache"] == "hit"  # a login attempt changes nothing

    hidden = editor.post("/admin/articles/article/", {"action": "hide", "_selected_action": [article.pk]})
    assert hidden.status_code == 302
    assert Client().get(url).status_code == 404  # not the stored page of a hidden article


def test_a_publishers_revision_retires_that_articles_page_at_once(article, django_capture_on_commit_callbacks):
    """Article pages are kept for minutes: a revision stored by ingestion (no editor, no admin
    POST) must not wait for them to expire. Other pages keep their copies."""
    from articles.ingest import store
    from articles.web import sidebars

    other = ArticleFactory(title="Brugge wint")
    url = article.get_absolute_url()
    for page in (url, f"{url}?utm_source=nieuwsbrief", other.get_absolute_url()):
        Client().get(page)
        assert Client().get(page)["X-Page-Cache"] == "hit", page
    assert "Genk wint de topper" in [teaser.title for teaser in sidebars.latest()]

    with django_capture_on_commit_callbacks(execute=True):
        result = store.store_article(
            article.source,
            url=article.url,
            title="Genk wint de topper na strafschoppen",
            body_text="KRC Genk won de topper pas na strafschoppen.",
        )
    assert result.outcome == store.Outcome.UPDATED

    revised = Client().get(url)
    assert revised["X-Page-Cache"] == "miss"
    assert "Genk wint de topper na strafschoppen" in revised.content.decode()
    assert "Bijgewerkt om" in revised.content.decode()
    assert Client().get(url)["X-Page-Cache"] == "hit"  # stored again, under the new mark
    assert Client().get(f"{url}?utm_source=nieuwsbrief")["X-Page-Cache"] == "miss"  # every variant
    assert Client().get(other.get_absolute_url())["X-Page-Cache"] == "hit"
    assert "Genk wint de topper na strafschoppen" in [teaser.title for teaser in sidebars.latest()]


def test_retiring_one_page_works_through_redis_for_every_process(settings, redis_url, article):
    import os
    import time

    from newsdesk import pagecache

    db = os.environ.get("TEST_REDIS_DB", "15")
    location = redis_url.rsplit("/", 1)[0] + f"/{db}"
    settings.CACHES = {
        "default": {
            "BACKEND": "newsdesk.cache.ForgivingRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"test-{time.time_ns()}",
        }
    }
    url = article.get_absolute_url()
    assert Client().get(url)["X-Page-Cache"] == "miss"
    assert Client().get(url)["X-Page-Cache"] == "hit"
    assert Client().get("/")["X-Page-Cache"] == "miss"
    _retitle(article, "Genk verliest de topper")
    pagecache.retire_page(url)
    again = Client().get(url)
    assert again["X-Page-Cache"] == "miss" and "Genk verliest de topper" in again.content.decode()
    assert Client().get("/")["X-Page-Cache"] == "hit"  # the others stay
