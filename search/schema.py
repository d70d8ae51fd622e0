"""What the index holds for each article: words to search, keys to filter and count by, a date
to sort by. The text itself is not stored: snippets are cut from the database's copy."""

import re
from collections import Counter

from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema
from whoosh.formats import Format

from search.analysis import PairTokenizer, dutch_analyzer, fold, spelling_analyzer, words_in_place


class WordCounts(Format):
    """Postings of the archive's frequent words that carry a term frequency and nothing else.

    `text` keeps every word's positions for phrases, and a postings block is read whole, so
    scoring a frequent word (15,000 postings at 100,000 articles) from `text` unpickles all its
    positions too. The same postings counted here are a fraction of the size; a rarer word's
    postings are short, and scoring reads them from `text` (search.matching). The frequency is
    the posting's weight; no value is stored. The field is not scorable: its words are scored
    with `text`'s lengths, which are theirs, and it costs no length column of its own."""

    posting_size = 0  # whoosh3 then writes no values into a block

    def __init__(self, frequent=frozenset(), field_boost: float = 1.0, **options):
        self.frequent = frozenset(frequent)
        self.field_boost = field_boost
        self.options = options

    def __eq__(self, other):
        return isinstance(other, WordCounts) and other.frequent == self.frequent

    __hash__ = None  # compared by value, like PairTokenizer

    def word_values(self, value, analyzer, **kwargs):
        # The text's analysed words as the Dutch analyzer gives them (search.analysis), without
        # making a token object per word.
        frequent = self.frequent
        counts = Counter(word for word, _position in words_in_place(value) if word in frequent)
        return ((word, count, count * self.field_boost, b"") for word, count in counts.items())

    def encode(self, value):
        return b""

    def decode_frequency(self, valuestring):
        raise NotImplementedError("the frequency is the posting's weight")

    def decode_weight(self, valuestring):
        raise NotImplementedError("the frequency is the posting's weight")


def _scoring_field(analyzer, frequent_words) -> TEXT:
    field = TEXT(analyzer=analyzer, phrase=False)
    field.format = WordCounts(frequent_words)
    field.scorable = False
    return field


def build_schema(frequent_words=frozenset()) -> Schema:
    analyzer = dutch_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        # What a query searches: the title (twice, so its words weigh more) and the body in one
        # field, so a word is one posting list, not two to merge per query.
        text=TEXT(analyzer=analyzer, phrase=True),
        # The frequent words of `text` without positions, for scoring (see WordCounts).
        words=_scoring_field(analyzer, frequent_words),
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
        "words": text,
        "title": article.title,
        "spell": article.title,
        "clubs": ",".join(link.club.slug for link in article.linked_clubs),
        "players": ",".join(link.player.slug for link in article.linked_players),
        "source": source_key(article.source.name),
        "story": article.story.slug if article.story_id else "",
        "published": article.published_at,
    }
