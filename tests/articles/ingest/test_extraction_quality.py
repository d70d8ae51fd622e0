"""Extraction quality on real sport pages (trafilatura's evaluation set): what must be in the
text is there, what must not be (navigation, teasers, banners) is gone."""

import json

from articles.ingest.extract import ExtractionFailed, extract_article
from tests.services import require_shared


def test_extraction_finds_the_article_and_leaves_the_page_around_it():
    root = require_shared("trafilatura-sport")
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    found = wanted = absent = unwanted = 0
    for url, case in expected.items():
        try:
            text = extract_article((root / "pages" / case["file"]).read_bytes(), url).text
        except ExtractionFailed:
            text = ""
        found += sum(snippet in text for snippet in case["with"])
        wanted += len(case["with"])
        absent += sum(snippet not in text for snippet in case["without"])
        unwanted += len(case["without"])
    print(
        f"\nextraction over {len(expected)} pages: with-snippets found {found}/{wanted} = {found / wanted:.1%}, "
        f"without-snippets absent {absent}/{unwanted} = {absent / unwanted:.1%}"
    )
    assert found / wanted >= 0.90
    assert absent / unwanted >= 0.90
