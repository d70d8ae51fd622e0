from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
DEMO = Path(__file__).resolve().parents[3] / "articles" / "data" / "demo_articles.jsonl"


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    call_command("load_gazetteer")
    with django_capture_on_commit_callbacks(execute=True):  # linking runs once the import commits
        call_command("import_articles", str(DEMO))


def test_home_lists_the_latest_demo_articles(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    latest = Article.objects.order_by("-published_at").first()
    assert latest.title in page
    assert 'href="/clubs/' in page  # entity chips


def test_article_page_shows_sanitized_body_and_sidebar(client, demo, django_assert_max_num_queries):
    article = Article.objects.get(title__startswith="Club Brugge klopt")
    with django_assert_max_num_queries(10):
        response = client.get(article.get_absolute_url())
    page = response.content.decode()
    assert "Meest recent" in page
    assert "Hans Vanaken" in page
    assert 'href="/players/hans-vanaken/"' in page


def test_wrong_slug_redirects_to_the_canonical_page(client):
    article = ArticleFactory(title="Genk wint")
    response = client.get(f"/articles/{article.pk}/iets-anders/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_hostile_text_never_reaches_the_page_as_markup(client):
    article = ArticleFactory(title="<script>alert('t')</script>", body_html="<p>Ok</p>")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_club_player_and_club_list_pages(client, demo, django_assert_max_num_queries):
    for url in ["/clubs/", "/clubs/club-brugge/", "/players/hans-vanaken/"]:
        with django_assert_max_num_queries(10):
            response = client.get(url)
        assert response.status_code == 200, url
    assert "Jupiler Pro League" in client.get("/clubs/").content.decode()


def test_pages_name_the_site_icon_and_favicon_ico_leads_to_it(client):
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    response = client.get("/favicon.ico")  # asked for by browsers on pages that name no icon (the admin's)
    assert (response.status_code, response["Location"]) == (302, "/static/img/favicon.svg")
    icon = client.get("/static/img/favicon.svg")
    assert icon.status_code == 200 and b"<svg" in b"".join(icon.streaming_content)


def test_article_html_keeps_absolute_https_images_with_a_text_alternative_and_absolute_links(client):
    from articles.ingest.store import store_article
    from tests.factories import SourceFactory

    html = (
        "<p>Genk wint.</p>"
        '<img src="x" onerror="alert(1)">'  # relative: it would point into this site
        '<img src="http://foto.example/a.jpg">'  # http: refused by the pages' CSP anyway
        '<img src="https://foto.example/b.jpg">'  # no alt: an unnamed image to a screen reader
        '<p><a href="/elders">relatief</a> <a href="">leeg</a> <a href="https://bron.example/x">bron</a></p>'
    )
    result = store_article(SourceFactory(), url="https://bron.example/genk", title="Genk wint", body_html=html)
    stored = result.article.body_html
    assert '<img alt="" src="https://foto.example/b.jpg">' in stored
    assert stored.count("<img") == 1
    assert 'href="/elders"' not in stored and 'href=""' not in stored
    assert 'href="https://bron.example/x"' in stored
    page = client.get(result.article.get_absolute_url()).content.decode()
    assert '<img alt="" src="https://foto.example/b.jpg">' in page
