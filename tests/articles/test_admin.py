import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db.models import F
from django.urls import reverse

from articles.models import (
    Article,
    ArticleClub,
    ArticleMatch,
    Competition,
    FilterRule,
    FixtureFeed,
    GazetteerDeletion,
    KeptOut,
    LinkOrigin,
    LinkState,
    Match,
    Source,
    Story,
)
from tests.articles.admin_forms import edit_in_admin
from tests.factories import ArticleFactory, ClubFactory, PlayerFactory, SourceFactory, StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom():
    club = ClubFactory(name="Club Brugge", slug="club-brugge")
    player = PlayerFactory(name="Hans Vanaken", slug="hans-vanaken", club=club)
    story = StoryFactory()
    article = ArticleFactory(title="Club Brugge wint", body="Hans Vanaken scoort voor Club Brugge.", story=story)
    story.lead_article = article
    story.save()
    Group.objects.create(name="Redactie")
    GazetteerDeletion.objects.create(kind=GazetteerDeletion.Kind.PLAYER, slug="oud-speler")
    # Fixtures (articles/matches/): a match, the article tied to it, a configured fixtures URL.
    competition = Competition.objects.create(code="be.1", name="Jupiler Pro League", current_season="2025-26")
    match = Match.objects.create(
        competition=competition,
        season="2025-26",
        round="Matchday 1",
        slug="club-brugge-anderlecht-2025-26",
        home=club,
        away=ClubFactory(name="RSC Anderlecht", slug="anderlecht"),
        kickoff=article.published_at,
    )
    ArticleMatch.objects.create(article=article, match=match)
    FixtureFeed.objects.create(url="https://fixtures.example/2025-26/be.1.json")
    # Keep and block rules (articles/admin_rules.py): a rule and what it kept out.
    rule = FilterRule.objects.create(kind=FilterRule.Kind.WORDS, value="wielrennen")
    KeptOut.objects.create(
        source=article.source, rule=rule, reason="Geblokkeerd", guid="g", url="https://a.example/w", title="Koers"
    )
    return {"club": club, "player": player, "story": story, "article": article}


def registered_models():
    return [model for model in admin.site._registry if model._meta.app_label in ("articles", "auth")]


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m.__name__)
def test_every_changelist_add_and_change_form_renders(admin_client, admin_user, newsroom, model):
    opts = model._meta
    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code in (200, 403)
    obj = model.objects.first()
    change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200


def test_changelists_search_and_filter(admin_client, newsroom):
    url = reverse("admin:articles_club_changelist")
    assert "Club Brugge" in admin_client.get(url, {"q": "brugge"}).content.decode()
    response = admin_client.get(reverse("admin:articles_article_changelist"), {"index": "stale", "status": "published"})
    assert "Club Brugge wint" in response.content.decode()


def run_action(client, model, action, objects):
    opts = model._meta
    return client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        {"action": action, "_selected_action": [o.pk for o in objects]},
        follow=True,
    )


def test_hide_and_publish_actions(admin_client, newsroom):
    article = newsroom["article"]
    run_action(admin_client, Article, "hide", [article])
    article.refresh_from_db()
    assert article.status == Article.Status.HIDDEN
    assert article.is_index_stale
    run_action(admin_client, Article, "publish", [article])
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED


def test_relink_action_links_mentioned_entities(admin_client, newsroom, django_capture_on_commit_callbacks):
    article = newsroom["article"]
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(admin_client, Article, "relink", [article])
    assert response.status_code == 200
    assert set(article.club_links.values_list("club__slug", flat=True)) == {"club-brugge"}
    assert set(article.player_links.values_list("player__slug", flat=True)) == {"hans-vanaken"}


def test_reindex_action_marks_articles_stale(admin_client, newsroom):
    article = newsroom["article"]
    Article.objects.filter(pk=article.pk).update(indexed_at=F("updated_at"))
    article.refresh_from_db()
    assert not article.is_index_stale
    run_action(admin_client, Article, "reindex", [article])
    article.refresh_from_db()
    assert article.is_index_stale


