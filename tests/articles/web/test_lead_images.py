"""Lead images on the reader's pages: on story cards, in teaser lists and atop the article, lazy,
their room reserved, never from an address that is not http(s)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.entities import linking
from articles.models import Story
from articles.stories import clustering
from tests.factories import ArticleFactory, ClubFactory, SourceFactory

pytestmark = pytest.mark.django_db

PHOTO = "https://foto.sportkrant.example/2026/11/genk-westerlo.jpg"


@pytest.fixture
def genk():
    club = ClubFactory(slug="genk", name="KRC Genk", country="BEL", league="Jupiler Pro League")
    linking.bump_gazetteer_version()
    source, now = SourceFactory(name="Sportkrant"), timezone.now()
    with_photo = ArticleFactory(
        title="KRC Genk wint van Westerlo",
        body="KRC Genk won met 2-0.",
        body_html="<p>KRC Genk won met 2-0.</p>",
        source=source,
        published_at=now,
        image_url=PHOTO,
        image_width=1200,
        image_height=675,
        image_alt="Genk viert de 2-0",
    )
    unsized = ArticleFactory(
        title="KRC Genk traint in de regen",
        body="KRC Genk trainde.",
        source=source,
        published_at=now - timedelta(hours=1),
        image_url="https://foto.sportkrant.example/regen.jpg",
    )
    without = ArticleFactory(
        title="KRC Genk zoekt een spits", body="KRC Genk zoekt.", source=source, published_at=now - timedelta(hours=2)
    )
    articles = [with_photo, unsized, without]
    for article in articles:
        story = Story.objects.create(slug=f"verhaal-{article.pk}", lead_article=article)
        article.story = story
        article.save()
    linking.link_articles(articles)
    clustering.refresh_stories(Story.objects.values_list("pk", flat=True))
    return {"club": club, "with_photo": with_photo, "unsized": unsized, "without": without}


def images_in(html: str) -> list[str]:
    return re.findall(r"<img [^>]*>", html.partition('<main id="main"')[2])


def attrs(tag: str) -> dict:
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


def test_a_story_card_shows_its_leads_image_lazily_with_its_size(client, genk, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        html = client.get("/").content.decode()
    tags = [attrs(tag) for tag in images_in(html)]
    photo = next(tag for tag in tags if tag["src"] == PHOTO)
    assert photo["width"] == "1200" and photo["height"] == "675"
    assert photo["loading"] == "lazy" and photo["decoding"] == "async"
    assert photo["referrerpolicy"] == "no-referrer"
    assert photo["alt"] == "Genk viert de 2-0"
    assert "card-image" in photo["class"]
    # The one without a size is drawn in a fixed 16:9 box; the one without an image has no <img>.
    unsized = next(tag for tag in tags if tag["src"].endswith("/regen.jpg"))
    assert "width" not in unsized and "lead-image-unsized" in unsized["class"]
    assert len(tags) == 2
    cards = re.findall(r'<li class="story-card[^"]*">', html)
    assert sorted(cards) == sorted(['<li class="story-card story-card-with-image">'] * 2 + ['<li class="story-card">'])


def test_a_club_pages_teasers_show_their_images_beside_the_text(client, genk, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        html = client.get("/clubs/genk/").content.decode()
    teasers = html.partition('<ul class="teasers">')[2].partition("<aside")[0].split('<li class="teaser')[1:]
    assert len(teasers) == 3
    with_image = [t for t in teasers if "<img " in t]
    assert len(with_image) == 2
    assert all(t.startswith(' teaser-with-image"') and 'loading="lazy"' in t for t in with_image)
    # Sidebars' compact teasers never carry images.
    sidebar = html.partition('<aside class="sidebar"')[2]
    assert "<img " not in sidebar


def test_the_article_page_shows_its_image_and_tells_previews_about_it(client, genk, django_assert_max_num_queries):
    article = genk["with_photo"]
    with django_assert_max_num_queries(10):
        html = client.get(article.get_absolute_url()).content.decode()
    [image] = [attrs(tag) for tag in images_in(html) if "article-image" in tag]
    assert (image["src"], image["width"], image["height"], image["loading"]) == (PHOTO, "1200", "675", "lazy")
    assert f'<meta property="og:image" content="{PHOTO}">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta property="og:image:alt" content="Genk viert de 2-0">' in html


@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)",
        "data:image/svg+xml;base64,PHN2Zz4=",
        "ftp://foto.example/a.jpg",
        "https://wie:wachtwoord@foto.example/a.jpg",
    ],
)
def test_an_image_address_that_is_not_plain_http_is_never_shown(client, genk, address):
    # Stored by an editor's typo or an old import, it is held to the ingestion's rules when shown.
    article = genk["without"]
    type(article).objects.filter(pk=article.pk).update(image_url=address)
    html = client.get(article.get_absolute_url()).content.decode()
    assert address[:20] not in html
    assert not [tag for tag in images_in(html) if "article-image" in tag]


def test_the_content_security_policy_lets_hotlinked_images_load(client, genk):
    policy = client.get("/").headers["Content-Security-Policy"]
    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src")).split()
    assert {"'self'", "https:", "http:"} <= set(img_src)
    assert "default-src 'self'" in policy  # nothing else loosened
