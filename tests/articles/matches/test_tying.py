"""Articles tied to the match they are about: both clubs named, from three days before kick-off
to two days after; editors' ties and unties outlive every automatic run."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.entities import linking
from articles.matches import tying
from articles.models import ArticleMatch, LinkOrigin, LinkState, Match
from tests.articles.matches.conftest import fixture
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kickoff():
    return (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)


@pytest.fixture
def topper(clubs, season_file, kickoff):
    call_command(
        "import_fixtures",
        str(season_file([fixture("Matchday 9", kickoff, "Club Brugge", "RSC Anderlecht")])),
    )
    return Match.objects.get()


def article(published, title="Club Brugge ontvangt Anderlecht", body="Een topper in Brugge."):
    found = ArticleFactory(title=title, body=body, published_at=published)
    linking.link_articles([found])
    return found


def tied(match):
    return set(match.article_links.filter(state=LinkState.LINKED).values_list("article_id", flat=True))


def test_an_article_naming_both_clubs_near_kick_off_is_tied_to_the_match(topper, kickoff):
    preview = article(kickoff - timedelta(days=2, hours=23))
    report = article(kickoff + timedelta(days=1, hours=23), title="Anderlecht wint bij Club Brugge")
    too_early = article(kickoff - timedelta(days=3, hours=1))
    too_late = article(kickoff + timedelta(days=2, hours=1))
    one_club = article(kickoff - timedelta(hours=3), title="Club Brugge klaar voor de topper", body="Niets meer.")
    assert tied(topper) == {preview.pk, report.pk}
    assert not ArticleMatch.objects.filter(article__in=[too_early, too_late, one_club]).exists()


def test_articles_already_in_are_tied_when_the_fixture_arrives_and_follow_a_new_kick_off(clubs, season_file, kickoff):
    early = article(kickoff - timedelta(days=5))
    near = article(kickoff - timedelta(hours=5))
    path = season_file([fixture("Matchday 9", kickoff, "Club Brugge", "RSC Anderlecht")])
    call_command("import_fixtures", str(path))
    match = Match.objects.get()
    assert tied(match) == {near.pk}
    season_file([fixture("Matchday 9", kickoff - timedelta(days=4), "Club Brugge", "RSC Anderlecht")])
    call_command("import_fixtures", str(path))  # moved forward four days
    assert tied(match) == {early.pk}


def test_of_two_meetings_in_reach_the_article_is_tied_to_the_nearer(clubs, season_file, kickoff):
    matches = [
        fixture("Matchday 9", kickoff, "Club Brugge", "RSC Anderlecht"),
        fixture("Cup", kickoff + timedelta(days=3), "RSC Anderlecht", "Club Brugge"),
    ]
    call_command("import_fixtures", str(season_file(matches)))
    between = article(kickoff + timedelta(days=1, hours=18))  # in reach of both, 30 hours before the cup match
    assert ArticleMatch.objects.get(article=between).match.round == "Cup"
    after_first = article(kickoff + timedelta(hours=20))
    assert ArticleMatch.objects.get(article=after_first).match.round == "Matchday 9"


def test_an_editors_untie_and_tie_survive_every_automatic_run(topper, kickoff, clubs, season_file):
    about = article(kickoff - timedelta(days=1))
    elsewhere = article(kickoff - timedelta(days=20), title="Terugblik op vorig seizoen", body="Niets.")
    ArticleMatch.objects.filter(article=about).update(origin=LinkOrigin.EDITOR, state=LinkState.REJECTED)
    ArticleMatch.objects.create(article=elsewhere, match=topper, origin=LinkOrigin.EDITOR)
    linking.relink_ids([about.pk, elsewhere.pk])
    tying.tie_matches([topper.pk])
    tying.follow_articles([about.pk, elsewhere.pk])
    assert tied(topper) == {elsewhere.pk}
    assert ArticleMatch.objects.get(article=about).state == LinkState.REJECTED


def test_a_tie_goes_when_an_editor_rejects_a_club_link_it_rests_on(topper, kickoff, django_capture_on_commit_callbacks):
    about = article(kickoff - timedelta(days=1))
    assert tied(topper) == {about.pk}
    with django_capture_on_commit_callbacks(execute=True):
        about.club_links.filter(club__slug="anderlecht").update(origin=LinkOrigin.EDITOR, state=LinkState.REJECTED)
        link = about.club_links.get(club__slug="anderlecht")
        link.save()  # as the admin saves it
    assert tied(topper) == set()
