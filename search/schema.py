"""What the index holds for each article: words to search, keys to filter and count by, a date
to sort by. The text itself is not stored: snippets are cut from the database's copy."""

import re

from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema

from search.analysis import PairTokenizer, dutch_analyzer, fold, spelling_analyzer


def build_schema(frequent_words=frozenset()) -> Schema:
    analyzer = dutch_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        # What a query searches: the title (twice, so its words weigh more) and the body in one
        # field, so a word is one posting list, not two to merge per query.
        text=TEXT(analyzer=analyzer, phrase=True),
        # "rood kaart", "rood _ wit": pairs of frequent words, for phrases (see PairTokenizer)
        pairs=TEXT(analyzer=PairTokenizer(frequent_words), phrase=False),
        title=TEXT(analyzer=analyzer, phrase=True),  # for titel:
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False),  # titles' words, for suggestions
        clubs=KEYWORD(commas=True, lowercase=True, sortable=True),
        players=KEYWORD(commas=True, lowercase=True, sortable=True),
        source=ID(sortable=True),
        story=ID,
        published=DATETIME(sortable=True),
    )


def source_key(name: str) -> str:
    """Doelpunt.nu, doelpunt-nu and "doelpunt nu" are all the source doelpuntnu."""
    return re.sub(r"[^a-z0-9]", "", fold(name.lower())) or "bron"


def document_for(article) -> dict:
    """The index document of an article loaded with selectors.published_articles()."""
    text = f"{article.title}\n{article.title}\n{article.body}"
    return {
        "id": str(article.pk),
        "text": text,
        "pairs": text,
        "title": article.title,
        "spell": article.title,
        "clubs": ",".join(link.club.slug for link in article.linked_clubs),
        "players": ",".join(link.player.slug for link in article.linked_players),
        "source": source_key(article.source.name),
        "story": article.story.slug if article.story_id else "",
        "published": article.published_at,
    }
