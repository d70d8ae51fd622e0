"""What the index holds for each article: words to search, keys to filter and count by, a date
to sort by. The text itself is not stored: snippets are cut from the database's copy."""

import re
from collections import Counter, defaultdict

from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema
from whoosh.formats import Format, Positions

from search.analysis import PairTokenizer, dutch_analyzer, fold, spelling_analyzer, word_pairs, words_in_place


class PlacedWords(Positions):
    """`text`'s postings with positions, made from the Dutch analyzer's words without its token
    objects (search.analysis.words_in_place gives the same words at the same positions).

    A rebuild analyses 40 million words; Whoosh's token stream costs a Token update, a filter
    call and two dictionary updates per word, and each field ran it again over the same text.
    `words_in_place` remembers the last text, so `text`, `pairs` and `words` of one document
    share one analysis."""

    def word_values(self, value, analyzer, **kwargs):
        places = defaultdict(list)
        for word, position in words_in_place(value):
            places[word].append(position)
        boost = self.field_boost
        encode = self.encode
        return ((word, len(found), len(found) * boost, encode(found)) for word, found in places.items())


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
        return type(other) is type(self) and other.frequent == self.frequent

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


class PairCounts(WordCounts):
    """The `pairs` field's postings: the pairs search.analysis.PairTokenizer makes (which
    still reads them in queries) with their frequency as weight and no value, made without a
    token object per pair. `common` and `neighbours` as the tokenizer's (its defaults in indexes
    written before them)."""

    common = frozenset()
    neighbours = None

    def __init__(self, frequent=frozenset(), common=frozenset(), neighbours=None, **options):
        super().__init__(frequent, **options)
        self.common = frozenset(common)
        self.neighbours = None if neighbours is None else frozenset(neighbours)

    def __eq__(self, other):
        return super().__eq__(other) and (other.common, other.neighbours) == (self.common, self.neighbours)

    __hash__ = None

    def word_values(self, value, analyzer, **kwargs):
        counts = Counter(word_pairs(words_in_place(value), self.frequent, self.common, self.neighbours))
        return ((pair, count, count * self.field_boost, b"") for pair, count in counts.items())


def _text_field(analyzer) -> TEXT:
    field = TEXT(analyzer=analyzer, phrase=True)  # the analyzer still reads queries
    field.format = PlacedWords(field_boost=field.format.field_boost)
    return field


def _pairs_field(frequent_words, common_words, neighbours) -> TEXT:
    field = TEXT(analyzer=PairTokenizer(frequent_words, common_words, neighbours), phrase=False)
    field.format = PairCounts(frequent_words, common_words, neighbours)
    return field


def _scoring_field(analyzer, frequent_words) -> TEXT:
    field = TEXT(analyzer=analyzer, phrase=False)
    field.format = WordCounts(frequent_words)
    field.scorable = False
    return field


def build_schema(frequent_words=frozenset(), common_words=frozenset(), neighbours=None) -> Schema:
    analyzer = dutch_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        # What a query searches: the title (twice, so its words weigh more) and the body in one
        # field, so a word is one posting list, not two to merge per query.
        text=_text_field(analyzer),
        # The frequent words of `text` without positions, for scoring (see WordCounts).
        words=_scoring_field(analyzer, frequent_words),
        # "rood kaart", "rood _ wit": pairs of frequent words, and with a common word, for
        # phrases (see PairTokenizer)
        pairs=_pairs_field(frequent_words, common_words, neighbours),
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


def document_for(pk, *, title, body, published_at, source, story, clubs, players) -> dict:
    """The index document of an article: its fields as plain values, its linked clubs' and
    players' slugs, its source's name and its story's slug (or None)."""
    text = f"{title}\n{title}\n{body}"
    return {
        "id": str(pk),
        "text": text,
        "pairs": text,
        "words": text,
        "title": title,
        "spell": title,
        "clubs": ",".join(clubs),
        "players": ",".join(players),
        "source": source_key(source),
        "story": story or "",
        "published": published_at,
    }
