"""The teaser lists beside a page repeat nothing the page already shows, and "Meer over" is
about the club the article is about."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article, ArticleClub
from tests.factories import ArticleFactory, ClubFactory, StoryFactory

pytestmark = pytest.mark.django_db


def at(hour):
    return timezone.make_aware(datetime.datetime(2026, 11, 20, hour, 0))


def link(article, club, *mentions):
    ArticleClub.objects.create(article=article, club=club, mentions=list(mentions))


def mention(field, start, text):
    return {"start": start, "end": start + len(text), "text": text, "field": field}  # as linking stores it


def test_meer_over_is_the_club_in_the_title_not_the_first_by_name(client):
    genk = ClubFactory(slug="krc-genk", name="KRC Genk")
    westerlo = ClubFactory(slug="kvc-westerlo", name="KVC Westerlo")
    anderlecht = ClubFactory(slug="anderlecht", name="Anderlecht")
    article = ArticleFactory(title="Genk rekent op vormsterke Steuckers", published_at=at(20))
    link(article, genk, mention("title", 0, "Genk"))
    link(article, westerlo, mention("body", 10, "Westerlo"), mention("body", 80, "Westerlo"))
    link(article, anderlecht, mention("body", 200, "Anderlecht"))
    for club in (genk, westerlo, anderlecht):  # each has another article to show
        link(ArticleFactory(title=f"Nieuws over {club.name}", published_at=at(10)), club)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Meer over KRC Genk" in page
    chips = page.index('href="/clubs/krc-genk/"'), page.index('href="/clubs/kvc-westerlo/"')
    assert chips[0] < chips[1]  # the chips lead with it too


def test_meer_over_leaves_out_what_gerelateerd_shows(client):
    genk = ClubFactory(slug="krc-genk", name="KRC Genk")
    others = [ArticleFactory(title=f"Genk nieuws {n}", published_at=at(10 + n)) for n in range(8)]
    article = ArticleFactory(title="Genk wint", published_at=at(20))
    for other in [*others, article]:
        link(other, genk, mention("title", 0, "Genk"))
    related = [others[7].pk, others[6].pk, others[5].pk]
    Article.objects.filter(pk=article.pk).update(related_ids=related)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Meer over KRC Genk" in page
    start = page.index('id="club-title"')
    about = page[start : page.index("</section>", start)]
    for pk in related:
        assert f"/articles/{pk}/" not in about
    assert about.count('href="/articles/') >= 5  # filled from further back


def test_meest_recent_on_the_home_page_leaves_out_the_stories_it_stands_beside(client):
    leads = []
    for n in range(6):
        article = ArticleFactory(title=f"Verhaal {n}", published_at=at(12 + n))
        story = StoryFactory(lead_article=article, article_count=1, last_published_at=article.published_at)
        Article.objects.filter(pk=article.pk).update(story=story)
        leads.append(article)
    loose = [ArticleFactory(title=f"Los bericht {n}", published_at=at(2 + n)) for n in range(6)]
    page = client.get("/").content.decode()
    sidebar = page[page.index('aria-label="Meest recent"') :]
    cards = page[: page.index('aria-label="Meest recent"')]
    assert all(article.get_absolute_url() in cards for article in leads)
    for article in leads:
        assert article.get_absolute_url() not in sidebar
    for article in loose:
        assert article.get_absolute_url() in sidebar


def test_a_teasers_bubble_counts_the_sources_of_its_story_and_shows_only_from_two(client):
    """Most stories have one article; the bubble tells a reader that several sites report it."""
    genk = ClubFactory(slug="krc-genk", name="KRC Genk")
    busy = StoryFactory(article_count=5, source_count=3)
    single_source = StoryFactory(article_count=4, source_count=1)
    teasers = {
        "busy": ArticleFactory(title="Genk wint de derby", story=busy, published_at=at(12)),
        "one source": ArticleFactory(title="Genk traint", story=single_source, published_at=at(11)),
        "alone": ArticleFactory(title="Genk stelt voor", published_at=at(10)),
    }
    for article in teasers.values():
        link(article, genk)

    def bubbles(html, title):
        teaser = html.split(f">{title}</a>")[1].split("</p>")[0]
        return [b.replace("\n", "") for b in teaser.split('<span class="count"')[1:]]

    for url in ["/clubs/krc-genk/", ArticleFactory(title="Iets anders", published_at=at(9)).get_absolute_url()]:
        html = client.get(url).content.decode()  # the club's own list; an article's "Meest recent"
        [bubble] = bubbles(html, "Genk wint de derby")
        assert bubble == ' title="Bronnen over dit verhaal">3<span class="visually-hidden"> bronnen</span></span>', url
        assert bubbles(html, "Genk traint") == [] and bubbles(html, "Genk stelt voor") == [], url


def test_a_player_page_has_meer_over_his_club_and_meest_recent(client, django_assert_max_num_queries):
    from tests.factories import PlayerFactory

    genk = ClubFactory(slug="krc-genk", name="KRC Genk")
    heynen = PlayerFactory(slug="bryan-heynen", name="Bryan Heynen", club=genk)
    about_him = ArticleFactory(title="Heynen verlengt", published_at=at(20))
    link(about_him, genk)
    heynen.article_links.create(article=about_him)
    club_news = [ArticleFactory(title=f"Genk nieuws {n}", published_at=at(10 + n)) for n in range(8)]
    for article in club_news:
        link(article, genk)
    elsewhere = ArticleFactory(title="Nieuws uit Engeland", published_at=at(21))

    with django_assert_max_num_queries(10):
        html = client.get("/players/bryan-heynen/").content.decode()
    main, aside = html.split('<aside class="sidebar"')
    assert "Heynen verlengt" in main
    about = aside[aside.index('id="club-title"') : aside.index('id="latest-title"')]
    latest = aside[aside.index('id="latest-title"') :]
    assert ">Meer over KRC Genk</h2>" in about and ">Meest recent</h2>" in latest
    assert elsewhere.get_absolute_url() in latest
    # Neither repeats what the page lists, nor each other.
    assert about_him.get_absolute_url() not in aside
    # "Meer over" has the club's newest; "Meest recent" does not repeat them and fills up with older ones.
    shown = [article.get_absolute_url() for article in reversed(club_news)]
    assert [url in about for url in shown] == [True] * 5 + [False] * 3
    assert [url in latest for url in shown] == [False] * 5 + [True] * 3

    # A player without a club: "Meest recent" alone.
    PlayerFactory(slug="vrije-speler", name="Vrije Speler", club=None)
    html = client.get("/players/vrije-speler/").content.decode()
    assert "Meer over" not in html and ">Meest recent</h2>" in html
