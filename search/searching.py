"""Reading the index for readers: a query and filters in, a lazy list of results out, with
snippets, facet counts and a suggestion. Views, the API, the feed and the CLI all call this."""

import html
import re
from dataclasses import dataclass, field

from whoosh.highlight import ContextFragmenter, Formatter, highlight

from articles import selectors
from articles.models import Club, Player
from search.analysis import dutch_analyzer, fold, stem
from search.backend import get_backend
from search.query import QueryError, parse, query_terms
from search.schema import build_schema, source_key

FACETS = ("clubs", "source")
_schema = None


def schema():
    global _schema
    if _schema is None:
        _schema = build_schema()
    return _schema


class MarkFormatter(Formatter):
    """Matched words in <mark>, everything else HTML-escaped: a snippet is always safe to show."""

    between = " … "

    def _text(self, text):
        return html.escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        return f"<mark>{html.escape(self._text_of(text, token, replace), quote=False)}</mark>"

    @staticmethod
    def _text_of(text, token, replace):
        return token.text if replace else text[token.startchar : token.endchar]


def snippet(text: str, terms: set[str], fallback: str) -> str:
    if terms and text:
        fragment = highlight(
            text,
            terms,
            dutch_analyzer(),
            ContextFragmenter(maxchars=220, surround=70),
            MarkFormatter(),
            top=2,
        )
        if fragment:
            return fragment
    return html.escape(fallback, quote=False)


def resolve_entity(field: str, value: str) -> str | None:
    """What a reader wrote after club: or speler: → the slug, by slug, name or alias."""
    if field == "source":
        return source_key(value)
    model = {"clubs": Club, "players": Player}.get(field)
    if model is None:
        return None
    slug = value.replace(" ", "-")
    if model.objects.filter(slug=slug).exists():
        return slug
    for entity in model.objects.only("slug", "name", "aliases"):
        names = [entity.name, *entity.aliases]
        if any(fold(name.lower()) == value for name in names):
            return entity.slug
    return None


@dataclass
class Result:
    article: object
    score: float
    snippet: str


@dataclass
class SearchResults:
    """Lazy and sliceable: Django's paginator asks len() and then a slice, and gets one query."""

    query: object
    terms: set[str]
    index_filter: object
    newest_first: bool
    page_size: int = 20
    page_number: int = 1
    facets: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict)

    def _fetch(self, offset: int, limit: int, with_facets: bool):
        key = (offset, limit)
        if key not in self._cache:
            page = get_backend().search(
                self.query,
                offset=offset,
                limit=limit,
                filter=self.index_filter,
                newest_first=self.newest_first,
                facets=FACETS if with_facets else (),
            )
            if with_facets:
                self.facets = page.facets
            self._cache[key] = page
        return self._cache[key]

    def __len__(self):
        offset = max(self.page_number - 1, 0) * self.page_size
        return self._fetch(offset, self.page_size, with_facets=True).total

    def count(self):
        return len(self)

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item : item + 1][0]
        offset = item.start or 0
        stop = item.stop if item.stop is not None else offset + self.page_size
        if stop <= offset:
            return []
        page = self._fetch(offset, stop - offset, with_facets=False)
        articles = selectors.published_articles().in_bulk([hit.id for hit in page.hits])
        return [
            Result(articles[hit.id], hit.score, snippet(articles[hit.id].body, self.terms, articles[hit.id].teaser))
            for hit in page.hits
            if hit.id in articles  # hidden since the index last heard
        ]


@dataclass
class Search:
    results: object  # SearchResults, or a queryset of articles for an empty query
    suggestion: str | None = None
    is_query: bool = True


def search_articles(filterset, page_number: int = 1, page_size: int = 20) -> Search:
    """Run a validated SearchFilter. Raises QueryError for a query the parser cannot read."""
    data = filterset.form.cleaned_data
    text = (data.get("q") or "").strip()
    parsed = parse(text, schema(), resolve=resolve_entity) if text else None
    if parsed is None and not text:
        return Search(results=filterset.qs.order_by("-published_at", "-id"), is_query=False)
    results = SearchResults(
        query=parsed,
        terms=query_terms(parsed),
        index_filter=filterset.index_filter(),
        newest_first=data.get("sort") == "date",
        page_size=page_size,
        page_number=page_number,
    )
    suggestion = suggest(text) if len(results) < 3 else None
    return Search(results=results, suggestion=suggestion)


_WORDS = re.compile(r"(?<![:\w])([^\W\d_]{3,})(?![:\w])")


def suggest(text: str) -> str | None:
    """The query with unknown words replaced by the nearest known ones, or None."""
    backend = get_backend()
    changed = False

    def replace(match):
        nonlocal changed
        word = match.group(1)
        if word in ("AND", "OR", "NOT"):
            return word
        folded = fold(word.lower())
        better = backend.suggest_word(folded, stem(folded))
        if better and better != folded:
            changed = True
            return better.capitalize() if word[0].isupper() else better
        return word

    outside_quotes = text.split('"')
    outside_quotes[::2] = [_WORDS.sub(replace, part) for part in outside_quotes[::2]]
    suggestion = '"'.join(outside_quotes)
    return suggestion if changed else None


__all__ = ["QueryError", "Search", "SearchResults", "search_articles", "snippet", "suggest"]