def test_feature_actions(admin_client, newsroom):
    story = newsroom["story"]
    run_action(admin_client, Article, "feature_story", [newsroom["article"]])
    story.refresh_from_db()
    assert story.is_featured
    run_action(admin_client, Story, "unfeature", [story])
    run_action(admin_client, Story, "lock", [story])
    story.refresh_from_db()
    assert not story.is_featured and story.is_locked


def test_fetch_now_action_fetches_and_records_the_outcome(admin_client, django_capture_on_commit_callbacks):
    # The feed URL cannot be reached (nothing listens there): the failure lands on the source.
    source = SourceFactory(feed_url="http://127.0.0.1:9/feed.xml")
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(admin_client, Source, "fetch_now", [source])
    assert response.status_code == 200
    source.refresh_from_db()
    assert source.last_error
    assert source.error_count == 1
    assert source.next_fetch_at > source.last_fetched_at


def test_editor_removing_a_link_records_a_rejection(admin_client, newsroom):
    article = newsroom["article"]
    link = ArticleClub.objects.create(article=article, club=newsroom["club"])
    url = reverse("admin:articles_article_change", args=[article.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "source": article.source_id,
            "story": article.story_id,
            "status": article.status,
            "published_at_0": "2026-11-15",
            "published_at_1": "20:00:00",
            "club_links-TOTAL_FORMS": "1",
            "club_links-INITIAL_FORMS": "1",
            "club_links-0-id": link.pk,
            "club_links-0-article": article.pk,
            "club_links-0-club": newsroom["club"].pk,
            "club_links-0-state": "linked",
            "club_links-0-DELETE": "on",
            "player_links-TOTAL_FORMS": "1",
            "player_links-INITIAL_FORMS": "0",
            "player_links-0-player": newsroom["player"].pk,
            "player_links-0-state": "linked",
        }
    )
    data.pop("duplicate_of", None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    link.refresh_from_db()
    assert (link.state, link.origin) == (LinkState.REJECTED, LinkOrigin.EDITOR)
    added = article.player_links.get()
    assert (added.state, added.origin) == (LinkState.LINKED, LinkOrigin.EDITOR)


def test_relink_everything_after_a_gazetteer_edit(admin_client, newsroom, django_capture_on_commit_callbacks):
    from articles.models import Club

    article = newsroom["article"]
    assert not article.club_links.exists()
    with django_capture_on_commit_callbacks(execute=True):
        run_action(admin_client, Club, "relink_everything", [newsroom["club"]])
    assert set(article.club_links.values_list("club__slug", flat=True)) == {"club-brugge"}


def test_club_search_finds_aliases(admin_client, newsroom):
    club = newsroom["club"]
    club.aliases = ["blauw-zwart"]
    club.save()
    page = admin_client.get(reverse("admin:articles_club_changelist"), {"q": "blauw-zwart"}).content.decode()
    assert "Club Brugge" in page


def test_an_editor_moving_an_article_pins_it_to_its_story(rf, admin_user, newsroom):
    import json

    from django.forms.models import model_to_dict

    article, other = newsroom["article"], StoryFactory()
    model_admin = admin.site._registry[Article]
    request = rf.post("/")
    request.user = admin_user
    form_class = model_admin.get_form(request, article, change=True)
    data = {k: v for k, v in model_to_dict(article).items() if v is not None}
    data.update(related_ids=json.dumps(article.related_ids), story=other.pk)
    # The admin splits a date-time into two inputs.
    data.update(published_at_0=f"{article.published_at:%Y-%m-%d}", published_at_1=f"{article.published_at:%H:%M:%S}")
    form = form_class(data, instance=article)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, True)
    article.refresh_from_db()
    assert (article.story_id, article.story_pinned) == (other.pk, True)


def test_a_club_renamed_in_the_admin_shows_on_its_cached_page(client, admin_client, newsroom):
    from articles.models import Club

    club = Club.objects.get(slug="club-brugge")
    assert "Club Brugge" in client.get(club.get_absolute_url()).content.decode()  # now cached
    edit_in_admin(admin_client, club, name="Club Brugge KV")
    # The heading is inside the cached fragment (the <title> is not).
    assert '<h1 id="club-title">Club Brugge KV</h1>' in client.get(club.get_absolute_url()).content.decode()


