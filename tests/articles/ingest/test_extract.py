"""The article inside one page: which reading wins, and bad input that must not crash."""

import pytest

from articles.ingest.extract import ExtractionFailed, extract_article

PARAGRAPH = "Racing Genk won zaterdag met 2-0 van Westerlo; Hrosovsky scoorde twee keer na de rust. "


def test_page_in_an_unknown_encoding_is_read_not_refused():
    page = (
        '<html><head><meta charset="x-onbekend-9"></head><body><article>'
        + f"<p>{PARAGRAPH}Café-uitbater én supporter.</p>" * 4
        + "</article></body></html>"
    ).encode("latin-1")
    extracted = extract_article(page, "https://example.be/genk", metadata=False)
    assert "Hrosovsky scoorde" in extracted.text


def test_selector_that_matches_nothing_falls_back_with_a_clear_warning():
    page = f"<html><body><article><p>{PARAGRAPH * 3}</p></article></body></html>"
    extracted = extract_article(page, "https://example.be/genk", selector="div.bestaat-niet")
    assert "Hrosovsky scoorde" in extracted.text
    assert "'div.bestaat-niet' matches nothing" in extracted.warning
    assert extracted.matches == {"div.bestaat-niet": 0}


def test_page_without_text_is_a_clear_error_whatever_the_rules():
    page = "<html><body><nav><a href='/'>Home</a></nav></body></html>"
    with pytest.raises(ExtractionFailed, match=r"matches nothing.*no main text"):
        extract_article(page, "https://example.be/genk", selector="div.bestaat-niet", strip_selectors=["nav"])


def test_short_article_is_kept_not_discarded():
    # Under 150 characters the precision-first reading alone kept nothing at all.
    page = "<html><body><nav><a href='/'>Home</a></nav><article><p>" + PARAGRAPH + "</p></article></body></html>"
    assert "Racing Genk won zaterdag" in extract_article(page, "https://example.be/genk", metadata=False).text
