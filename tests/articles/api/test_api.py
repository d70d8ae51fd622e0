import pytest
from django.core.management import call_command

from articles.entities import linking
from articles.models import Article, Story
from articles.stories import clustering
from tests.factories import ArticleFactory, ClubFactory, PlayerFactory, StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked_article():
    club = ClubFactory(slug="club-brugge", name="Club Brugge")
    PlayerFactory(slug="hans-vanaken", name="Hans Vanaken", club=club)
    linking.bump_gazetteer_version()
    story = StoryFactory(slug="club-brugge-anderlecht")
    other = ArticleFactory(title="Voorbeschouwing van de topper", story=story)
    article = ArticleFactory(
        url="https://sportkrant.example/voetbal/topper",
        title="Club Brugge wint de topper",
        body="Hans Vanaken kopte Club Brugge naar de zege.",
        story=story,
    )
    Article.objects.filter(pk=article.pk).update(related_ids=[other.pk])
    linking.link_article(article)
    clustering.refresh_stories([story.pk])
    return article, other


def test_article_list_shape(client, linked_article):
    article, other = linked_article
    data = client.get("/api/articles/").json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 2
    result = next(r for r in data["results"] if r["id"] == article.pk)
    assert set(result) == {
        "id",
        "url",
        "title",
        "source",
        "published",
        "revised_at",
        "teaser",
        "body",
        "image",
        "clubs",
        "players",
        "story",
        "related",
    }
    assert result["image"] is None  # the factory's articles have none
    assert result["clubs"] == ["club-brugge"]
    assert result["players"] == ["hans-vanaken"]
    assert result["story"] == "club-brugge-anderlecht"
    assert result["source"] == article.source.name
    assert result["related"] == [{"id": other.pk, "url": other.url, "title": other.title}]


def test_article_lookup_by_url_canonicalizes_the_query(client, linked_article):
    article, _ = linked_article
    data = client.get("/api/articles/", {"url": "https://SPORTKRANT.example/voetbal/topper?utm_source=x#top"}).json()
    assert [r["id"] for r in data["results"]] == [article.pk]


@pytest.mark.parametrize("param", ["club", "player", "story"])
def test_article_filters(client, linked_article, param):
    article, other = linked_article
    value = {"club": "club-brugge", "player": "hans-vanaken", "story": "club-brugge-anderlecht"}[param]
    ids = {r["id"] for r in client.get("/api/articles/", {param: value}).json()["results"]}
    assert article.pk in ids
    assert (other.pk in ids) == (param == "story")


def test_hidden_articles_are_not_served(client, linked_article):
    article, _ = linked_article
    Article.objects.filter(pk=article.pk).update(status=Article.Status.HIDDEN)
    assert client.get(f"/api/articles/{article.pk}/").status_code == 404


def test_clubs_and_players_from_the_shipped_gazetteer(client):
    call_command("load_gazetteer")
    clubs = client.get("/api/clubs/").json()
    assert clubs["count"] >= 150
    assert set(clubs["results"][0]) == {"slug", "name", "country", "league", "aliases", "article_count"}
    players = client.get("/api/players/").json()
    assert players["count"] >= 300
    brugge = client.get("/api/clubs/club-brugge/").json()
    assert brugge["name"] == "Club Brugge"
    vanaken = client.get("/api/players/hans-vanaken/").json()
    assert vanaken["club"] == "club-brugge"


def test_stories_shape(client, linked_article):
    Story.objects.update(is_featured=True)
    data = client.get("/api/stories/").json()
    story = data["results"][0]
    assert story["slug"] == "club-brugge-anderlecht"
    assert story["article_count"] == 2
    assert story["source_count"] == 2
    assert story["is_featured"] is True


def test_openapi_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    for path in ["/api/articles/", "/api/clubs/{slug}/", "/api/players/", "/api/stories/"]:
        assert path in schema["paths"]


def test_an_articles_lead_image_is_given_with_its_size_and_text_alternative(client):
    article = ArticleFactory(
        image_url="https://foto.sportkrant.example/topper.jpg",
        image_width=1200,
        image_height=675,
        image_alt="Vanaken viert zijn doelpunt",
    )
    result = client.get(f"/api/articles/{article.pk}/").json()
    assert result["image"] == {
        "url": "https://foto.sportkrant.example/topper.jpg",
        "width": 1200,
        "height": 675,
        "alt": "Vanaken viert zijn doelpunt",
    }


def test_an_image_address_that_is_not_http_is_never_given(client):
    # An editor's typo or an old import: the API holds it to the pages' rules.
    article = ArticleFactory(image_url="ftp://foto.sportkrant.example/topper.jpg")
    assert client.get(f"/api/articles/{article.pk}/").json()["image"] is None


def test_a_players_role_says_whether_he_is_the_coach(client):
    club = ClubFactory(slug="club-brugge", name="Club Brugge")
    PlayerFactory(slug="ivan-leko", name="Ivan Leko", club=club, role="coach")
    PlayerFactory(slug="hans-vanaken", name="Hans Vanaken", club=club)
    roles = {p["slug"]: p["role"] for p in client.get("/api/players/").json()["results"]}
    assert roles == {"ivan-leko": "coach", "hans-vanaken": "player"}


def test_the_openapi_schema_describes_the_image_and_the_role(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    image = components["Article"]["properties"]["image"]
    assert image.get("nullable") or any("null" in str(option) for option in image.get("oneOf", []))
    assert set(components["Image"]["properties"]) == {"url", "width", "height", "alt"}
    assert "role" in components["Player"]["properties"]
