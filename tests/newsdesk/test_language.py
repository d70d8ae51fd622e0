"""An all-Dutch site stays Dutch for a browser that prefers another language."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("preference", ["en-GB,en;q=0.9", "fr-BE,fr;q=0.8", "de"])
def test_pages_and_admin_are_dutch_whatever_the_browser_prefers(client, preference):
    article = ArticleFactory(published_at=timezone.make_aware(datetime.datetime(2026, 3, 14, 20, 0)))
    page = client.get(article.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=preference).content.decode()
    assert '<html lang="nl-be">' in page
    assert "maart" in page and "March" not in page
    login = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE=preference).content.decode()
    assert "Gebruikersnaam" in login and "Username" not in login
