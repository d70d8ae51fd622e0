import io

import pytest

from articles.entities import linking
from articles.models import ArticleClub, ArticlePlayer, LinkOrigin, LinkState
from tests.factories import ArticleFactory, ClubFactory, PlayerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entities(django_capture_on_commit_callbacks):
    # Run the relink these saves ask for now, as a commit would: none is left waiting.
    with django_capture_on_commit_callbacks(execute=True):
        return _entities()


def _entities():
    brugge = ClubFactory(slug="club-brugge", name="Club Brugge", aliases=["blauw-zwart"])
    cercle = ClubFactory(slug="cercle-brugge", name="Cercle Brugge", aliases=[])
    anderlecht = ClubFactory(slug="anderlecht", name="RSC Anderlecht", aliases=["Anderlecht", "paars-wit"])
    vanaken = PlayerFactory(slug="hans-vanaken", name="Hans Vanaken", club=brugge)
    linking.bump_gazetteer_version()
    return brugge, cercle, anderlecht, vanaken


def linked(article, model, key):
    return set(model.objects.filter(article=article, state=LinkState.LINKED).values_list(key, flat=True))


def relink_after_editing(article, **changes):
    """Link the article, change these fields, save it and link it again."""
    linking.link_article(article)
    for name, value in changes.items():
        setattr(article, name, value)
    article.save()
    linking.link_article(article)


def linked_with_editor_decisions(entities):
    """Club Brugge and Anderlecht linked automatically, then the editor rejects the Anderlecht
    link and adds Cercle by hand."""
    _, cercle, anderlecht, _ = entities
    article = ArticleFactory(title="Club Brugge wint", body="Een zege tegen Anderlecht.")
    linking.link_article(article)
    ArticleClub.objects.filter(article=article, club=anderlecht).update(
        state=LinkState.REJECTED, origin=LinkOrigin.EDITOR
    )
    ArticleClub.objects.create(article=article, club=cercle, origin=LinkOrigin.EDITOR)
    return article


def assert_editor_decisions_stand(article, entities):
    assert linked(article, ArticleClub, "club__slug") == {"club-brugge", "cercle-brugge"}
    assert ArticleClub.objects.get(article=article, club=entities[2]).state == LinkState.REJECTED


def test_links_clubs_and_players_with_offsets(entities):
    article = ArticleFactory(title="Club Brugge wint", body="Hans Vanaken scoorde voor blauw-zwart tegen Anderlecht.")
    linking.link_article(article)
    assert linked(article, ArticleClub, "club__slug") == {"club-brugge", "anderlecht"}
    mention = ArticlePlayer.objects.get(article=article).mentions[0]
    assert article.body[mention["start"] : mention["end"]] == "Hans Vanaken"


def test_longest_name_wins(entities):
    article = ArticleFactory(title="Cercle Brugge verliest", body="Groen-zwart ging onderuit.")
    linking.link_article(article)
    assert linked(article, ArticleClub, "club__slug") == {"cercle-brugge"}


def test_editor_decisions_survive_relinking(entities):
    article = linked_with_editor_decisions(entities)
    linking.link_article(article)
    linking.link_article(article)
    assert_editor_decisions_stand(article, entities)


def test_automatic_link_disappears_when_the_text_no_longer_mentions_it(entities):
    article = ArticleFactory(title="Club Brugge wint", body="")
    relink_after_editing(article, title="Een andere ploeg wint")
    assert linked(article, ArticleClub, "club__slug") == set()


def test_gazetteer_change_rebuilds_the_matcher(entities):
    article = ArticleFactory(title="Genk wint", body="KRC Genk was sterker.")
    linking.link_article(article)
    assert linked(article, ArticleClub, "club__slug") == set()
    ClubFactory(slug="genk", name="KRC Genk")
    linking.bump_gazetteer_version()
    linking.link_article(article)
    assert linked(article, ArticleClub, "club__slug") == {"genk"}


def test_relink_command_keeps_editor_decisions(entities):
    from django.core.management import call_command

    article = linked_with_editor_decisions(entities)
    out = io.StringIO()
    call_command("relink", stdout=out, stderr=io.StringIO())
    assert "1 articles" in out.getvalue()
    assert_editor_decisions_stand(article, entities)


def test_relink_command_rejects_a_bad_date():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="not a date"):
        call_command("relink", "--since", "gisteren")


def test_a_gazetteer_change_relinks_articles_once_committed(entities, django_capture_on_commit_callbacks):
    article = ArticleFactory(title="Genk wint", body="KRC Genk was sterker dan Club Brugge.")
    linking.link_article(article)
    assert linked(article, ArticleClub, "club__slug") == {"club-brugge"}
    with django_capture_on_commit_callbacks(execute=True):
        ClubFactory(slug="genk", name="KRC Genk", aliases=["Genk"])
    # No explicit relink: saving the club asked for one, run in-process without a broker.
    assert linked(article, ArticleClub, "club__slug") == {"club-brugge", "genk"}


def test_a_surname_links_only_after_the_full_name_when_two_players_share_it(entities):
    brugge = entities[0]
    romelu = PlayerFactory(slug="romelu-lukaku", name="Romelu Lukaku", club=None)
    PlayerFactory(slug="jordan-lukaku", name="Jordan Lukaku", club=None)
    linking.bump_gazetteer_version()
    before = ArticleFactory(title="Lukaku scoort", body="De spits was trefzeker.")
    after = ArticleFactory(title="Romelu Lukaku scoort", body="Lukaku was trefzeker tegen Club Brugge.")
    linking.link_articles([before, after])
    assert linked(before, ArticlePlayer, "player__slug") == set()
    assert linked(after, ArticlePlayer, "player__slug") == {"romelu-lukaku"}
    mentions = ArticlePlayer.objects.get(article=after, player=romelu).mentions
    assert [(m["field"], m["text"]) for m in mentions] == [("title", "Romelu Lukaku"), ("body", "Lukaku")]
    assert linked(after, ArticleClub, "club_id") == {brugge.pk}


def test_one_transaction_of_gazetteer_changes_asks_for_one_relink(entities, django_capture_on_commit_callbacks):
    ArticleFactory(title="Genk wint", body="")
    with django_capture_on_commit_callbacks() as callbacks:
        ClubFactory(slug="genk", name="KRC Genk")
        ClubFactory(slug="gent", name="KAA Gent")
        PlayerFactory(slug="bryan-heynen", name="Bryan Heynen")
    assert len(callbacks) == 1


def test_gazetteer_changes_in_quick_succession_all_reach_the_articles(entities, django_capture_on_commit_callbacks):
    article = ArticleFactory(title="KRC Genk wint van KAA Gent", body="")
    linking.link_article(article)
    with django_capture_on_commit_callbacks(execute=True):
        ClubFactory(slug="genk", name="KRC Genk")
    with django_capture_on_commit_callbacks(execute=True):
        ClubFactory(slug="gent", name="KAA Gent")
    assert linked(article, ArticleClub, "club__slug") == {"genk", "gent"}
