"""Extraction quality on the shared sets, the project against trafilatura's default run directly
on the same pages in the same run (issue 20, item 1).

- readability-pages: 130 real pages with the article Readability.js extracts (expected.html);
  each page scores the token F1 of our text against that article's text (words, lower case,
  counted with repeats), and the set its mean.
- trafilatura-sport: 22 real sport pages with snippets the text must contain (`with`) and must
  not contain (`without`).

Run with `pytest -s` to see the figures (BENCHMARKS.md keeps them)."""

import json
import re
import statistics
from collections import Counter

import trafilatura

from articles.ingest.cleaning import html_to_text, normalize_text
from articles.ingest.extract import ExtractionFailed, extract_article
from tests.services import require_shared

WORD = re.compile(r"\w+")
# Where the readability pages pretend to be (their links and images point there).
PAGE_URL = "http://fakehost/test/page.html"
# What the project scored before issue 20 (BENCHMARKS.md): it may not fall below it anywhere.
BEFORE = {"readability_f1": 0.877, "sport_with": 0.955, "sport_without": 0.927}


def token_f1(got: str, wanted: str) -> float:
    got_words, wanted_words = Counter(WORD.findall(got.lower())), Counter(WORD.findall(wanted.lower()))
    if not got_words and not wanted_words:
        return 1.0
    common = sum((got_words & wanted_words).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got_words.values()), common / sum(wanted_words.values())
    return 2 * precision * recall / (precision + recall)


def project_text(html: bytes, url: str) -> str:
    """What the project stores from the page: its extracted text, normalized as store.draft does."""
    try:
        return normalize_text(extract_article(html, url, metadata=False).text)
    except ExtractionFailed:
        return ""


def trafilatura_text(html: bytes, url: str) -> str:
    """trafilatura's default, as its own documentation runs it."""
    return trafilatura.extract(html, url=url) or ""


def readability_scores(extract) -> dict[str, float]:
    root = require_shared("readability-pages")
    scores = {}
    for page in sorted(path for path in root.iterdir() if path.is_dir()):
        wanted = html_to_text((page / "expected.html").read_text(encoding="utf-8", errors="replace"))
        scores[page.name] = token_f1(extract((page / "source.html").read_bytes(), PAGE_URL), wanted)
    return scores


def sport_scores(extract) -> tuple[float, float]:
    """(share of `with` snippets found, share of `without` snippets absent)."""
    root = require_shared("trafilatura-sport")
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    found = wanted = absent = unwanted = 0
    for url, case in expected.items():
        text = extract((root / "pages" / case["file"]).read_bytes(), url)
        found += sum(snippet in text for snippet in case["with"])
        wanted += len(case["with"])
        absent += sum(snippet not in text for snippet in case["without"])
        unwanted += len(case["without"])
    return found / wanted, absent / unwanted


def test_extraction_scores_at_least_trafilatura_default_on_both_shared_sets():
    ours, theirs = readability_scores(project_text), readability_scores(trafilatura_text)
    our_mean, their_mean = statistics.mean(ours.values()), statistics.mean(theirs.values())
    our_with, our_without = sport_scores(project_text)
    their_with, their_without = sport_scores(trafilatura_text)
    empty = [name for name, score in ours.items() if score == 0 and theirs[name] > 0]
    print(
        f"\nreadability-pages ({len(ours)} pages), mean token F1: project {our_mean:.4f}, "
        f"trafilatura default {their_mean:.4f}; median {statistics.median(ours.values()):.4f} / "
        f"{statistics.median(theirs.values()):.4f}; pages at 0 where trafilatura finds text: {len(empty)}"
        f"\ntrafilatura-sport, with-snippets found: project {our_with:.1%}, trafilatura default {their_with:.1%}; "
        f"without-snippets absent: project {our_without:.1%}, trafilatura default {their_without:.1%}"
    )
    assert our_mean >= their_mean
    assert our_with >= their_with
    assert our_without >= their_without
    assert our_mean >= BEFORE["readability_f1"]
    assert our_with >= BEFORE["sport_with"]
    assert our_without >= BEFORE["sport_without"]
    assert not empty, f"no text kept where trafilatura finds the article: {empty}"
