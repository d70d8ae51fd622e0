"""The PostgreSQL search backend's tables (search/postgres.py), made on PostgreSQL only: SQLite
has no tsvector, arrays or trigram indexes, and uses Whoosh alone.

pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it, no
superuser needed."""

from django.db import migrations

TABLES = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE search_document (
    article_id bigint PRIMARY KEY,
    published timestamptz NOT NULL,
    vector tsvector NOT NULL,
    clubs text[] NOT NULL DEFAULT '{}',
    players text[] NOT NULL DEFAULT '{}',
    source text NOT NULL DEFAULT '',
    story text NOT NULL DEFAULT '',
    words integer NOT NULL DEFAULT 0
);
CREATE INDEX search_document_vector ON search_document USING gin (vector);
CREATE INDEX search_document_clubs ON search_document USING gin (clubs);
CREATE INDEX search_document_players ON search_document USING gin (players);
CREATE INDEX search_document_published ON search_document (published DESC, article_id DESC);
CREATE INDEX search_document_source ON search_document (source);
CREATE INDEX search_document_story ON search_document (story);
-- How many documents hold each analysed term: the idf of more-like-this, kept up by each write.
CREATE TABLE search_term (term text PRIMARY KEY, documents integer NOT NULL);
-- Titles' whole words, folded, not stemmed: what "Bedoelde je …?" suggests from.
CREATE TABLE search_vocabulary (word text PRIMARY KEY);
CREATE INDEX search_vocabulary_trigrams ON search_vocabulary USING gin (word gin_trgm_ops);
CREATE TABLE search_state (name text PRIMARY KEY, value text NOT NULL);
"""
DROP = "DROP TABLE IF EXISTS search_document, search_term, search_vocabulary, search_state;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TABLES)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
