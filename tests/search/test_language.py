"""The search language read into newsdesk's own tree: what each construct means, and the Dutch
messages for what cannot be read."""

import pytest

from search.language import And, Not, Or, Phrase, QueryError, Term, parse, wanted_words
from tests.factories import PlayerFactory
from tests.search.conftest import titles


def text(word):
    return Term("text", word)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("Vanaken Anderlecht", And((text("vanaak"), text("anderlecht")))),
        # Side by side binds loosest, then OR, then AND.
        ("Vanaken Anderlecht OR Cercle", And((text("vanaak"), Or((text("anderlecht"), text("cercl")))))),
        ("genk AND wint OR cercle", Or((And((text("genk"), text("wint"))), text("cercl")))),
        ("(genk OR cercle) -brugge", And((Or((text("genk"), text("cercl"))), Not(text("brug"))))),
        ("genk NOT brugge", And((text("genk"), Not(text("brug"))))),
        ("+genk", text("genk")),
        # Analysed as indexed: folded, stemmed; stop words out, but their places kept in phrases.
        ("Strafschoppen Leão", And((text("strafschop"), text("leao")))),
        ("de", None),
        ('"rood en wit"', Phrase("text", (("rood", 0), ("wit", 2)))),
        ('"de"', None),
        # Scorelines are one word, with or without spaces.
        ("0-2", text("0-2")),
        ("2 - 0 Genk", And((text("2-0"), text("genk")))),
        # A word that analysis splits is a phrase of its parts; a time is no field.
        ("Sint-Truiden", Phrase("text", (("sint", 0), ("truid", 1)))),
        ("12:30", Phrase("text", (("12", 0), ("30", 1)))),
        ('titel:"Genk wint"', Phrase("title", (("genk", 0), ("wint", 1)))),
        ("titel:Genk wint", And((Term("title", "genk"), text("wint")))),
        ("club:genk OR club:cercle", Or((Term("clubs", "genk"), Term("clubs", "cercle")))),
        ("speler: vanaken", Term("players", "vanaken")),
        # A dangling operator is a word, as in any search box.
        ("genk OR", And((text("genk"), text("or")))),
    ],
)
def test_queries_read_into_the_tree(query, tree):
    assert parse(query) == tree


def test_fields_resolve_to_every_slug_a_name_gives():
    tree = parse('speler:"de ketelaere"', resolve=lambda field, value: ["charles-de-ketelaere", "x-de-ketelaere"])
    assert tree == Or((Term("players", "charles-de-ketelaere"), Term("players", "x-de-ketelaere")))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("club:", "Na club: hoort wat je zoekt (bv. club:genk)."),
        ("speler:", "Na speler: hoort wat je zoekt"),
        ("genk club:(genk)", "Na club: hoort wat je zoekt"),
        ("ploeg:genk", "Onbekend veld 'ploeg:'"),
        ('"open', "Er ontbreekt een aanhalingsteken"),
        ("(genk", "De haakjes in je zoekopdracht sluiten niet."),
        ("genk)", "De haakjes in je zoekopdracht sluiten niet."),
        ("x" * 301, "te lang"),
        ("genk\x00", "onleesbare tekens"),
        (" ".join(f"w{n}" for n in range(41)), "te veel woorden"),
    ],
)
def test_what_cannot_be_read_is_a_dutch_message(query, message):
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        parse(query)


def test_highlighted_words_leave_out_the_excluded_ones():
    assert wanted_words(parse('genk "nieuwe doelman" -brugge club:genk')) == {"genk", "nieuwe", "doelman"}


@pytest.mark.django_db
def test_a_player_by_surname_alone_and_a_club_by_alias(client, newsroom):
    found = client.get("/api/search/", {"q": "speler:vanaken"}).json()
    assert set(titles(found)) == {"Club Brugge klopt Anderlecht in de topper", "Vanaken beslist de topper"}
    assert set(titles(client.get("/api/search/", {"q": "club:blauw-zwart"}).json())) == set(
        titles(client.get("/api/search/", {"q": "club:club-brugge"}).json())
    )
    # Two players with one surname: both are searched.
    PlayerFactory(slug="jan-vanaken", name="Jan Vanaken")
    from search.searching import resolve_entity

    assert sorted(resolve_entity("players", "vanaken")) == ["hans-vanaken", "jan-vanaken"]
    assert resolve_entity("players", "hans vanaken") == ["hans-vanaken"]


