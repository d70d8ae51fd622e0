"""The reading experience: front page, article page with its sidebars, story page, caching."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.entities import linking
from articles.ingest import landing
from articles.ingest.cleaning import html_to_text, make_teaser
from articles.ingest.store import store_article
from articles.models import Article, Story
from articles.web import sidebars
from search import indexing
from tests.articles.stories.test_stories import CONTRACT, MATCH_A, MATCH_B
from tests.factories import ClubFactory, PlayerFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    brugge = ClubFactory(slug="club-brugge", name="Club Brugge", aliases=["blauw-zwart"])
    ClubFactory(slug="anderlecht", name="RSC Anderlecht", aliases=["Anderlecht"])
    ClubFactory(slug="krc-genk", name="KRC Genk", aliases=["Genk"])
    PlayerFactory(slug="hans-vanaken", name="Hans Vanaken", club=brugge)
    PlayerFactory(slug="yari-verschaeren", name="Yari Verschaeren", club=None)
    PlayerFactory(slug="brandon-mechele", name="Brandon Mechele", club=brugge)
    linking.bump_gazetteer_version()
    return {name: SourceFactory(name=name) for name in ["Sportkrant", "Doelpunt", "De Tribune"]}


_urls = iter(range(10**6))


def land(source, text, when) -> Article:
    """Store an article the way ingestion does, then run what runs when articles land."""
    title, body = text
    html = "".join(f"<p>{sentence}.</p>" for sentence in body.rstrip(".").split(". "))
    result = store_article(
        source,
        url=f"https://{source.name.lower()}.example/{next(_urls)}",
        title=title,
        body_text=html_to_text(html),
        body_html=html,
        published_at=when,
    )
    # What a worker does after the commit (on_commit hooks do not run inside a test's transaction).
    landing.settle()
    indexing.index_pending()
    landing.relate()
    return Article.objects.get(pk=result.article.pk)


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response


def test_teaser_is_cut_at_a_word_boundary_with_an_ellipsis_and_no_markup(client, world):
    html = "<p>Club Brugge <b>wint</b> de topper tegen Anderlecht met 3-1 na een wedstrijd vol <i>spektakel</i>, "
    html += "twee strafschoppen en een rode kaart voor de doelman van de bezoekers in de slotfase.</p>"
    text = html_to_text(html)
    teaser = make_teaser(text)
    assert teaser.endswith("...") and "<" not in teaser
    assert 80 <= len(teaser) <= 103
    assert text.startswith(teaser[:-3]) and text[len(teaser) - 3] in " ,"  # a whole word, never half of one
    assert make_teaser("Kort bericht.") == "Kort bericht."

    article = land(world["Sportkrant"], ("Brugge wint", text), timezone.now())
    assert article.teaser == teaser
    assert teaser in page(client, article).content.decode()


def test_article_page_has_lees_ook_and_the_three_sidebars(client, world):
    now = timezone.now()
    first = land(world["Sportkrant"], MATCH_A, now - timedelta(hours=5))
    contract = land(world["De Tribune"], CONTRACT, now - timedelta(hours=3))
    second = land(world["Doelpunt"], MATCH_B, now - timedelta(hours=1))
    assert second.story_id == first.story_id and contract.story_id != first.story_id

    second_page = page(client, second)
    html = second_page.content.decode()
    context = second_page.context
    # Best related: the other report of the same match, inline after the first paragraph.
    assert context["read_also"].pk == first.pk
    body = html[html.index('<div class="article-body">') :]
    assert body.index(MATCH_B[1][:30]) < body.index("LEES OOK") < body.index(MATCH_B[1].split(". ")[1][:30])
    assert f'LEES OOK</strong> <a href="{first.get_absolute_url()}"' in html
    related = [teaser.pk for teaser in context["related"]]
    assert related[0] == first.pk and contract.pk in related  # same story first, then the same club
    assert "Gerelateerd</h2>" in html and "Meest recent</h2>" in html, html
    club = context["club"]  # the club the article names most often
    assert club.slug in {"club-brugge", "anderlecht"}
    # Everything about it is in "Gerelateerd" already: no "Meer over" repeating it.
    assert context["about_club"] == [] and "Meer over" not in html
    assert [t.pk for t in context["latest"]] == [contract.pk, first.pk]  # not the page's own article
    assert second.pk not in [t.pk for t in context["about_club"]]
    # A teaser carries how many sources report its story.
    assert next(t for t in context["related"] if t.pk == first.pk).story_sources == 2

    # The story mate learned of the later report when it landed.
    first.refresh_from_db()
    assert first.related_ids[0] == second.pk


def test_api_related_is_the_list_the_page_shows(client, world):
    now = timezone.now()
    first = land(world["Sportkrant"], MATCH_A, now - timedelta(hours=5))
    land(world["De Tribune"], CONTRACT, now - timedelta(hours=3))
    second = land(world["Doelpunt"], MATCH_B, now - timedelta(hours=1))
    shown = [t.pk for t in page(client, second).context["related"]]
    data = client.get(f"/api/articles/{second.pk}/").json()
    assert [item["id"] for item in data["related"]] == shown
    assert data["related"][0] == {"id": first.pk, "url": first.url, "title": first.title}


def test_hidden_articles_leave_the_related_lists(client, world, admin_client):
    now = timezone.now()
    first = land(world["Sportkrant"], MATCH_A, now - timedelta(hours=5))
    second = land(world["Doelpunt"], MATCH_B, now - timedelta(hours=1))
    assert page(client, second).context["read_also"].pk == first.pk
    admin_client.post(reverse("admin:articles_article_changelist"), {"action": "hide", "_selected_action": [first.pk]})
    context = page(client, second).context
    assert first.pk not in [t.pk for t in context["related"] + context["latest"]]
    assert Story.objects.get(pk=second.story_id).article_count == 1


def test_sidebars_are_cached_and_renewed_when_an_article_lands(client, world, django_assert_max_num_queries):
    now = timezone.now()
    first = land(world["Sportkrant"], MATCH_A, now - timedelta(hours=5))
    second = land(world["Doelpunt"], MATCH_B, now - timedelta(hours=1))
    page(client, first)  # fills the cache
    with django_assert_max_num_queries(2):  # the article and its links; the lists come from the cache
        sidebars.latest(), sidebars.related(first), sidebars.about_club(first.club_links.first().club_id)
    assert [t.pk for t in page(client, first).context["latest"]] == [second.pk]

    newest = land(world["De Tribune"], CONTRACT, now)
    assert [t.pk for t in page(client, first).context["latest"]] == [newest.pk, second.pk]
    # Without the invalidation the old list would still be served: prove the cache was in use.
    cache.set(f"sidebars:{sidebars.generation()}:latest", [])
    assert page(client, first).context["latest"] == []


def test_home_and_club_pages_are_cached_whole_and_renewed_when_an_article_lands(
    client, world, django_assert_num_queries
):
    now = timezone.now()
    land(world["Sportkrant"], MATCH_A, now - timedelta(hours=5))
    for url in ["/", "/clubs/club-brugge/"]:
        assert MATCH_A[0] in client.get(url).content.decode()  # now cached
    # A headline changed behind the site's back (no invalidation): the cached pages keep the old one,
    # and the home page reads nothing from the database...
    Article.objects.filter(title=MATCH_A[0]).update(title="Stil gewijzigd")
    with django_assert_num_queries(0):
        html = client.get("/").content.decode()
    assert MATCH_A[0] in html and "Stil gewijzigd" not in html
    assert "Stil gewijzigd" not in client.get("/clubs/club-brugge/").content.decode()
    # ...until an article lands, which retires them.
    land(world["Doelpunt"], CONTRACT, now)
    for url in ["/", "/clubs/club-brugge/"]:
        assert "Stil gewijzigd" in client.get(url).content.decode()


def test_an_editors_new_headline_reaches_the_cached_sidebars(client, world, admin_client):
    now = timezone.now()
    first = land(world["Sportkrant"], MATCH_A, now - timedelta(hours=5))
    second = land(world["Doelpunt"], MATCH_B, now - timedelta(hours=1))
    assert page(client, first).context["latest"][0].title == MATCH_B[0]  # now cached
    url = f"/admin/articles/article/{second.pk}/change/"
    data = admin_client.get(url).context["adminform"].form.initial
    fields = {
        k: ("" if v is None else v)
        for k, v in data.items()
        if k
        in {
            "title",
            "slug",
            "source",
            "url",
            "guid",
            "status",
            "story",
            "teaser",
            "body",
            "body_html",
            "author",
            "image_url",
            "language",
            "published_at",
            "duplicate_of",
        }
    }
    fields.update(title="Vanaken is opnieuw de held")
    fields["published_at_0"], fields["published_at_1"] = (
        second.published_at.strftime("%Y-%m-%d"),
        second.published_at.strftime("%H:%M:%S"),
    )
    for prefix in ["club_links", "player_links"]:
        fields[f"{prefix}-TOTAL_FORMS"], fields[f"{prefix}-INITIAL_FORMS"] = 0, 0
    response = admin_client.post(url, fields)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert page(client, first).context["latest"][0].title == "Vanaken is opnieuw de held"


def test_home_shows_featured_stories_in_the_editors_order_then_the_latest(client, world):
    now = timezone.now()
    land(world["Sportkrant"], MATCH_A, now - timedelta(hours=5))
    land(world["Doelpunt"], MATCH_B, now - timedelta(hours=4))
    land(world["De Tribune"], CONTRACT, now - timedelta(hours=3))
    genk = land(world["De Tribune"], ("KRC Genk wint in Mechelen", "KRC Genk won zondag in Mechelen."), now)
    match = Story.objects.get(articles__title=MATCH_A[0])
    contract = Story.objects.get(articles__title=CONTRACT[0])
    Story.objects.filter(pk=match.pk).update(is_featured=True, featured_order=2)
    Story.objects.filter(pk=contract.pk).update(is_featured=True, featured_order=1)

    response = client.get("/")
    assert [s.pk for s in response.context["featured"]] == [contract.pk, match.pk]
    assert [s.pk for s in response.context["page"].object_list] == [genk.story_id]
    html = response.content.decode()
    assert html.index(CONTRACT[0]) < html.index(MATCH_A[0]) < html.index("Laatste verhalen") < html.index(genk.title)
    assert "2 bronnen" in html and "1 bron<" in html
    assert 'href="/clubs/club-brugge/"' in html  # the lead article's clubs as chips


def test_story_page_is_a_timeline_of_its_coverage_duplicates_included(client, world):
    now = timezone.now()
    first = land(world["Sportkrant"], MATCH_A, now - timedelta(hours=5))
    second = land(world["Doelpunt"], MATCH_B, now - timedelta(hours=1))
    copy = land(world["De Tribune"], MATCH_A, now)
    assert copy.duplicate_of_id == first.pk and copy.story_id == first.story_id
    story = Story.objects.get(pk=first.story_id)
    assert (story.article_count, story.source_count) == (3, 3)
    response = client.get(story.get_absolute_url())
    assert [entry.article.pk for entry in response.context["timeline"]] == [first.pk, second.pk, copy.pk]
    html = response.content.decode()
    assert "Eerst gemeld door Sportkrant" in html
    assert html.index("Eerst gemeld door Sportkrant") < html.index("+4 u") < html.index("+5 u")
    assert "zelfde tekst als bij Sportkrant" in html and second.get_absolute_url() in html
    assert f'href="{copy.url}"' in html  # a copy has no page here: it leads to its source
    assert "3 bronnen" in html


@pytest.fixture
def crowded(world):
    """Long lists everywhere: 30 stories, a story of 12 reports, related lists full."""
    now = timezone.now()
    for n in range(30):
        land(
            world["Sportkrant"],
            (f"Club Brugge oefent ({n})", f"Club Brugge werkte training {n} af."),
            now - timedelta(days=3, hours=n),
        )
    reports = [
        land(world[name], MATCH_A if n % 2 else MATCH_B, now - timedelta(minutes=n))
        for n, name in enumerate(["Sportkrant", "Doelpunt", "De Tribune"] * 4)
    ]
    Story.objects.filter(pk__in=Story.objects.order_by("?").values("pk")[:8]).update(is_featured=True)
    return reports[0]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "article",
        "story",
        "/clubs/club-brugge/",
        "/players/",
        "/players/hans-vanaken/",
        "/stories/",
        "/feed/",
        "/search/?q=brugge",
        "/sitemap.xml",
    ],
)
def test_no_page_needs_more_than_ten_queries(client, crowded, url, django_assert_max_num_queries):
    if url == "article":
        url = crowded.get_absolute_url()
    elif url == "story":
        url = crowded.story.get_absolute_url()
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    if url == crowded.get_absolute_url():
        assert len(response.context["related"]) == 5


def test_sitemap_lists_articles_stories_and_clubs(client, world):
    article = land(world["Sportkrant"], MATCH_A, timezone.now())
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-articles.xml" in index
    articles = client.get("/sitemap-articles.xml").content.decode()
    assert article.get_absolute_url() in articles
    assert article.story.get_absolute_url() in client.get("/sitemap-stories.xml").content.decode()
    assert "/clubs/club-brugge/" in client.get("/sitemap-clubs.xml").content.decode()


def test_a_merged_storys_address_leads_to_the_story_that_absorbed_it(client, world, admin_client):
    from articles.models import StoryRedirect
    from tests.articles.test_admin import run_action

    now = timezone.now()
    match = land(world["Sportkrant"], MATCH_A, now - timedelta(hours=6))
    land(world["Doelpunt"], MATCH_B, now - timedelta(hours=5))
    contract = land(world["De Tribune"], CONTRACT, now - timedelta(hours=4))
    genk = land(world["De Tribune"], ("KRC Genk wint in Mechelen", "KRC Genk won zondag in Mechelen."), now)
    big, first, second = (Story.objects.get(pk=a.story_id) for a in (match, contract, genk))
    assert big.article_count == 2 and len({big.pk, first.pk, second.pk}) == 3

    run_action(admin_client, Story, "merge", [first, second])  # equal size: the older one stays
    moved = client.get(second.get_absolute_url())
    assert (moved.status_code, moved["Location"]) == (301, first.get_absolute_url())

    run_action(admin_client, Story, "merge", [big, first])  # and is absorbed in turn
    for old in (first, second):  # one hop, no chain
        response = client.get(old.get_absolute_url())
        assert (response.status_code, response["Location"]) == (301, big.get_absolute_url()), old.slug
    assert client.get(big.get_absolute_url()).status_code == 200
    assert set(StoryRedirect.objects.values_list("old_slug", flat=True)) == {first.slug, second.slug}
    stories = client.get("/sitemap-stories.xml").content.decode()
    assert big.get_absolute_url() in stories
    assert first.get_absolute_url() not in stories and second.get_absolute_url() not in stories
    assert client.get("/stories/nooit-bestaan/").status_code == 404


def test_a_story_renamed_in_the_admin_keeps_its_old_address(client, world, admin_client):
    match = land(world["Sportkrant"], MATCH_A, timezone.now())
    story = Story.objects.get(pk=match.story_id)
    old_url = story.get_absolute_url()
    form = {"headline": "", "slug": "de-topper", "lead_article": match.pk, "featured_order": 0}
    form.update({"articles-TOTAL_FORMS": 0, "articles-INITIAL_FORMS": 0})
    assert admin_client.post(f"/admin/articles/story/{story.pk}/change/", form).status_code == 302
    response = client.get(old_url)
    assert (response.status_code, response["Location"]) == (301, "/stories/de-topper/")
    assert client.get("/stories/de-topper/").status_code == 200


@pytest.mark.parametrize(("model", "action"), [(Story, "feature"), (Article, "feature_story")])
def test_a_story_featured_in_the_admin_shows_on_the_cached_home_page(client, world, admin_client, model, action):
    from tests.articles.test_admin import run_action

    now = timezone.now()
    match = land(world["Sportkrant"], MATCH_A, now - timedelta(hours=5))
    land(world["De Tribune"], CONTRACT, now)
    assert not client.get("/").context["featured"]  # the home page's story lists are now cached
    run_action(admin_client, model, action, [match.story if model is Story else match])
    html = client.get("/").content.decode()
    assert 'id="featured-title"' in html
    assert html.index(MATCH_A[0]) < html.index("Laatste verhalen")


def test_the_stories_changelist_labels_its_editable_fields(admin_client, world):
    match = land(world["Sportkrant"], MATCH_A, timezone.now())
    html = admin_client.get("/admin/articles/story/").content.decode()
    for label in ("Uitgelicht", "Volgorde", "Vergrendeld"):
        assert f'aria-label="{label}: {match.title}"' in html, label
