"""The search language, read once into newsdesk's own query tree; every backend compiles the tree.

What a reader may write: words (all must match), `OR` between words or groups, `AND` (binds
closer than OR: `a AND b OR c` is `(a AND b) OR c`; words side by side are ANDed loosest, so
`Vanaken Anderlecht OR Cercle` is Vanaken AND (Anderlecht OR Cercle)), `-word` or `NOT word`,
`(groups)`, `"phrases"` (stop words keep their places: "rood en wit" is not "rood wit"),
`club:`, `speler:`, `bron:` and `titel:` before a word or a phrase, and scorelines (`0-2`,
`2 - 0`) as one word.

The tree holds analysed terms (search.analysis: folded, stemmed, stop words out), the same terms
every backend indexes, so a query matches alike wherever it runs; club:, speler: and bron: hold
the slugs or keys their names resolve to. Whatever cannot be read is a QueryError whose message
is Dutch and fit to show the reader.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from search.analysis import fold, normalize_word, words_in_place

MAX_LENGTH = 300
MAX_TERMS = 40
# What a reader writes → the indexed field.
FIELDS = {"club": "clubs", "speler": "players", "bron": "source", "titel": "title"}
ENTITY_FIELDS = ("clubs", "players", "source")
TEXT_FIELDS = ("text", "title")
EXAMPLES = {"club": "club:genk", "speler": 'speler:"Hans Vanaken"', "bron": "bron:hln", "titel": "titel:transfer"}


class QueryError(ValueError):
    """A query we cannot read; str() is a message fit for the reader."""


# --- the tree ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    field: str  # text, title, clubs, players, source
    term: str  # an analysed word, or an entity's slug / a source's key


@dataclass(frozen=True)
class Phrase:
    field: str
    words: tuple[tuple[str, int], ...]  # analysed words with their places (stop words leave gaps)


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


Node = Term | Phrase | And | Or | Not


@dataclass(frozen=True)
class Filters:
    """What a search is narrowed to besides its query: one club, player, story (slugs), source
    (its key) and a publication window (aware datetimes, both ends included)."""

    club: str = ""
    player: str = ""
    story: str = ""
    source: str = ""
    published_from: object = None
    published_to: object = None

    def __bool__(self):
        return any((self.club, self.player, self.story, self.source, self.published_from, self.published_to))


def leaves(node) -> list:
    if isinstance(node, And | Or):
        return [leaf for item in node.items for leaf in leaves(item)]
    if isinstance(node, Not):
        return leaves(node.item)
    return [node]


def wanted_words(node, negated: bool = False) -> set[str]:
    """The analysed title and text words a reader looks for (not those under a NOT): what a
    snippet marks."""
    if isinstance(node, And | Or):
        return set().union(*(wanted_words(item, negated) for item in node.items))
    if isinstance(node, Not):
        return set()
    if isinstance(node, Term) and node.field in TEXT_FIELDS:
        return {node.term}
    if isinstance(node, Phrase) and node.field in TEXT_FIELDS:
        return {word for word, _ in node.words}
    return set()


# --- reading -------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<phrase>"[^"]*")
  | (?P<field>[^\W\d_]+):
  | (?P<score>(?<![\w-])\d{1,2}\s?[-–]\s?\d{1,2}(?![\w"]))
  | (?P<sign>[-+])(?=[^\s)])
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)
OPERATORS = {"AND", "OR", "NOT"}


def _check_syntax(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise QueryError(f"Je zoekopdracht is te lang (meer dan {MAX_LENGTH} tekens).")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        raise QueryError("Je zoekopdracht bevat onleesbare tekens.")
    if text.count('"') % 2:
        raise QueryError('Er ontbreekt een aanhalingsteken (") in je zoekopdracht.')
    depth = 0
    for char in re.sub(r'"[^"]*"', " ", text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        raise QueryError("De haakjes in je zoekopdracht sluiten niet.")


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind != "space":
            tokens.append((kind, match.group(kind)))
    return tokens


Resolver = Callable[[str, str], list[str]]


class _Reader:
    def __init__(self, tokens, resolve: Resolver | None):
        self.tokens = tokens
        self.at = 0
        self.resolve = resolve

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else (None, None)

    def take(self):
        token = self.peek()
        self.at += 1
        return token

    def is_operator(self, name: str) -> bool:
        kind, value = self.peek()
        # An operator with nothing after it is an ordinary word ("a OR" looks for "or").
        return kind == "word" and value == name and self.at + 1 < len(self.tokens)

    # sequence := or_expr*   (side by side: AND)
    def sequence(self, closing: bool = False):
        items = []
        while self.at < len(self.tokens):
            if self.peek()[0] == "close":
                if closing:
                    break
                self.take()  # unbalanced input is refused before reading; defensive
                continue
            items.append(self.or_expr())
        return _and(items)

    # or_expr := and_expr ("OR" and_expr)*
    def or_expr(self):
        items = [self.and_expr()]
        while self.is_operator("OR"):
            self.take()
            items.append(self.and_expr())
        return _or(items)

    # and_expr := unary ("AND" unary)*
    def and_expr(self):
        items = [self.unary()]
        while self.is_operator("AND"):
            self.take()
            items.append(self.unary())
        return _and(items)

    # unary := ("-" | "NOT") unary | "+" unary | atom
    def unary(self):
        kind, value = self.peek()
        if (kind == "sign" and value == "-") or self.is_operator("NOT"):
            self.take()
            item = self.unary()
            return Not(item) if item is not None else None
        if kind == "sign":  # "+": every word must match already
            self.take()
            return self.unary()
        return self.atom()

    def atom(self):
        kind, value = self.take()
        if kind == "open":
            inner = self.sequence(closing=True)
            if self.peek()[0] == "close":
                self.take()
            return inner
        if kind == "field":
            return self.fielded(value)
        if kind == "phrase":
            return _text("text", value[1:-1])
        if kind == "score":
            return Term("text", normalize_word(value))
        if kind == "word":
            return _text("text", value)
        return None

    def fielded(self, name: str):
        field = FIELDS.get(name.lower())
        if field is None:
            known = ", ".join(f"{f}:" for f in FIELDS)
            raise QueryError(f"Onbekend veld '{name}:'. Je kunt zoeken met {known}")
        kind, value = self.peek()
        if kind not in ("phrase", "word", "score"):
            example = EXAMPLES[name.lower()]
            raise QueryError(f"Na {name.lower()}: hoort wat je zoekt (bv. {example}).")
        self.take()
        value = value[1:-1] if kind == "phrase" else value
        if field in TEXT_FIELDS:
            return _text(field, value)
        wanted = fold(" ".join(value.split()).lower())
        if not wanted:
            raise QueryError(f"Na {name.lower()}: hoort wat je zoekt (bv. {EXAMPLES[name.lower()]}).")
        keys = (self.resolve(field, wanted) if self.resolve else None) or [wanted.replace(" ", "-")]
        return _or([Term(field, key) for key in keys])


def _text(field: str, text: str):
    """A word or a phrase of a text field. A word that analysis splits ("Leão-Munchen") is a
    phrase of its parts; one that it drops (a stop word) is nothing."""
    words = tuple(words_in_place(text))
    if not words:
        return None
    if len(words) == 1:
        return Term(field, words[0][0])
    return Phrase(field, words)


def _and(items):
    return _group(And, items)


def _or(items):
    return _group(Or, items)


def _group(kind, items):
    flat = []
    for item in items:
        if item is None:
            continue
        flat.extend(item.items if isinstance(item, kind) else [item])
    if not flat:
        return None
    unique = list(dict.fromkeys(flat))
    return unique[0] if len(unique) == 1 else kind(tuple(unique))


def parse(text: str, resolve: Resolver | None = None):
    """The tree of what a reader typed, or None when nothing searchable remains (only stop
    words). `resolve(field, value)` maps what followed club:, speler: or bron: (folded, lower
    case) to the slugs or keys it names (several when a surname is shared)."""
    text = (text or "").strip()
    _check_syntax(text)
    tree = _Reader(_tokens(text), resolve).sequence()
    if tree is not None and len(leaves(tree)) > MAX_TERMS:
        raise QueryError(f"Je zoekopdracht heeft te veel woorden (meer dan {MAX_TERMS}).")
    return tree
