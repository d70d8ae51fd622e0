"""Searching through the page and the API, on a real index in a temporary folder."""

import pytest

from articles.models import Article
from search import indexing
from search.backend import get_backend
from search.searching import snippet
from tests.factories import ArticleFactory
from tests.search.conftest import titles, when

pytestmark = pytest.mark.django_db


def api(client, **params):
    response = client.get("/api/search/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_words_are_anded_and_forms_meet(client, newsroom):
    assert set(titles(api(client, q="Vanaken Anderlecht"))) == {
        "Club Brugge klopt Anderlecht in de topper",
        "Vanaken beslist de topper",
    }
    # strafschoppen (plural) finds strafschop, doelmannen finds doelman, Leao finds Leão.
    assert set(titles(api(client, q="strafschop"))) == {
        "Vanaken beslist de topper",
        "Anderlecht zoekt een nieuwe doelman",
    }
    assert len(titles(api(client, q="doelmannen"))) == 2
    assert titles(api(client, q="Leao Munchen")) == ["Leão scoort voor Milan"]


def test_phrase_or_and_exclusion(client, newsroom):
    assert titles(api(client, q='"nieuwe doelman"')) == ["Anderlecht zoekt een nieuwe doelman"]
    assert titles(api(client, q='"doelman nieuwe"')) == []
    assert len(titles(api(client, q="Leão OR Cercle"))) == 2
    assert "Genk wint met 0-2 bij Cercle" not in titles(api(client, q="Brugge -Genk"))
    assert titles(api(client, q="0-2")) == ["Genk wint met 0-2 bij Cercle"]


@pytest.fixture(params=["positions", "word pairs"])
def phrase_index(request, newsroom, monkeypatch):
    """The newsroom's index as it is (phrases checked by position), or rebuilt with every word
    counted frequent, so phrases are answered from the word pairs (Whoosh's; PostgreSQL's
    tsquery reads positions either way)."""
    if request.param == "word pairs" and get_backend().name == "whoosh":
        monkeypatch.setattr(indexing, "MIN_SAMPLE", 1)
        indexing.rebuild()
        searcher = get_backend().searcher()
        assert "brug" in searcher.schema["pairs"].analyzer.frequent
        assert searcher.doc_frequency("pairs", "0-2 _ brug") == 1
    return request.param


def test_phrases_keep_the_stop_words_between_their_words(client, phrase_index):
    # "won met 0-2 in Brugge": a stop word is not indexed, but its place is, so "0-2 Brugge" is
    # no phrase of it.
    assert titles(api(client, q='"0-2 in Brugge"')) == ["Genk wint met 0-2 bij Cercle"]
    assert titles(api(client, q='"0-2 Brugge"')) == []
    assert "Genk wint met 0-2 bij Cercle" not in titles(api(client, q='doelmannen -"0-2 in Brugge"'))
    assert "Genk wint met 0-2 bij Cercle" in titles(api(client, q='doelmannen -"0-2 Brugge"'))
    # Longer phrases: every word pair in its place.
    assert titles(api(client, q='"enige doelpunt in München"')) == ["Leão scoort voor Milan"]
    assert titles(api(client, q='"enige doelpunt in Milan"')) == []
    # A phrase's words are marked in the snippet.
    [result] = api(client, q='"de strafschop in de laatste match"')["results"]
    assert "<mark>strafschop</mark> in de <mark>laatste</mark> <mark>match</mark>" in result["snippet"]


def test_relevance_puts_more_and_title_matches_first(client, newsroom):
    ArticleFactory(
        title="Doelman gezocht", body="Een doelman, nog een doelman en weer een doelman.", published_at=when(3)
    )
    indexing.index_pending()
    # Four times in the text; in the title and the body; once (doelmannen) in the body.
    assert titles(api(client, q="doelman")) == [
        "Doelman gezocht",
        "Anderlecht zoekt een nieuwe doelman",
        "Genk wint met 0-2 bij Cercle",
    ]


def test_fielded_terms(client, newsroom):
    assert set(titles(api(client, q="club:anderlecht topper"))) == {
        "Club Brugge klopt Anderlecht in de topper",
        "Vanaken beslist de topper",
    }
    # A club by its name, a player by name, a source by its name.
    assert len(titles(api(client, q='club:"Club Brugge"'))) == 2
    # The second names him by surname alone: he is the only Vanaken the gazetteer knows.
    assert set(titles(api(client, q='speler:"Hans Vanaken"'))) == {
        "Club Brugge klopt Anderlecht in de topper",
        "Vanaken beslist de topper",
    }
    assert set(titles(api(client, q="bron:doelpunt-nu topper"))) == {"Vanaken beslist de topper"}


def test_a_rejected_club_link_leaves_the_clubs_results(client, newsroom):
    from articles.models import ArticleClub, LinkState

    link = ArticleClub.objects.get(article__title="Vanaken beslist de topper", club__slug="anderlecht")
    link.state = LinkState.REJECTED
    link.save()
    indexing.index_pending()
    assert set(titles(api(client, q="club:anderlecht topper"))) == {"Club Brugge klopt Anderlecht in de topper"}
    assert set(titles(api(client, q="club:club-brugge topper"))) == {
        "Club Brugge klopt Anderlecht in de topper",
        "Vanaken beslist de topper",
    }


def test_filters_and_sort(client, newsroom):
    assert set(titles(api(client, q="topper", club="club-brugge"))) == {
        "Club Brugge klopt Anderlecht in de topper",
        "Vanaken beslist de topper",
    }
    assert titles(api(client, q="doelman", date_from="2026-11-09")) == ["Genk wint met 0-2 bij Cercle"]
    assert titles(api(client, q="doelman", date_to="2026-11-09")) == ["Anderlecht zoekt een nieuwe doelman"]
    assert len(titles(api(client, q="topper", story="topper"))) == 2
    assert titles(api(client, q="Anderlecht", source="Doelpunt.nu")) == ["Vanaken beslist de topper"]
    newest = api(client, q="Anderlecht", sort="date")
    dates = [r["published"] for r in newest["results"]]
    assert dates == sorted(dates, reverse=True)


def test_facet_counts_cover_the_whole_result_set(client, newsroom):
    data = api(client, q="Anderlecht OR Genk OR Leão")
    assert data["count"] == 5
    assert data["facets"]["sources"] == {"sportkrant": 3, "doelpuntnu": 2}
    assert data["facets"]["clubs"]["anderlecht"] == 3
    assert data["facets"]["clubs"]["club-brugge"] == 2


def test_result_shape_and_highlighting(client, newsroom):
    result = api(client, q="strafschop")["results"][0]
    assert set(result) == {"id", "url", "title", "snippet", "score", "published", "clubs", "players"}
    assert "<mark>" in result["snippet"]
    assert result["score"] > 0


def test_hostile_article_text_is_escaped_in_snippets(client, newsroom):
    ArticleFactory(title="Aanval op de site", body='Een doelpunt <script>alert("x")</script> en <b>vet</b> & meer.')
    indexing.index_pending()
    snippet = api(client, q="doelpunt aanval")["results"][0]["snippet"]
    assert "<script>" not in snippet and "<b>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>doelpunt</mark>" in snippet
    page = client.get("/search/", {"q": "doelpunt aanval"}).content.decode()
    assert '<script>alert("x")' not in page


def test_pagination(client, newsroom):
    for n in range(25):
        ArticleFactory(title=f"Transfernieuws deel {n}", body="Een transfer naar het buitenland.", published_at=when(1))
    indexing.index_pending()
    first = api(client, q="transfer")
    assert first["count"] == 25 and len(first["results"]) == 20 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5 and second["previous"]
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    page = client.get("/search/", {"q": "transfer", "page": 2}).content.decode()
    assert "Pagina 2 van 2" in page


def test_counts_stop_at_the_limit_and_say_there_are_more(client, newsroom, settings):
    settings.NEWSDESK_SEARCH_COUNT_LIMIT = 3
    for n in range(6):
        ArticleFactory(title=f"Transfernieuws deel {n}", body="Een transfer naar het buitenland.", published_at=when(1))
    indexing.index_pending()
    data = api(client, q="transfer")
    assert data["count"] == 3 and data["count_exact"] is False and not data["next"]
    assert len(data["results"]) == 3
    # The facets counted the matches read: the limit and one more, not all six.
    assert sum(data["facets"]["sources"].values()) == 4
    page = client.get("/search/", {"q": "transfer"}).content.decode()
    assert "meer dan 3 artikels" in page
    assert 'class="count"' not in page  # a sample's numbers are not shown, only its order
    exact = api(client, q="Vanaken")
    assert exact["count"] == 2 and exact["count_exact"] is True
    page = client.get("/search/", {"q": "Vanaken"}).content.decode()
    assert "2 artikels" in page and "meer dan" not in page and 'class="count"' in page


def test_beyond_the_count_limit_the_newest_matches_are_ranked_first_then_the_rest_by_date(
    newsroom, settings, monkeypatch
):
    from search import base, language

    settings.NEWSDESK_SEARCH_COUNT_LIMIT = 3
    monkeypatch.setattr(base, "RELEVANCE_POOL", 3)
    monkeypatch.setattr(base, "RELEVANCE_POOL_FROM", 1)  # PostgreSQL's planner may guess a handful
    by_day = {
        day: ArticleFactory(title=f"Bericht {day}", body="transfer " * (1 + day % 3) + "einde", published_at=when(day))
        for day in range(1, 8)
    }
    indexing.index_pending()
    backend = get_backend()
    tree = language.parse("transfer")
    page = backend.search_tree(tree, limit=7, count_limit=3)
    assert page.total == 4
    # The newest three (days 7, 6, 5) by relevance (3, 2 and 1 mentions), then the rest newest first.
    expected = [by_day[day].pk for day in (5, 7, 6, 4, 3, 2, 1)]
    assert [hit.id for hit in page.hits] == expected
    across = backend.search_tree(tree, offset=2, limit=3, count_limit=3)
    assert [hit.id for hit in across.hits] == expected[2:5]
    assert [hit.id for hit in backend.search_tree(tree, offset=4, limit=2, count_limit=3).hits] == expected[4:6]
    everything = backend.search_tree(tree, limit=7)  # no limit: every match ranked
    assert {hit.id for hit in everything.hits[:2]} == {by_day[2].pk, by_day[5].pk}  # day 2 comes up
    monkeypatch.setattr(base, "RELEVANCE_POOL_FROM", 10**9)  # fewer matches than that: all ranked
    fewer = backend.search_tree(tree, limit=7, count_limit=3)
    assert fewer.total == 4 and {hit.id for hit in fewer.hits[:2]} == {by_day[2].pk, by_day[5].pk}


def test_suggestion_when_the_query_finds_little(client, newsroom):
    data = api(client, q="Vanakn")
    assert data["count"] == 0
    assert data["suggestion"] == "Vanaken"
    assert api(client, q="Vanaken")["suggestion"] is None
    assert "Bedoelde je" in client.get("/search/", {"q": "Vanakn"}).content.decode()


def test_empty_query_lists_the_latest_articles(client, newsroom):
    data = api(client)
    assert data["count"] == 5
    assert data["results"][0]["title"] in {"Club Brugge klopt Anderlecht in de topper", "Vanaken beslist de topper"}
    assert titles(api(client, club="genk")) == ["Genk wint met 0-2 bij Cercle"]


@pytest.mark.parametrize("q", ['"open quote', "foo:bar", "((a)", "x" * 400])
def test_unreadable_query_is_a_400_with_a_message(client, newsroom, q):
    response = client.get("/api/search/", {"q": q})
    assert response.status_code == 400
    assert response.json()["error"]
    page = client.get("/search/", {"q": q})
    assert page.status_code == 400
    assert 'class="error"' in page.content.decode()


def test_bad_filter_values_are_a_400(client, newsroom):
    assert client.get("/api/search/", {"q": "a", "date_from": "gisteren"}).status_code == 400
    assert client.get("/search/", {"sort": "random"}).status_code == 400


def test_hidden_article_leaves_the_results(client, newsroom, django_capture_on_commit_callbacks):
    from articles.ingest.store import set_status

    article = Article.objects.get(title="Leão scoort voor Milan")
    with django_capture_on_commit_callbacks(execute=True):
        set_status([article.pk], Article.Status.HIDDEN)
    assert titles(api(client, q="Leão")) == []


def test_search_feed_follows_a_query(client, newsroom):
    response = client.get("/search/feed/", {"q": "topper"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert body.count("<entry>") == 2
    assert "Vanaken beslist de topper" in body
    assert client.get("/search/feed/", {"q": '"oops'}).status_code == 404


def test_search_page_shows_facets_and_results(client, newsroom, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = client.get("/search/", {"q": "Anderlecht"})
    page = response.content.decode()
    assert "Club Brugge klopt Anderlecht in de topper" in page
    assert "?q=Anderlecht&amp;club=anderlecht" in page
    assert "<mark>" in page


def test_search_command(newsroom, capsys):
    from django.core.management import CommandError, call_command

    call_command("search", "topper", "--json", "--club", "club-brugge")
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["count"] == 2
    with pytest.raises(CommandError, match="aanhalingsteken"):
        call_command("search", '"oeps')


def test_snippet_shows_the_densest_passage_cut_at_words():
    opening = "In de eerste helft gebeurde weinig. " * 5
    body = (
        opening + "Toen kreeg de doelman een rode kaart na een strafschop. De strafschoppen waren raak." + " Stil." * 40
    )
    text = snippet(body, {"doelman", "strafschop"}, "teaser")
    assert text.startswith("… ") and text.endswith(" …")
    assert "<mark>doelman</mark> een rode kaart na een <mark>strafschop</mark>. De <mark>strafschoppen</mark>" in text
    assert "eerste helft" not in text.replace("… ", "", 1)[:20]  # not from the opening's start
    assert len(text.replace("<mark>", "").replace("</mark>", "")) <= 230
    words = body.split()
    assert text.split()[1].strip(".") in {word.strip(".") for word in words}  # whole words only
    assert snippet("Niets hier.", {"doelman"}, "Een <teaser>") == "Een &lt;teaser&gt;"


def test_long_posting_lists_read_by_block_agree_with_whoosh(db):
    """300 articles share a word (three posting blocks); three of them also carry a rare word,
    one in each block, and one of those is then removed from the index. The AND reads only the
    blocks holding a candidate, and its matches are exactly what Whoosh's own matcher finds."""
    from whoosh import query as wq

    from articles.ingest.store import set_status
    from search.matching import Evaluator
    from search.query import parse
    from search.searching import schema

    articles = [
        ArticleFactory(
            title=f"Verslag {n}",
            body=f"Een wedstrijd {'met de zeldzaam scheidsrechter ' if n % 120 == 7 else ''}vol kansen.",
        )
        for n in range(300)
    ]
    indexing.index_pending()
    rare = [article for n, article in enumerate(articles) if n % 120 == 7]
    set_status([rare[1].pk], Article.Status.HIDDEN)
    indexing.index_pending()

    searcher = get_backend().searcher()
    assert searcher.doc_frequency("text", "wedstrijd") == 300  # deleted documents still counted
    for text in ("zeldzaam wedstrijd", '"zeldzaam scheidsrechter"', "wedstrijd -zeldzaam"):
        query = parse(text, schema())
        found = Evaluator(searcher).scores(query)
        whoosh_query = (
            wq.And([wq.Term("text", "zeldzaam"), wq.Term("text", "scheidsrechter")]) if '"' in text else query
        )
        expected = set(searcher.docs_for_query(whoosh_query))
        assert set(found) == expected, text
    ids = {
        int(searcher.stored_fields(doc)["id"])
        for doc in Evaluator(searcher).scores(parse("zeldzaam wedstrijd", schema()))
    }
    assert ids == {rare[0].pk, rare[2].pk}


def test_a_phrase_with_a_common_word_is_answered_from_word_pairs_and_matches_only_adjacent_words(db, monkeypatch):
    """A pair in which one word is common (in COMMON_SHARE of the articles) and the other one of
    its neighbours (in NEIGHBOUR_SHARE or more) is indexed as a term of its own: the phrase then
    reads one short posting list, not the common word's positions in every article, and still
    finds only the articles where the words stand side by side. A common word beside a rarer word
    is not paired (a million articles made tens of millions of such pairs); its phrase is found
    by positions, as is every phrase in an index written before common words."""
    from search.matching import Evaluator
    from search.query import parse
    from search.searching import schema

    adjacent = ArticleFactory(title="Vuurwerk", body="Het vuurwerk bleef lang hangen. Zij zocht rust.")
    ArticleFactory(title="Apart", body="Het vuurwerk was mooi. De ploeg bleef rustig. Lang duurde het.")
    for n in range(20):
        ArticleFactory(title=f"Verslag {n}", body="De ploeg bleef rustig na de rust.")

    def phrase_hits(text='"vuurwerk bleef"'):
        searcher = get_backend().searcher()
        docs = Evaluator(searcher).scores(parse(text, schema()))
        return {int(searcher.stored_fields(doc)["id"]) for doc in docs}, searcher

    shares = {"bleef": 0.9, "ploeg": 0.9, "rust": 0.05, "vuurwerk": 0.005}

    def frequent_words(share=indexing.FREQUENT_SHARE):
        return {word: part for word, part in shares.items() if part >= share}

    monkeypatch.setattr(indexing, "frequent_words", frequent_words)
    indexing.rebuild()
    found, searcher = phrase_hits()
    assert found == {adjacent.pk}
    assert searcher.doc_frequency("pairs", "vuurwerk bleef") == 1  # neighbour + common: paired
    assert searcher.doc_frequency("pairs", "bleef rust") == 21  # "bleef rustig": common + frequent
    assert searcher.doc_frequency("pairs", "rust _ _ rust") == 20  # "rustig na de rust": two frequent
    assert searcher.doc_frequency("pairs", "zocht rust") == 0  # rare + merely frequent: not paired
    assert searcher.doc_frequency("pairs", "lang hang") == 0  # two rare words: not paired
    assert searcher.doc_frequency("pairs", "bleef lang") == 0  # common + rarer than a neighbour
    assert searcher.schema["pairs"].analyzer.pairs_answer(["vuurwerk", "bleef"])
    assert not searcher.schema["pairs"].analyzer.pairs_answer(["bleef", "lang"])
    assert phrase_hits('"bleef lang"')[0] == {adjacent.pk}  # by positions, not "bleef rustig. Lang"

    shares = {"bleef": 0.1, "ploeg": 0.1}  # none common
    indexing.rebuild()
    found, searcher = phrase_hits()
    assert found == {adjacent.pk}
    assert searcher.doc_frequency("pairs", "vuurwerk bleef") == 0
    assert not searcher.schema["pairs"].analyzer.pairs_answer(["vuurwerk", "bleef"])


def test_frequent_words_are_scored_from_positions_free_postings_exactly_as_whoosh_scores_text(db, monkeypatch):
    """Frequent words are scored from `words` (their postings without positions), rarer ones
    from `text`; either way the scores must be Whoosh's own BM25F over `text`: same term
    frequencies, same lengths (stop words not counted)."""
    from search.matching import Evaluator
    from search.query import parse
    from search.searching import schema

    for n in range(30):
        ArticleFactory(
            title=f"Verslag {n}",
            body="De doelman had een blessure. " * (n % 4 + 1)
            + "Het was een en ander van niets. " * (n % 7)
            + ("Een scheur in de kruisband. " * (n % 3) if n % 10 == 0 else ""),
        )
    monkeypatch.setattr(indexing, "frequent_words", lambda **_: dict.fromkeys(["doelman", "blessur", "verslag"], 0.1))
    indexing.rebuild()
    searcher = get_backend().searcher()
    assert searcher.doc_frequency("words", "doelman") == 30  # frequent: positions-free postings too
    assert searcher.doc_frequency("words", "kruisband") == 0  # rare: text only
    for text in ("doelman", "doelman blessure", "doelman kruisband", "kruisband OR verslag"):
        query = parse(text, schema())
        expected = {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}
        found = Evaluator(searcher).scores(query)
        assert found == pytest.approx(expected, rel=1e-6), text


def test_active_filters_are_shown_kept_by_a_new_query_and_removable(client, newsroom):
    page = client.get("/search/", {"q": "topper", "club": "club-brugge", "source": "sportkrant"}).content.decode()
    # Each filter shows as a chip that leads to the same search without it.
    assert "Gefilterd op" in page
    assert 'href="?q=topper&amp;source=sportkrant"' in page and "Club: Club Brugge" in page
    assert 'href="?q=topper&amp;club=club-brugge"' in page and "Bron: Sportkrant" in page
    assert 'href="?q=topper">Alle filters wissen' in page
    # The search form carries them, so a new query stays within them (and says so).
    form = page.split('<form class="search-form"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="club" value="club-brugge">' in form
    assert '<input type="hidden" name="source" value="sportkrant">' in form
    assert "Een nieuwe zoekopdracht blijft binnen deze filters." in form
    # The active facet is marked, and its link removes the filter instead of adding it again.
    facets = page.split('class="sidebar facets"', 1)[1]
    active = facets.split('<li class="facet-active">', 1)[1].split("</li>", 1)[0]
    assert 'href="?q=topper&amp;source=sportkrant" aria-current="true"' in active and "Club Brugge" in active
    assert facets.count("facet-active") == 2  # the club and the source
    assert "club=club-brugge&amp;club=" not in page


def test_dates_player_and_story_filters_show_by_name(client, newsroom):
    params = {"q": "topper", "player": "hans-vanaken", "story": "topper", "date_from": "2026-11-09"}
    page = client.get("/search/", params).content.decode()
    assert "Speler: Hans Vanaken" in page
    assert "Verhaal: " in page
    assert "Datum: vanaf 9 november 2026" in page
    assert 'href="?q=topper&amp;player=hans-vanaken&amp;story=topper" title="Filter verwijderen"' in page
    # A query the parser cannot read keeps the filters in the form, to be corrected.
    refused = client.get("/search/", {**params, "q": '"oops'})
    assert refused.status_code == 400
    assert '<input type="hidden" name="player" value="hans-vanaken">' in refused.content.decode()
