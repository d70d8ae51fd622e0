"""What the rest of newsdesk may ask of a search engine, whichever answers (search.backend
chooses by NEWSDESK_SEARCH_BACKEND): the interface and the shapes it answers in."""

from dataclasses import dataclass, field

# More-like-this reads the postings of an article's key words: its best twelve, taken in order
# of how well they tell it apart, until their document counts add up to this many. Common words
# of the game match a tenth of the archive each; twelve of them made every related list read a
# third of it (Whoosh 68 ms p95, PostgreSQL 126 ms at 100,000 articles), for words that tell
# little apart anyway; twelve rarer ones (20,000 documents) still took PostgreSQL 40 ms.
MORE_LIKE_THIS_POSTINGS = 10_000
KEY_TERMS = 12


def within_postings(scored_terms, frequency) -> list:
    """The leading key terms (best first) whose document frequencies (`frequency(term)`) add
    up to MORE_LIKE_THIS_POSTINGS at most; the first is always kept, so an article whose best
    word is common still gets a list."""
    kept, read = [], 0
    for term in scored_terms[:KEY_TERMS]:
        found = frequency(term)
        if kept and read + found > MORE_LIKE_THIS_POSTINGS:
            continue  # a rarer one further down may still fit
        kept.append(term)
        read += found
    return kept


# For a search matching RELEVANCE_POOL_FROM articles or more (on PostgreSQL as its planner
# estimates them: within 5 % for words), relevance ranks the newest matches only: the best of
# the newest RELEVANCE_POOL come first, then the rest newest first. Ranking every match of a
# word in one article in seven is 144,000 ranks at a million articles (110-160 ms in
# PostgreSQL's RUM index); the newest 200 are read from the date index in 5-7 ms at any size,
# and for a word that common a news reader wants recent coverage first anyway. Among fewer
# matches the newest are scattered (280 ms for 3,000) and ranking them all is quicker (18 ms).
RELEVANCE_POOL = 200
RELEVANCE_POOL_FROM = 20_000


def pooled(offset: int, limit: int) -> tuple[range, range]:
    """The places of a page (offset, limit) within the relevance pool, and after it (where the
    order is by date): two ranges, either possibly empty."""
    end = offset + limit
    return range(offset, min(end, RELEVANCE_POOL)), range(max(offset, RELEVANCE_POOL), max(end, RELEVANCE_POOL))


class IndexUnavailable(Exception):
    """The live index is missing or cannot be read: search is down, the rest of the site is not."""


@dataclass
class Hit:
    id: int
    score: float


@dataclass
class Page:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


class SearchBackend:
    """What the rest of newsdesk may ask of a search engine (NEWSDESK_SEARCH_BACKEND)."""

    name = ""

    def write(self, documents, deleted_ids) -> None:
        raise NotImplementedError

    def search_tree(
        self, tree, *, offset=0, limit=10, filters=None, newest_first=False, facets=(), count_limit=None
    ) -> Page:
        """One page of hits for a tree of the search language (search.language) within
        `filters` (search.language.Filters), the number of all matches and facet counts.

        With a `count_limit`, the count and the facets may stop after count_limit + 1 matches:
        `total` is then count_limit + 1 (more than the limit) and the facets count the matches
        read; with RELEVANCE_POOL_FROM matches or more, the order by relevance is that of the
        newest RELEVANCE_POOL matches, followed by the others newest first. Without a limit,
        both cover every match and relevance ranks them all."""
        raise NotImplementedError

    def status(self) -> dict:
        """For /healthz: `generation`, `generation_age_seconds` (since the last rebuild) and
        `documents`."""
        raise NotImplementedError

    def exists(self) -> bool:
        raise NotImplementedError

    def more_like_this(self, article_id: int, text: str, limit: int = 10, filter=None) -> list[int]:
        raise NotImplementedError

    def more_like_these(self, texts: dict[int, str], limit: int = 10, filter=None) -> dict[int, list[int]]:
        raise NotImplementedError

    def suggest_word(self, word: str, stem: str) -> str | None:
        raise NotImplementedError

    def document_ids(self) -> set[int]:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError
