"""The error pages a reader meets are Dutch pages of the site: its header, its search box, a way
back to the news. The 500 page never reads the database (the database may be why it shows)."""

import pytest
from django.test import Client
from django.urls import include, path

from newsdesk.errors import server_error


def broken_view(request):
    raise KeyError("a bug")


# A site with one broken page (the urlconf the 500 test points ROOT_URLCONF at).
urlpatterns = [path("kapot/", broken_view), path("", include("newsdesk.urls"))]
handler500 = "newsdesk.errors.server_error"


def assert_a_page_of_the_site(html: str):
    assert '<html lang="nl-be">' in html
    assert 'class="site-header"' in html and '<nav aria-label="Hoofdmenu">' in html
    assert '<form class="search-box" role="search" action="/search/" method="get">' in html
    assert '<input id="site-search" type="search" name="q"' in html and "Zoeken in het nieuws" in html
    assert '<a href="/">Naar het laatste voetbalnieuws</a>' in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/bestaat-niet/", "/clubs/geen-club/", "/articles/999999/weg/"])
def test_a_404_is_a_dutch_page_with_the_header_and_the_search_box(client, settings, url):
    settings.DEBUG = False
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Pagina niet gevonden · newsdesk</title>" in html
    assert "Deze pagina bestaat niet (meer)" in html
    assert_a_page_of_the_site(html)
    assert "Page not found" not in html and "Not Found" not in html


def test_the_500_page_renders_without_touching_the_database(rf):
    """No django_db mark: any query would fail this test ("Database access not allowed")."""
    request = rf.get("/clubs/club-brugge/")
    try:
        raise KeyError("a bug")
    except KeyError:
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Er ging iets mis" in html and "De fout is genoteerd" in html
    assert_a_page_of_the_site(html)


def test_a_view_that_fails_while_the_database_is_unreachable_gets_the_500_page(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/kapot/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Er ging iets mis" in html
    assert_a_page_of_the_site(html)
