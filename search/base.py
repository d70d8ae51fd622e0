"""What the rest of newsdesk may ask of a search engine, whichever answers (search.backend
chooses by NEWSDESK_SEARCH_BACKEND): the interface and the shapes it answers in."""

from dataclasses import dataclass, field


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

    def search_tree(self, tree, *, offset=0, limit=10, filters=None, newest_first=False, facets=()) -> Page:
        """One page of hits for a tree of the search language (search.language) within
        `filters` (search.language.Filters), the number of all matches and facet counts."""
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