def test_club_and_player_names_are_edited_one_a_line_not_as_json(admin_client, newsroom):
    from articles.models import Club, Player
    from tests.articles.admin_forms import admin_form_data

    club = Club.objects.get(slug="club-brugge")
    club.aliases, club.adjectives = ["blauw-zwart", "Club Brugge KV"], ["Brugse"]
    club.save()
    url = reverse("admin:articles_club_change", args=[club.pk])
    page = admin_client.get(url)
    html = page.content.decode()
    assert '<textarea name="aliases"' in html and ">\nblauw-zwart\nClub Brugge KV</textarea>" in html
    assert "Eén naam per regel." in html

    data = admin_form_data(page)
    data["aliases"] = "  de Blauw-Zwarten \r\n\r\nblauw-zwart\nblauw-zwart\n\nBlauw-Zwart\n"
    data["context_aliases"] = "Club"
    data["adjectives"] = ""
    assert admin_client.post(url, data).status_code == 302
    club.refresh_from_db()
    # Blank lines left out, spaces trimmed, a name given twice kept once (capitals count: "OM" is not "om").
    assert club.aliases == ["de Blauw-Zwarten", "blauw-zwart", "Blauw-Zwart"]
    assert (club.context_aliases, club.adjectives) == (["Club"], [])

    data["aliases"] = "blauw-zwart\n" + "x" * 201
    response = admin_client.post(url, data)
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["aliases"]
    assert error.startswith("Een naam mag hoogstens 200 tekens lang zijn: “xxx")
    club.refresh_from_db()
    assert club.aliases == ["de Blauw-Zwarten", "blauw-zwart", "Blauw-Zwart"]

    player = Player.objects.get(slug="hans-vanaken")
    edit_url = reverse("admin:articles_player_change", args=[player.pk])
    data = admin_form_data(admin_client.get(edit_url))
    data["aliases"] = "Vanaken\n\nHans V.\nVanaken"
    assert admin_client.post(edit_url, data).status_code == 302
    player.refresh_from_db()
    assert player.aliases == ["Vanaken", "Hans V."]


def test_saving_a_club_unchanged_changes_none_of_its_lists(admin_client, newsroom):
    from articles.entities import gazetteer
    from articles.models import Club
    from tests.articles.admin_forms import admin_form_data

    club = Club.objects.get(slug="club-brugge")
    club.aliases, club.context_aliases = ["blauw-zwart", "Club Brugge KV"], ["Club"]
    club.shipped = {"slug": club.slug, "name": club.name, "country": club.country, "league": club.league}
    club.shipped.update(aliases=club.aliases, context_aliases=club.context_aliases, adjectives=[])
    club.save()
    url = reverse("admin:articles_club_change", args=[club.pk])
    response = admin_client.post(url, admin_form_data(admin_client.get(url)))
    assert response.status_code == 302
    club.refresh_from_db()
    assert (club.aliases, club.context_aliases, club.adjectives) == (["blauw-zwart", "Club Brugge KV"], ["Club"], [])
    assert gazetteer.edited_fields(club) == []


@pytest.mark.parametrize(
    "url",
    ["ftp://feeds.example/rss.xml", "http://localhost:8000/rss", "http://192.168.1.20/rss", "http://10.0.0.8/feed"],
)
def test_the_source_admin_refuses_a_feed_add_source_refuses_with_the_same_message(admin_client, url):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from articles.ingest import http

    with pytest.raises(CommandError) as refused:
        call_command("add_source", url, "--name", "Binnen")
    response = admin_client.post(
        reverse("admin:articles_source_add"),
        {
            "name": "Binnen",
            "feed_url": url,
            "is_active": "on",
            "fetch_interval": "00:15:00",
            "fetch_full_text": "on",
            "next_fetch_at_0": "2026-11-20",
            "next_fetch_at_1": "12:00:00",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["feed_url"] == [str(refused.value)]
    assert str(refused.value) == http.registration_problem(url)
    assert not Source.objects.exists()
