"""Editors tie and untie articles and matches in the admin; automatic runs keep their decisions."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.entities import linking
from articles.models import ArticleMatch, LinkOrigin, LinkState, Match
from tests.articles.admin_forms import admin_form_data
from tests.articles.matches.conftest import fixture
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(clubs, season_file):
    kickoff = (timezone.now() - timedelta(days=1)).replace(second=0, microsecond=0)
    call_command("import_fixtures", str(season_file([fixture("Matchday 4", kickoff, "Club Brugge", "KRC Genk")])))
    return Match.objects.get()


def test_removing_a_tie_in_the_match_form_unties_it_for_good(admin_client, match):
    article = ArticleFactory(title="Club Brugge wint van KRC Genk", published_at=match.kickoff + timedelta(hours=3))
    linking.link_articles([article])
    url = reverse("admin:articles_match_change", args=[match.pk])
    data = admin_form_data(admin_client.get(url))
    local = timezone.localtime(data.pop("kickoff"))  # the admin edits a date and a time
    data.update({"kickoff_0": f"{local:%Y-%m-%d}", "kickoff_1": f"{local:%H:%M:%S}"})
    data["article_links-0-DELETE"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    tie = ArticleMatch.objects.get(article=article)
    assert (tie.origin, tie.state) == (LinkOrigin.EDITOR, LinkState.REJECTED)
    linking.relink_ids([article.pk])
    assert ArticleMatch.objects.get(article=article).state == LinkState.REJECTED
    assert not match.article_links.filter(state=LinkState.LINKED).exists()


def test_an_editor_ties_an_article_the_rules_would_not_and_relinking_keeps_it(admin_client, match):
    article = ArticleFactory(title="Terugblik op een oude klassieker", published_at=match.kickoff - timedelta(days=30))
    linking.link_articles([article])
    response = admin_client.post(
        reverse("admin:articles_articlematch_add"),
        {"article": article.pk, "match": match.pk, "state": LinkState.LINKED},
    )
    assert response.status_code == 302
    linking.relink_ids([article.pk])
    tie = ArticleMatch.objects.get(article=article)
    assert (tie.origin, tie.state) == (LinkOrigin.EDITOR, LinkState.LINKED)
    page = admin_client.get(f"/wedstrijden/{match.slug}/").content.decode()
    assert "Terugblik op een oude klassieker" in page
