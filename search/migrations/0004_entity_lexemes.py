"""Clubs, players and the source in the documents' words: 'club:genk', 'speler:hans-vanaken',
'bron:hln' (search.pg_text.entity_lexeme), so that a search and its filters are one tsquery the
words' index answers, and RUM ranks a search within a club among the club's matches only.

Documents written before get the lexemes here, from their `clubs`, `players` and `source`
columns, with their term counts. The words' index is dropped for the update and built again
after (updating it row by row would be slower than building it); at a million articles this
rewrites every document, minutes, as `rebuild_index` would. The array and source indexes,
which only those conditions used, go (the columns stay: facets count them)."""

from django.db import migrations

ENTITY_WORDS = """
    ARRAY(SELECT 'club:' || slug FROM unnest(clubs) AS slug)
    || ARRAY(SELECT 'speler:' || slug FROM unnest(players) AS slug)
    || CASE WHEN source <> '' THEN ARRAY['bron:' || source] ELSE ARRAY[]::text[] END
"""
WITH_ENTITIES = "clubs <> '{}' OR players <> '{}' OR source <> ''"
TERM_COUNTS = """
    SELECT 'club:' || slug, count(*) FROM search_document, unnest(clubs) AS slug GROUP BY slug
    UNION ALL SELECT 'speler:' || slug, count(*) FROM search_document, unnest(players) AS slug GROUP BY slug
    UNION ALL SELECT 'bron:' || source, count(*) FROM search_document WHERE source <> '' GROUP BY source
"""
ENTITY_INDEXES = """
CREATE INDEX search_document_clubs ON search_document USING gin (clubs);
CREATE INDEX search_document_players ON search_document USING gin (players);
CREATE INDEX search_document_source ON search_document (source);
"""


def _around_the_words_index(schema_editor, *statements):
    """Run `statements` with the words' index (RUM or GIN, as migration 0003 chose) dropped, then
    build it again as it was."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND indexname = 'search_document_vector'"
        )
        (definition,) = cursor.fetchone()
    schema_editor.execute("DROP INDEX search_document_vector")
    for statement in statements:
        schema_editor.execute(statement)
    schema_editor.execute(definition)


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _around_the_words_index(
        schema_editor,
        f"UPDATE search_document SET vector = vector || array_to_tsvector({ENTITY_WORDS}) WHERE {WITH_ENTITIES}",
        f"INSERT INTO search_term (term, documents) {TERM_COUNTS} "
        "ON CONFLICT (term) DO UPDATE SET documents = EXCLUDED.documents",
    )
    schema_editor.execute("DROP INDEX search_document_clubs, search_document_players, search_document_source")
    schema_editor.execute("ANALYZE search_document")


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _around_the_words_index(
        schema_editor,
        f"UPDATE search_document SET vector = ts_delete(vector, {ENTITY_WORDS}) WHERE {WITH_ENTITIES}",
        "DELETE FROM search_term WHERE term ~ '^(club|speler|bron):'",
    )
    schema_editor.execute(ENTITY_INDEXES)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_rum_ranking")]

    operations = [migrations.RunPython(add, remove)]
