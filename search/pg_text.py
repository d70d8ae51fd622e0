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
"""

from search import language
from search.analysis import TOKENS, words_in_place

# PostgreSQL keeps positions up to 16,383 (later ones are clamped to it) and 256 per lexeme.
MAX_POSITION = 16_383
TITLE = "A"


def lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def document_vector(title: str, body: str) -> str:
    """The tsvector literal of an article: its analysed words with their places, the first
    title's weighted A."""
    text = f"{title}\n{title}\n{body}"
    title_words = len(TOKENS.findall(title))
    places: dict[str, list[str]] = {}
    for word, position in words_in_place(text):
        at = min(position + 1, MAX_POSITION)
        places.setdefault(word, []).append(f"{at}{TITLE}" if position < title_words else str(at))
    return " ".join(f"{lexeme(word)}:{','.join(at[:256])}" for word, at in places.items())


# --- queries ---------------------------------------------------------------------------------
def filter_sql(filters) -> tuple[str, list]:
    """(SQL condition or "", parameters) for a search's filters (search.language.Filters)."""
    if filters is None:
        return "", []
    parts, params = [], []
    for column, value in (("clubs", filters.club), ("players", filters.player)):
        if value:
            parts.append(f"{column} @> ARRAY[%s]::text[]")  # GIN-indexed, where "= ANY" reads each row
            params.append(value)
    for column, value in (("story", filters.story), ("source", filters.source)):
        if value:
            parts.append(f"{column} = %s")
            params.append(value)
    if filters.published_from:
        parts.append("published >= %s")
        params.append(filters.published_from)
    if filters.published_to:
        parts.append("published <= %s")
        params.append(filters.published_to)
    return " AND ".join(parts), params


ENTITY_COLUMNS = {"clubs": "clubs", "players": "players", "source": "source"}


def compile_tree(tree, vector: str = "vector") -> tuple[str, list]:
    """(SQL condition, parameters) for the rows whose `vector` column (and entity columns:
    `clubs` and `players` text arrays, `source` text) match `tree`. Text-only parts become one
    tsquery each, so the GIN index answers them in one scan."""
    if _text_only(tree):
        return f"{vector} @@ %s::tsquery", [tsquery(tree)]
    if isinstance(tree, language.Term):  # clubs, players, source
        column = ENTITY_COLUMNS[tree.field]
        if tree.field == "source":
            return f"{column} = %s", [tree.term]
        return f"{column} @> ARRAY[%s]::text[]", [tree.term]
    if isinstance(tree, language.Not):
        sql, params = compile_tree(tree.item, vector)
        return f"NOT ({sql})", params
    # The text-only items of a group become one tsquery, the others a condition each.
    kind = type(tree)
    words = [item for item in tree.items if _text_only(item)]
    others = [item for item in tree.items if not _text_only(item)]
    parts = [compile_tree(words[0] if len(words) == 1 else kind(tuple(words)), vector)] if words else []
    parts += [compile_tree(item, vector) for item in others]
    joiner = " AND " if kind is language.And else " OR "
    return "(" + joiner.join(sql for sql, _ in parts) + ")", [p for _, params in parts for p in params]


def _text_only(tree) -> bool:
    return all(leaf.field in language.TEXT_FIELDS for leaf in language.leaves(tree))


def tsquery(tree) -> str:
    """The tsquery text of a tree of title and text words."""
    if isinstance(tree, language.Term):
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
