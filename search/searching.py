"""Reading the index for readers: a query and filters in, a lazy list of results out, with
snippets, facet counts and a suggestion. Views, the API, the feed and the CLI all call this."""

import html
import re
from dataclasses import dataclass, field

from django.conf import settings

from articles import selectors
from articles.models import Club, Player
from search import language
from search.analysis import TOKENS, edit_distance, fold, normalize_word, stem
from search.backend import get_backend
from search.base import Page
from search.language import QueryError
from search.schema import build_schema, source_key

FACETS = ("clubs", "source")
_schema = None


def schema():
    global _schema
    if _schema is None:
        _schema = build_schema()
    return _schema


SNIPPET_CHARS = 220
SNIPPET_BEFORE = 60  # characters of context before the first marked word


def snippet(text: str, terms: set[str], fallback: str) -> str:
    """About 220 characters of `text` around the densest run of the query's words, those words
    in <mark> and everything else HTML-escaped, so a snippet is always safe to show. Words are
    compared as the index compares them (search.analysis.normalize_word), so "strafschoppen"
    marks for "strafschop". Without a match, the escaped `fallback` (the teaser)."""
    hits = [match for match in TOKENS.finditer(text or "") if normalize_word(match.group()) in terms] if terms else []
    if not hits:
        return html.escape(fallback, quote=False)
    # The window holding the most matches, starting at one of them.
    best, best_count, end_index = 0, 0, 0
    for index, hit in enumerate(hits):
        end_index = max(end_index, index)
        while end_index + 1 < len(hits) and hits[end_index + 1].end() - hit.start() <= SNIPPET_CHARS - SNIPPET_BEFORE:
            end_index += 1
        if end_index - index + 1 > best_count:
            best, best_count = index, end_index - index + 1
    start = _word_start(text, max(hits[best].start() - SNIPPET_BEFORE, 0))
    end = max(_word_end(text, min(start + SNIPPET_CHARS, len(text))), hits[best].end())
    while text[start].isspace():
        start += 1
    while text[end - 1].isspace():
        end -= 1
    parts = ["… " if start > 0 else ""]
    position = start
    for hit in hits[best:]:
        if hit.end() > end:
            break
        parts += [
            html.escape(text[position : hit.start()], quote=False),
            "<mark>",
            html.escape(hit.group(), quote=False),
            "</mark>",
        ]
        position = hit.end()
    parts += [html.escape(text[position:end], quote=False), " …" if end < len(text) else ""]
    return "".join(parts).strip()


def _word_start(text: str, position: int) -> int:
    """`position`, moved forward to the start of a word if it falls inside one."""
    if position == 0 or not text[position - 1].isalnum():
        return position
    while position < len(text) and text[position].isalnum():
        position += 1
    return position


def _word_end(text: str, position: int) -> int:
    """`position`, moved back to the end of a word if it falls inside one."""
    if position >= len(text) or not text[position].isalnum():
        return position
    while position > 0 and text[position - 1].isalnum():
        position -= 1
    return position


def resolve_entity(field: str, value: str) -> list[str]:
    """What a reader wrote after club:, speler: or bron: (folded, lower case) → the slugs it
    names: by slug, by whole name or alias, else by the last words of a name (speler:vanaken is
    every Vanaken the gazetteer knows). Nothing found: [] (the value is then searched as is)."""
    if field == "source":
        return [source_key(value)]
    model = {"clubs": Club, "players": Player}.get(field)
    if model is None:
        return []
    slug = value.replace(" ", "-")
    if model.objects.filter(slug=slug).exists():
        return [slug]
    whole, ending = [], []
    for entity in model.objects.only("slug", "name", "aliases"):
        names = [fold(name.lower()) for name in (entity.name, *entity.aliases)]
        if value in names:
            whole.append(entity.slug)
        elif any(name.endswith(" " + value) for name in names):
            ending.append(entity.slug)
    return whole or ending


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
        if not with_facets:
            # The paginator asks for the page it counted on, cut to the count when that is
            # shorter (the first 3 of a page of 20): the same hits, no second search.
            for (start, length), page in self._cache.items():
                if start <= offset and offset + limit <= start + length:
                    return Page(page.hits[offset - start : offset - start + limit], page.total, page.facets)
        if key not in self._cache:
            page = get_backend().search_tree(
                self.query,
                offset=offset,
                limit=limit,
                filters=self.index_filter,
                newest_first=self.newest_first,
                facets=FACETS if with_facets else (),
                count_limit=settings.NEWSDESK_SEARCH_COUNT_LIMIT,
            )
            if with_facets:
                self.facets = page.facets
            self._cache[key] = page
        return self._cache[key]

    def _matches(self) -> int:
        """The backend's count, read with the facets from the page being shown."""
        offset = max(self.page_number - 1, 0) * self.page_size
        return self._fetch(offset, self.page_size, with_facets=True).total

    def __len__(self):
        """The number of matches, at most NEWSDESK_SEARCH_COUNT_LIMIT (see count_exact)."""
        return min(self._matches(), settings.NEWSDESK_SEARCH_COUNT_LIMIT)

    @property
    def count_exact(self) -> bool:
        """False when there are more matches than NEWSDESK_SEARCH_COUNT_LIMIT: the count is then
        that limit ("meer dan 1.000"), the pages go no further, and the facets count a sample
        (the first matches read), good for their order, not for their numbers."""
        return self._matches() <= settings.NEWSDESK_SEARCH_COUNT_LIMIT

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
        chosen = selectors.search_results(hit.id for hit in page.hits)
        articles = {article.pk: article for article in chosen}
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
    parsed = language.parse(text, resolve=resolve_entity) if text else None
    if parsed is None and not text:
        return Search(results=filterset.qs.order_by("-published_at", "-id"), is_query=False)
    results = SearchResults(
        query=parsed,
        terms=language.wanted_words(parsed) if parsed is not None else set(),
        index_filter=filterset.index_filter(),
        newest_first=data.get("sort") == "date",
        page_size=page_size,
        page_number=page_number,
    )
    suggestion = suggest(text) if len(results) < 3 else None
    return Search(results=results, suggestion=suggestion)


# Whole words only, between spaces or brackets: not "gen" of "gen*", nor a field's value.
_WORDS = re.compile(r"(?<![^\s(])([^\W\d_]{3,})(?![^\s)])")
SHORT_WORD = 5  # letters up to which a suggestion may differ in one letter only, not two


def _near_enough(word: str, suggestion: str) -> bool:
    """Two edits turn a short word into another word altogether ("leao" → "real"): for short
    words, only one."""
    return len(word) > SHORT_WORD or edit_distance(word, suggestion) <= 1


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
        if better and better != folded and _near_enough(folded, better):
            changed = True
            return better.capitalize() if word[0].isupper() else better
        return word

    outside_quotes = text.split('"')
    outside_quotes[::2] = [_WORDS.sub(replace, part) for part in outside_quotes[::2]]
    suggestion = '"'.join(outside_quotes)
    return suggestion if changed else None


__all__ = ["QueryError", "Search", "SearchResults", "search_articles", "snippet", "suggest"]
