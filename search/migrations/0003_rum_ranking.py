"""Ranking from the index: where PostgreSQL has the `rum` extension (Debian's postgresql-15-rum,
which `make` installs when run as root), the documents' words are indexed with RUM instead of
GIN. RUM keeps each word's places in the index, so the best matches come from the index in
rank order (`vector <=> query`); with GIN, ts_rank reads every match's whole tsvector from the
table: 200-550 ms for a word in a sixth of 100,000 articles (BENCHMARKS.md).

Without the extension (not installed, or no right to create it: it is not a trusted extension)
GIN stays and the backend ranks with ts_rank; search.postgres asks the catalogue which it has."""

from django.db import migrations

RUM = "CREATE INDEX search_document_vector ON search_document USING rum (vector rum_tsvector_ops)"
GIN = "CREATE INDEX search_document_vector ON search_document USING gin (vector)"


def _can_use_rum(cursor) -> bool:
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'rum') OR ("
        " EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum')"
        " AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))"
    )
    return cursor.fetchone()[0]


def to_rum(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if not _can_use_rum(cursor):
            return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS rum")
    schema_editor.execute("DROP INDEX search_document_vector")
    schema_editor.execute(RUM)


def to_gin(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS search_document_vector")
    schema_editor.execute(GIN)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_postgres_documents")]

    operations = [migrations.RunPython(to_rum, to_gin)]
