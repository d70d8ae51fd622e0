"""The search language on PostgreSQL's full-text search: documents as tsvectors of newsdesk's own
analysed terms, and the query tree as SQL over them.

PostgreSQL's Dutch configuration stems and folds differently from search.analysis (another
Snowball release, no folding of ø or ß, other stop words), so nothing is left to it: the words
of a document are analysed here, exactly as for Whoosh, and written as a tsvector literal with
their places ('genk':1A,4 'wint':2A,5 ...); a query's terms are analysed the same way and
written as a tsquery. Both backends then match the same words, by construction.

A document is its title, the title again and the body, as Whoosh's `text` field is; the first
copy of the title carries weight A, which is what `titel:` asks for. Stop words leave their
places empty, so a phrase's words keep their distances ("rood en wit" is 'rood' <2> 'wit').

Its linked clubs and players and its source are lexemes too ('club:genk', 'speler:hans-vanaken',
'bron:hln', without places; an analysed word has no colon), so a whole query with its filters is
one tsquery, which the words' index answers, and RUM ranks among the matches alone: as a
condition on a `clubs` array beside it, RUM ranked every match of the word first (160 ms against
4 for a word in most of 100,000 articles within one club).
"""

from search import language
from search.analysis import TOKENS, words_in_place

# PostgreSQL keeps positions up to 16,383 (later ones are clamped to it) and 256 per lexeme.
MAX_POSITION = 16_383
TITLE = "A"


def lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def document_vector(title: str, body: str, clubs=(), players=(), source: str = "") -> str:
    """The tsvector literal of an article: its analysed words with their places, the first
    title's weighted A, and its clubs', players' and source's lexemes (entity_lexeme)."""
    text = f"{title}\n{title}\n{body}"
    title_words = len(TOKENS.findall(title))
    places: dict[str, list[str]] = {}
    for word, position in words_in_place(text):
        at = min(position + 1, MAX_POSITION)
        places.setdefault(word, []).append(f"{at}{TITLE}" if position < title_words else str(at))
    words = [f"{lexeme(word)}:{','.join(at[:256])}" for word, at in places.items()]
    entities = [("clubs", slug) for slug in clubs] + [("players", slug) for slug in players]
    entities += [("source", source)] if source else []
    return " ".join(words + [entity_lexeme(field, value) for field, value in entities])


# The lexemes of a document's entities, by the query language's field (search.language.Term);
# search/migrations/0004 writes the same in SQL.
ENTITY_PREFIXES = {"clubs": "club:", "players": "speler:", "source": "bron:"}


def entity_lexeme(field: str, value: str) -> str:
    return lexeme(ENTITY_PREFIXES[field] + value)


# --- queries ---------------------------------------------------------------------------------
def filter_sql(filters) -> tuple[str, list]:
    """(SQL condition or "", parameters) for a search's filters (search.language.Filters): the
    club, player and source as entity lexemes (filter_lexemes), the story and dates as columns."""
    if filters is None:
        return "", []
    parts, params = [], []
    if filters.story:
        parts.append("story = %s")
        params.append(filters.story)
    if filters.published_from:
        parts.append("published >= %s")
        params.append(filters.published_from)
    if filters.published_to:
        parts.append("published <= %s")
        params.append(filters.published_to)
    return " AND ".join(parts), params


def filter_lexemes(filters) -> list[str]:
    """The entity lexemes a search's filters ask for (a club, a player, a source): ANDed to its
    tsquery."""
    if filters is None:
        return []
    wanted = (("clubs", filters.club), ("players", filters.player), ("source", filters.source))
    return [entity_lexeme(field, value) for field, value in wanted if value]


def needs_no_word(tree) -> bool:
    """Whether a document without any word matches `tree` ("-transfer", "-a OR b"). The RUM
    index cannot answer such a tsquery: asked in a bitmap scan, rum 1.3 crashed the server
    (signal 11) at 100,000 articles. search.postgres asks it as NOT (the opposite) instead."""
    if isinstance(tree, language.Not):
        return not needs_no_word(tree.item)
    if isinstance(tree, language.And):
        return all(needs_no_word(item) for item in tree.items)
    if isinstance(tree, language.Or):
        return any(needs_no_word(item) for item in tree.items)
    return False  # a word, a phrase, an entity


def tsquery(tree) -> str:
    """The tsquery text of a query tree: words, phrases, entities as their lexemes."""
    if isinstance(tree, language.Term):
        if tree.field in ENTITY_PREFIXES:
            return entity_lexeme(tree.field, tree.term)
        return lexeme(tree.term) + (f":{TITLE}" if tree.field == "title" else "")
    if isinstance(tree, language.Phrase):
        weight = f":{TITLE}" if tree.field == "title" else ""
        (first, first_at), *rest = tree.words
        text, previous = lexeme(first) + weight, first_at
        for word, at in rest:
            text += f" <{at - previous}> " + lexeme(word) + weight
            previous = at
        return f"({text})"
    if isinstance(tree, language.Not):
        return f"!({tsquery(tree.item)})"
    joiner = " & " if isinstance(tree, language.And) else " | "
    return "(" + joiner.join(tsquery(item) for item in tree.items) + ")"


def rank_query(tree) -> str | None:
    """A tsquery of the words the reader looks for (any of them), for ts_rank; None if none."""
    words = sorted(language.wanted_words(tree)) if tree is not None else []
    return " | ".join(lexeme(word) for word in words) or None
