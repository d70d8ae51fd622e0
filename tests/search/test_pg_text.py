"""PostgreSQL's full-text search given newsdesk's own analysed terms matches exactly what Whoosh
matches: every word of the demo archive's vocabulary, phrases taken from its texts, OR, NOT and
the fields, over the same 40 articles, with the machine's PostgreSQL."""

import os
import random
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command

from search import indexing, language, pg_text
from search.analysis import TOKENS
from search.backend import get_backend
from search.query import compile_tree
from search.searching import resolve_entity
from tests.services import reachable, require

pytestmark = pytest.mark.django_db
DEMO = Path(__file__).resolve().parents[2] / "articles" / "data" / "demo_articles.jsonl"
PG_URL = os.environ.get("NEWSDESK_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")


@pytest.fixture
def both(django_capture_on_commit_callbacks):
    """The demo archive in Whoosh, and the same documents in a PostgreSQL table of their own."""
    require(reachable(PG_URL, 5432), f"PostgreSQL at {PG_URL} is unreachable")
    call_command("load_gazetteer")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_articles", str(DEMO))
    indexing.rebuild()
    documents = indexing._documents(list(indexing.Article.objects.published().values_list("pk", flat=True)))
    with psycopg.connect(PG_URL, autocommit=True) as pg:
        pg.execute("CREATE TEMP TABLE docs (id bigint, vector tsvector, clubs text[], players text[], source text)")
        for pk, document in documents.items():
            article = indexing.Article.objects.get(pk=pk)
            clubs = [c for c in document["clubs"].split(",") if c]
            players = [p for p in document["players"].split(",") if p]
            vector = pg_text.document_vector(article.title, article.body, clubs, players, document["source"])
            pg.execute(
                "INSERT INTO docs VALUES (%s, %s::tsvector, %s, %s, %s)",
                [pk, vector, clubs, players, document["source"]],
            )
        yield pg, documents


def matches(pg, text):
    tree = language.parse(text, resolve=resolve_entity)
    if tree is None:
        return None, None
    in_postgres = {
        row[0] for row in pg.execute("SELECT id FROM docs WHERE vector @@ %s::tsquery", [pg_text.tsquery(tree)])
    }
    page = get_backend().search(compile_tree(tree), limit=1000)
    return in_postgres, {hit.id for hit in page.hits}


def test_every_word_of_the_archive_matches_alike(both):
    pg, documents = both
    vocabulary = sorted({token.lower() for doc in documents.values() for token in TOKENS.findall(doc["text"])})
    assert len(vocabulary) > 900
    differ = []
    for word in vocabulary:
        in_postgres, in_whoosh = matches(pg, word)
        if in_postgres != in_whoosh:
            differ.append(word)
    assert differ == []


def test_phrases_fields_and_operators_match_alike(both):
    pg, documents = both
    rng = random.Random(20261128)
    texts = [doc["text"] for doc in documents.values()]
    queries = []
    for _ in range(150):
        tokens = TOKENS.findall(rng.choice(texts))
        start = rng.randrange(len(tokens) - 4)
        phrase = '"' + " ".join(tokens[start : start + rng.randint(2, 4)]) + '"'
        queries += [phrase, f"titel:{phrase}"]  # titel: phrases keep their stop words' places too
    words = [w for w in TOKENS.findall(" ".join(texts)) if len(w) > 4]
    for _ in range(100):
        a, b, c = (rng.choice(words) for _ in range(3))
        queries += [f"{a} OR {b}", f"{a} -{b}", f"({a} OR {b}) {c}", f"titel:{a}", f'-"{a} {b}" {c}']
    queries += ["club:club-brugge", "club:anderlecht OR speler:vanaken", "speler:vanaken -club:genk", "bron:hln"]
    queries += ["club:genk titel:genk", "strafschoppen club:club-brugge", "0-2", '"2 - 0"']
    checked = 0
    for query in queries:
        in_postgres, in_whoosh = matches(pg, query)
        assert in_postgres == in_whoosh, query
        checked += in_postgres is not None
    assert checked > 600


def test_a_title_word_is_weighted_and_stop_words_keep_their_places():
    vector = pg_text.document_vector("Genk wint de derby", "De derby van Limburg.")
    assert vector.startswith("'genk':1A,5 'wint':2A,6 'derby':4A,8,10")
    tree = language.parse('"rood en wit" titel:genk')
    assert pg_text.tsquery(tree) == "(('rood' <2> 'wit') & 'genk':A)"
    assert pg_text.tsquery(language.parse("l'equipe")) == "('l' <1> 'equipe')"
