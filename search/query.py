"""The search language's tree (search.language) compiled to Whoosh queries.

The reading happens once, in search.language; here each node becomes the Whoosh query that
search.matching evaluates (phrases with their words' places as WordsInPlace).
"""

from whoosh import query as wq

from search import language
from search.language import MAX_LENGTH, MAX_TERMS, QueryError

__all__ = [
    "MAX_LENGTH",
    "MAX_TERMS",
    "QueryError",
    "WordsInPlace",
    "compile_filters",
    "compile_tree",
    "parse",
]


def parse(text: str, schema=None, resolve=None) -> wq.Query | None:
    """The Whoosh query for `text`, or None when nothing searchable remains (only stop words).

    `resolve(field, value)` maps what a reader wrote after club:, speler: or bron: to the slugs
    it names (a list, a slug or None). `schema` is accepted for the callers of before the tree.
    """
    tree = language.parse(text, resolve=_as_list(resolve) if resolve else None)
    return compile_tree(tree)


def _as_list(resolve):
    def keys(field, value):
        found = resolve(field, value)
        if not found:
            return []
        return [found] if isinstance(found, str) else list(found)

    return keys


def compile_tree(node) -> wq.Query | None:
    if node is None:
        return None
    return _compile(node).normalize()


def compile_filters(filters) -> wq.Query | None:
    """A search's filters (search.language.Filters) as a Whoosh query, or None for none."""
    if not filters:
        return None
    terms = [
        wq.Term(field, value)
        for field, value in (
            ("clubs", filters.club),
            ("players", filters.player),
            ("story", filters.story),
            ("source", filters.source),
        )
        if value
    ]
    if filters.published_from or filters.published_to:
        terms.append(wq.DateRange("published", filters.published_from, filters.published_to))
    return wq.And(terms)


def _compile(node) -> wq.Query:
    if isinstance(node, language.Term):
        return wq.Term(node.field, node.term)
    if isinstance(node, language.Phrase):
        return WordsInPlace(node.field, list(node.words))
    if isinstance(node, language.And):
        # Words to leave out narrow what the others found: AND NOT, as Whoosh's own -word is.
        wanted = [_compile(item) for item in node.items if not isinstance(item, language.Not)]
        unwanted = [_compile(item.item) for item in node.items if isinstance(item, language.Not)]
        if wanted and unwanted:
            found = wanted[0] if len(wanted) == 1 else wq.And(wanted)
            return wq.AndNot(found, unwanted[0] if len(unwanted) == 1 else wq.Or(unwanted))
        return wq.And(wanted or [wq.Not(query) for query in unwanted])
    if isinstance(node, language.Or):
        return wq.Or([_compile(item) for item in node.items])
    if isinstance(node, language.Not):
        return wq.Not(_compile(node.item))
    raise TypeError(f"not a node of the search language: {node!r}")


class WordsInPlace(wq.Phrase):
    """A phrase whose words must stand at given distances: whoosh's Phrase only knows adjacent
    words, so a phrase with a stop word inside ("rood en wit") never matched. search.matching
    answers it from word pairs or positions."""

    def __init__(self, fieldname, words_at: list[tuple[str, int]], boost=1.0):
        super().__init__(fieldname, [word for word, _at in words_at], boost=boost)
        self.words_at = words_at

    def normalize(self):
        return self  # Phrase.normalize would rebuild it from the words alone, losing their places

    def __eq__(self, other):
        return isinstance(other, WordsInPlace) and (self.fieldname, self.words_at) == (other.fieldname, other.words_at)

    __hash__ = wq.Phrase.__hash__
