import pytest

from search.analysis import analyze


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("strafschoppen", "strafschop"),
        ("doelmannen", "doelman"),
        ("wedstrijden", "wedstrijd"),
        ("ploegen", "ploeg"),
        ("Leão", "Leao"),
        ("München", "Munchen"),
        ("Vinícius", "Vinicius"),
        ("Ødegaard", "Odegaard"),
        ("Çalhanoğlu", "Calhanoglu"),
    ],
)
def test_forms_meet(one, other):
    assert analyze(one) == analyze(other) != []


def test_stop_words_are_dropped_but_positions_kept():
    from search.analysis import dutch_analyzer

    tokens = [(t.text, t.pos) for t in dutch_analyzer()("de ploeg van het jaar", positions=True)]
    assert tokens == [("ploeg", 1), ("jaar", 4)]


@pytest.mark.parametrize(("text", "token"), [("won met 0-2", "0-2"), ("een 3–1 zege", "3-1"), ("score 2 - 2", "2-2")])
def test_scorelines_stay_searchable(text, token):
    assert token in analyze(text)


def test_single_digits_are_kept():
    assert "7" in analyze("rugnummer 7")


def test_the_compiled_stemmer_stems_as_snowballs_own_python_does():
    """The analyzer stems with PyStemmer (C) when installed; its stems must be the Snowball Dutch
    stemmer's, word for word, or an index and its queries would drift apart on an upgrade."""
    import json
    from pathlib import Path

    import snowballstemmer
    from snowballstemmer.dutch_stemmer import DutchStemmer

    from search.analysis import TOKENS, fold

    demo = Path(__file__).resolve().parents[2] / "articles" / "data" / "demo_articles.jsonl"
    words = set()
    for line in demo.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        words.update(fold(w.lower()) for w in TOKENS.findall(f"{record['title']} {record['body']}") if w.isalpha())
    assert len(words) > 900
    compiled, python = snowballstemmer.stemmer("dutch"), DutchStemmer()
    assert type(compiled).__module__ == "Stemmer"  # the C build is the one in use
    assert [w for w in sorted(words) if compiled.stemWord(w) != python.stemWord(w)] == []


def test_text_postings_are_the_dutch_analyzers_words_at_their_places():
    """`text` makes its postings from words_in_place, not from the analyzer's token stream; they
    must be the same words, positions (stop words keep their places), counts and weights, or
    phrases and scores would differ from what queries, analysed by the analyzer, expect."""
    import json
    from pathlib import Path

    from whoosh.formats import Positions

    from search.analysis import dutch_analyzer
    from search.schema import PlacedWords

    demo = Path(__file__).resolve().parents[2] / "articles" / "data" / "demo_articles.jsonl"
    texts = [json.loads(line)["body"] for line in demo.read_text(encoding="utf-8").splitlines()[:40]]
    texts.append("De 2-1 van Leão, de 3 – 0 van München: het was de ploeg van de ploegen, 0-2 en 0-2.")
    analyzer = dutch_analyzer()
    for text in texts:
        assert sorted(PlacedWords().word_values(text, analyzer)) == sorted(Positions().word_values(text, analyzer))