@pytest.mark.django_db
def test_field_without_a_value_is_a_400_in_dutch(client, newsroom):
    response = client.get("/api/search/", {"q": "club:"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("Na club: hoort wat je zoekt")


@pytest.mark.django_db
def test_only_words_to_leave_out_finds_the_rest(client, newsroom):
    found = titles(client.get("/api/search/", {"q": "-doelman"}).json())
    assert found and all("doelman" not in title.lower() for title in found)
    assert "Leão scoort voor Milan" in found


@pytest.mark.django_db
def test_only_words_to_leave_out_list_the_rest_newest_first(client, search_backend, settings):
    """Without a word to rank by, the articles without the left-out words come newest first on
    both backends, counted, whatever order they were indexed in (here in three runs: Whoosh
    segments of their own) and without the one hidden since."""
    from articles.models import Article
    from search import indexing
    from search.backend import get_backend
    from tests.factories import ArticleFactory
    from tests.search.conftest import when

    days = [3, 17, 9, 25, 1, 21, 12, 6, 28, 14, 19, 4]
    articles = []
    for run in range(3):
        for day in days[run::3]:
            body = "De doelman bleef rustig." if day % 3 == 0 else "De ploeg won overtuigend."
            articles.append(ArticleFactory(title=f"Verslag van de {day}de", body=body, published_at=when(day)))
        indexing.index_pending()
    hidden = next(article for article in articles if article.published_at.day == 25)
    hidden.status = Article.Status.HIDDEN
    hidden.save()
    indexing.index_pending()
    expected = [f"Verslag van de {day}de" for day in sorted(days, reverse=True) if day % 3 and day != 25]
    found = client.get("/api/search/", {"q": "-doelman"}).json()
    assert titles(found) == expected and found["count"] == len(expected) == 6
    found = client.get("/api/search/", {"q": "-doelman -rustig"}).json()
    assert titles(found) == expected and found["count"] == 6
    by_title = {article.title: article.pk for article in articles}
    page = get_backend().search_tree(parse("-doelman"), offset=2, limit=2, count_limit=1000)
    assert [hit.id for hit in page.hits] == [by_title[title] for title in expected[2:4]]
    settings.NEWSDESK_SEARCH_COUNT_LIMIT = 5
    found = client.get("/api/search/", {"q": "-doelman"}).json()
    assert found["count"] == 5 and not found["count_exact"] and titles(found) == expected[:5]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(3))
def test_whoosh_reads_only_words_to_leave_out_as_its_newest_first_order(settings, seed):
    """Whoosh's shortcut for these searches (search.backend._all_but) gives the page, the count
    and the facets of its general path in date order: over several segments, articles edited
    and hidden since (deleted documents), and many published at the same time."""
    import random

    from articles.models import Article
    from search import indexing
    from search.backend import get_backend
    from tests.factories import ArticleFactory
    from tests.search.conftest import when

    settings.NEWSDESK_SEARCH_BACKEND = "whoosh"
    words = ["doelman", "transfer", "bleef", "ploeg", "genk", "rustig", "strafschop"]
    rng, articles = random.Random(seed), []
    for _run in range(4):
        for _ in range(rng.randint(1, 15)):
            body = " ".join(rng.sample(words, rng.randint(1, 4))) + " tekst."
            published = when(rng.randint(1, 6), rng.choice([10, 12]))
            articles.append(ArticleFactory(title="Verslag", body=body, published_at=published))
        indexing.index_pending()
        for article in rng.sample(articles, min(3, len(articles))):
            if rng.random() < 0.5:
                article.status = Article.Status.HIDDEN
            else:
                article.body, article.published_at = " ".join(rng.sample(words, 2)), when(rng.randint(1, 6), 12)
            article.save()
        indexing.index_pending()
    backend = get_backend()
    for text in ["-doelman", "-doelman -transfer", "-(genk OR ploeg)", '-"doelman transfer"', "-gen*", "-nergens"]:
        tree = parse(text)
        everything = backend.search_tree(tree, newest_first=True, limit=10**6, facets=("clubs", "source"))
        for count_limit in (1, 5, 1000):
            for offset, limit in ((0, 10), (2, 3), (40, 10)):
                page = backend.search_tree(
                    tree, offset=offset, limit=limit, count_limit=count_limit, facets=("clubs", "source")
                )
                expected = [hit.id for hit in everything.hits][offset : offset + limit]
                assert [hit.id for hit in page.hits] == expected, (text, offset, limit)
                assert page.total == min(everything.total, count_limit + 1), text
                if everything.total <= count_limit:
                    assert page.facets == everything.facets, text


@pytest.mark.django_db
def test_suggestions_are_near_whole_words(client, newsroom):
    from search.searching import suggest

    assert suggest("Vanakn") == "Vanaken"
    assert suggest("Leao") is None  # in the archive as Leão: nothing to correct
    assert suggest("Gank") == "Genk"
    assert suggest("Gnak") is None  # two letters off a short word: another word, not a typo
    assert suggest("Mila") == "Milan"
    assert suggest("gen*") is None and suggest("club:gen") is None
    assert suggest("topperr") == "topper"
