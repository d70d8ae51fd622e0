"""Reading what a reader typed: words ANDed, "phrases", OR, -word, club:, speler:, bron:.

What the parser cannot read is a QueryError with a message in Dutch, never an exception that
reaches the reader as a 500.
"""

import re

from whoosh import query as wq
from whoosh.qparser import AndGroup, PlusMinusPlugin, QueryParser
from whoosh.qparser.plugins import BoostPlugin, FieldAliasPlugin, GtLtPlugin, RangePlugin, WildcardPlugin

from search.analysis import fold, words_in_place

MAX_LENGTH = 300
MAX_TERMS = 40
FIELDS = {"club": "clubs", "speler": "players", "bron": "source", "titel": "title"}
_FIELD_PREFIX = re.compile(r"(?:^|[\s(])-?([^\s:()\"]+):")
_FIELD_VALUE = re.compile(r"(?i)(?<![\w-])((?:club|speler|bron|titel):)([^\s\"()]+)")
_SCORELINE = re.compile(r'(?<![\w"-])(\d{1,2}\s?[-–]\s?\d{1,2})(?![\w"])')


class QueryError(ValueError):
    """A query we cannot read; str() is a message fit for the reader."""


def _check_syntax(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise QueryError(f"Je zoekopdracht is te lang (meer dan {MAX_LENGTH} tekens).")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        raise QueryError("Je zoekopdracht bevat onleesbare tekens.")
    if text.count('"') % 2:
        raise QueryError('Er ontbreekt een aanhalingsteken (") in je zoekopdracht.')
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        raise QueryError("De haakjes in je zoekopdracht sluiten niet.")
    outside_quotes = re.sub(r'"[^"]*"', " ", text)
    for name in _FIELD_PREFIX.findall(outside_quotes):
        if name.lower() not in FIELDS:
            known = ", ".join(f"{f}:" for f in FIELDS)
            raise QueryError(f"Onbekend veld '{name}:'. Je kunt zoeken met {known}")


def _parser(schema) -> QueryParser:
    parser = QueryParser("text", schema, group=AndGroup)
    # No wildcards, ranges or boosts from readers: they cost much and mean little in news search.
    for plugin in (WildcardPlugin, RangePlugin, GtLtPlugin, BoostPlugin):
        parser.remove_plugin_class(plugin)
    parser.add_plugin(PlusMinusPlugin())
    parser.add_plugin(FieldAliasPlugin({target: [alias] for alias, target in FIELDS.items()}))
    return parser


def parse(text: str, schema, resolve=None) -> wq.Query | None:
    """The whoosh query for `text`, or None when nothing searchable remains (only stop words).

    `resolve(field, value)` maps what a reader wrote after club: or speler: to a slug.
    """
    text = (text or "").strip()
    _check_syntax(text)
    # A scoreline is one word ("0-2"), not 0 without 2, and so is a field's value (club:club-brugge):
    # quote them, outside existing quotes.
    parts = text.split('"')
    parts[::2] = [_FIELD_VALUE.sub(r'\1"\2"', _SCORELINE.sub(r'"\1"', part)) for part in parts[::2]]
    text = '"'.join(parts)
    # Lower-case field names for the parser; operators (AND, OR, NOT) keep their capitals.
    text = _FIELD_PREFIX.sub(lambda m: m.group(0).replace(m.group(1) + ":", m.group(1).lower() + ":"), text)
    try:
        parsed = _parser(schema).parse(text)
    except Exception as exc:  # whoosh raises assorted errors on odd input; none may escape
        raise QueryError("Deze zoekopdracht kunnen we niet lezen.") from exc
    parsed = parsed.accept(lambda node: _resolve_keyword(node, resolve))
    parsed = parsed.normalize()
    parsed = parsed.accept(lambda node: _phrase_in_place(node, text))
    if parsed is wq.NullQuery or isinstance(parsed, wq.NullQuery.__class__):
        return None
    if len(list(parsed.leaves())) > MAX_TERMS:
        raise QueryError(f"Je zoekopdracht heeft te veel woorden (meer dan {MAX_TERMS}).")
    return parsed


def _resolve_keyword(node, resolve):
    """club:"Club Brugge" and club:brugge become the club's slug term."""
    field = getattr(node, "fieldname", None)
    if field not in ("clubs", "players", "source"):
        return node
    if isinstance(node, wq.Phrase):
        value = " ".join(node.words)
    elif isinstance(node, wq.Term):
        value = node.text
    else:
        return node
    value = fold(str(value).strip().lower())
    if resolve is not None:
        value = resolve(field, value) or value
    return wq.Term(field, value)


class WordsInPlace(wq.Phrase):
    """A phrase whose words must stand at given distances: whoosh's Phrase only knows adjacent
    words, so a phrase with a stop word inside ("rood en wit") never matched. search.matching
    answers it from word pairs or positions."""

    def __init__(self, fieldname, words_at: list[tuple[str, int]], boost=1.0):
        super().__init__(fieldname, [word for word, _at in words_at], boost=boost)
        self.words_at = words_at


def _phrase_in_place(node, text: str):
    if not isinstance(node, wq.Phrase) or node.fieldname != "text" or isinstance(node, WordsInPlace):
        return node
    if len(node.words) == 1:
        return wq.Term("text", node.words[0], boost=node.boost)
    # The words' places in the query text give back the stop words the analyzer left out.
    start, end = node.char_ranges[0][0], node.char_ranges[-1][1]
    return WordsInPlace("text", words_in_place(text[start:end]), boost=node.boost)


def query_terms(parsed) -> set[str]:
    """The analyzed words of the title and body parts of a query (for highlighting)."""
    if parsed is None:
        return set()
    terms = set()
    for node in parsed.leaves():
        if isinstance(node, wq.Term) and node.fieldname in ("title", "text"):
            terms.add(node.text if isinstance(node.text, str) else node.text.decode())
        elif isinstance(node, wq.Phrase) and node.fieldname in ("title", "text"):
            terms.update(node.words)
    # Terms under a NOT are not what the reader looks for.
    for node in _negated(parsed):
        for leaf in node.leaves():
            if isinstance(leaf, wq.Term):
                terms.discard(leaf.text)
    return terms


def _negated(parsed):
    if isinstance(parsed, wq.Not):
        yield parsed.query
        return
    if isinstance(parsed, wq.AndNot):
        yield parsed.b
    for child in parsed.children():
        yield from _negated(child)
