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
