"""Random query strings at the search page and the API: never a 5xx."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

# Letters, digits, the parser's own syntax, accents and some control and odd characters.
ALPHABET = st.sampled_from(
    [
        *list("abcAB01 -\":()*?~^+&|!{}[]\\/'éãöß\t\n\x00\u200b<>%"),
        "AND",
        "OR",
        "NOT",
        "club:",
        "speler:",
        "bron:",
        "titel:",
    ]
)
QUERIES = st.lists(ALPHABET, max_size=40).map("".join) | st.text(max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=QUERIES,
    sort=st.sampled_from(["", "relevance", "date", "x"]),
    page=st.sampled_from(["", "1", "2", "0", "-1", "x"]),
)
def test_no_query_makes_a_server_error(client, newsroom, q, sort, page):
    params = {"q": q, "sort": sort, "page": page}
    for url in ("/search/", "/api/search/"):
        response = client.get(url, params)
        assert response.status_code < 500, (url, params, response.status_code)
