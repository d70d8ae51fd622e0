"""The loopback news site of the fault tests: summary-only feeds whose entries link to real
article pages (tests.articles.samples.article_page), served by tests.feedserver.FeedServer,
optionally slowly.

Articles come in pairs: two near-identical reports of one match (same clubs, same score, most
words shared), each with a made-up word of its own in title and body, so that every article can
be found by a search for that word and counted by it, and no two have the same text. The clubs
are the shipped gazetteer's, named in full: load it (`manage.py load_gazetteer`) and every
article links to both clubs of its match.
"""

import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from articles.bench.synthetic import DAYS, FREE, _Words, vocabulary
from articles.entities.gazetteer import SHIPPED_GAZETTEER
from tests.articles.samples import article_page, rss

SYLLABLES = ["ka", "lo", "mi", "ru", "te", "vo", "ne", "si", "da", "pu", "fa", "bo"]


@cache
def clubs() -> list[tuple[str, str]]:
    """(slug, name) of the shipped gazetteer's clubs (`manage.py load_gazetteer` loads them)."""
    data = json.loads(SHIPPED_GAZETTEER.read_text(encoding="utf-8"))
    # A name that is also a word needing context ("Inter") links only where the article supports
    # it; these reports name each club once, so such clubs are left out.
    needs_context = {alias for c in data["clubs"] for alias in c.get("context_aliases", [])}
    return [(c["slug"], c["name"]) for c in data["clubs"] if c["name"] not in needs_context]


def code_word(number: int) -> str:
    """A made-up word of four syllables, different for every number below 12**4, also once the
    search analyzer has stemmed it (no "ge", which Dutch stemming takes out)."""
    parts = []
    for _ in range(4):
        number, digit = divmod(number, len(SYLLABLES))
        parts.append(SYLLABLES[digit])
    return "".join(parts).capitalize()


def clubs_of_match(match: int) -> tuple[tuple[str, str], tuple[str, str]]:
    """Two clubs; no two of the first few hundred matches have the same two."""
    pool = clubs()
    home = match % len(pool)
    away = (home + 1 + 2 * (match // len(pool)) + 7 * match) % len(pool)
    if away == home:
        away = (away + 1) % len(pool)
    return pool[home], pool[away]


@dataclass
class Report:
    number: int
    path: str
    title: str
    code: str
    summary: str
    paragraphs: list[str]
    clubs: tuple[str, str]  # slugs
    published: datetime


def report(number: int, now: datetime) -> Report:
    """Article `number`; numbers 2k and 2k+1 are two reports of match k: the same clubs and
    score, the same sentences but for one, and a word of their own. Other matches share few
    words with them (the Zipf vocabulary of articles.synthetic), so each pair is a story."""
    match, variant = divmod(number, 2)
    (home_slug, home), (away_slug, away) = clubs_of_match(match)
    code = code_word(number)
    event = random.Random(match)
    nouns = vocabulary()[0]
    words = _Words(event, [nouns[event.randint(40, 3000)] for _ in range(4)])
    score = f"{event.randint(1, 4)}-{event.randint(0, 3)}"
    sentences = [words.fill(event.choice(FREE)) for _ in range(12)]
    paragraphs = [
        f"{home} heeft {event.choice(DAYS)} met {score} gewonnen van {away}. {sentences[0]} {sentences[1]}",
        " ".join(sentences[2:5]),
        f"Onze verslaggever {code} zag het van dichtbij. {sentences[5]} {sentences[6]}",
        " ".join(sentences[7:10]),
        " ".join(sentences[10:12]) if variant == 0 else f"{away} moet nu verder zonder punten. {sentences[10]}",
    ]
    verb = "wint" if variant == 0 else "klopt"
    return Report(
        number=number,
        path=f"/voetbal/{number}-{code.lower()}",
        title=f"{home} {verb} met {score} van {away}: {code} was erbij",
        code=code,
        summary=paragraphs[0].split(". ")[0] + ".",  # well under 600 characters: the worker fetches the page
        paragraphs=paragraphs,
        clubs=(home_slug, away_slug),
        # Later numbers later: a report looks back for the story to join (articles.stories).
        published=now - timedelta(hours=10) + timedelta(seconds=30 * number),
    )


class Site:
    """Feeds and pages on a FeedServer. `page_delay` and `feed_delay` (seconds) may be changed
    while the test runs: each request reads them when it arrives."""

    def __init__(self, server, page_delay: float = 0.0, feed_delay: float = 0.0):
        self.server = server
        self.page_delay = page_delay
        self.feed_delay = feed_delay
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.reports: dict[int, Report] = {}

    def _slow(self, kind: str):
        def respond(headers):
            delay = self.page_delay if kind == "page" else self.feed_delay
            if delay:
                time.sleep(delay)
            return None  # the route's own answer

        return respond

    def article(self, number: int) -> Report:
        if number not in self.reports:
            r = self.reports[number] = report(number, self.now)
            self.server.route(r.path, article_page(r.title, r.paragraphs), respond=self._slow("page"))
        return self.reports[number]

    def url(self, number: int) -> str:
        return self.server.url(self.article(number).path)

    def feed(self, name: str, numbers: list[int]) -> str:
        """A summary-only RSS feed of these articles, in this order; returns its address."""
        items = [
            {
                "title": self.article(n).title,
                "link": self.url(n),
                "summary": self.article(n).summary,
                "date": self.article(n).published.strftime("%a, %d %b %Y %H:%M:%S +0000"),
            }
            for n in numbers
        ]
        return self.server.route(f"/feeds/{name}.xml", rss(items, title=name), respond=self._slow("feed"))

    def page_requests(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for path, _ in list(self.server.requests):
            counts[path] = counts.get(path, 0) + 1
        return counts
