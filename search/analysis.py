"""One Dutch analyzer for indexing and querying: words and scorelines, lower case, every Latin
diacritic folded, Dutch stop words out (positions kept, so phrases stay exact), and the current
Snowball Dutch stemmer, which brings "strafschoppen" and "strafschop" together."""

import itertools
import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter, Token, Tokenizer
from whoosh.lang import stopwords_for_language

# A scoreline ("0-2", "3–1") is one token; otherwise runs of letters and digits.
TOKEN_PATTERN = r"\d{1,2}\s?[-–]\s?\d{1,2}(?!\d)|\w+"  # noqa: S105 - a regex, not a password
STOP_WORDS = frozenset(stopwords_for_language("nl")) - {"tegen"}  # "tegen Anderlecht" is news
# Letters that Unicode does not decompose into a base letter and an accent.
_EXTRA_FOLDS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Leão → leao, München → munchen, Vinícius → vinicius, Ødegaard → odegaard."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_EXTRA_FOLDS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# With PyStemmer installed (a dependency) this is the C build of the same Snowball algorithm.
_stemmer = snowballstemmer.stemmer("dutch")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    if not word.isalpha():
        return word  # numbers and scorelines stay as they are
    return _stemmer.stemWord(word)


def normalize_scoreline(token: str) -> str:
    return token.replace("–", "-").replace(" ", "")


class SpellingFoldFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


_NORMALIZED: dict[str, str | None] = {}


def normalize_word(word: str) -> str | None:
    """lower case, folded, stemmed; None for a stop word. One dictionary look-up once seen."""
    try:
        return _NORMALIZED[word]
    except KeyError:
        pass
    folded = fold(normalize_scoreline(word.lower()))
    result = None if folded in STOP_WORDS else stem(folded)
    if len(_NORMALIZED) < 500_000:
        _NORMALIZED[word] = result
    return result


class DutchFilter(Filter):
    """Lower case, fold, drop stop words (keeping positions), stem: one filter, one look-up a token.

    The same steps as LowercaseFilter | FoldFilter | StopFilter | DutchStemFilter, at a third of
    the cost, which matters when a rebuild analyzes 40 million words.
    """

    def __call__(self, tokens):
        for token in tokens:
            text = normalize_word(token.text)
            if text is None:
                if not token.removestops:
                    token.stopped = True
                    yield token
                continue
            token.text = text
            token.stopped = False
            yield token


class FoldFilter(Filter):
    """Kept so that an index written by an earlier version (its schema names this filter) still
    opens; rebuild_index writes the current analyzer."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(normalize_scoreline(token.text))
            yield token


class DutchStemFilter(Filter):
    """Kept for indexes written by an earlier version, like FoldFilter."""

    def __call__(self, tokens):
        for token in tokens:
            if not token.stopped:
                token.text = stem(token.text)
            yield token


def dutch_analyzer():
    # Stop words leave gaps in the positions, so a phrase never jumps over a removed word; single
    # characters (a digit) are kept.
    return RegexTokenizer(TOKEN_PATTERN) | DutchFilter()


def spelling_analyzer():
    """Whole words, folded but not stemmed: the vocabulary "Bedoelde je ...?" suggests from."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | SpellingFoldFilter() | StopFilter(STOP_WORDS, minsize=3)


def analyze(text: str) -> list[str]:
    return [token.text for token in dutch_analyzer()(text)]


TOKENS = re.compile(TOKEN_PATTERN)


_last_analysed: tuple = (None, [])


def words_in_place(text: str) -> list[tuple[str, int]]:
    """The analyzed words of a text with their positions; stop words are left out but keep
    their places, as they do in the index. The last text's words are kept: the index's word
    pairs and word counts are both made from the same text of one document."""
    global _last_analysed
    last_text, last_words = _last_analysed
    if last_text is text:
        return last_words
    words = map(normalize_word, TOKENS.findall(text))
    found = [(word, position) for position, word in enumerate(words) if word is not None]
    _last_analysed = (text, found)
    return found


def word_pairs(words: list[tuple[str, int]], frequent=None, common=frozenset(), neighbours=None) -> list[str]:
    """Each word with the next, and a "_" for every stop word between them: "de rode kaart" →
    "rood kaart", "rood en wit" → "rood _ wit". Indexed as terms of their own, they answer a
    phrase of common words with one short posting list instead of comparing the positions of
    two long ones. With `frequent`, only pairs of two of those words, and pairs in which one
    word is `common` (Lucene's "common grams") and the other one of its `neighbours` (None: any
    word)."""
    return [
        f"{first} {'_ ' * (second_at - first_at - 1)}{second}"
        for (first, first_at), (second, second_at) in itertools.pairwise(words)
        if frequent is None or _paired(first, second, frequent, common, neighbours)
    ]


def _paired(first: str, second: str, frequent, common, neighbours=None) -> bool:
    if first in frequent and second in frequent:
        return True
    if neighbours is None:
        return first in common or second in common
    return (first in common and second in neighbours) or (second in common and first in neighbours)


class PairTokenizer(Tokenizer):
    """The word pairs of a text as the tokens of a field: pairs of two words frequent in the
    archive (in 2 % of its articles or more), and pairs in which one word is common (in 20 % or
    more): those phrases are slow to check by position. At 100,000 articles "bleef" is in
    99,000 of them, and checking "schuldenlob bleef" read the positions of most of them (47 ms
    p95 for such phrases); as a pair it is one short posting list (under 1 ms). A phrase of a
    rare word and a merely frequent one reads at most the frequent word's short list; of rarer
    words only, a few positions. The sets are kept with the index's schema, so every document
    of an index generation is paired alike, and a search knows which phrases the pairs can
    answer (`pairs_answer`).

    A common word is paired only with its `neighbours`: the words in 0.1 % of the articles or
    more. Paired with every word, the rare ones too, a million articles made tens of millions of
    distinct pairs, most in one or two articles, and the rebuild did not finish in an hour and a
    quarter; a rare word's phrase is quick by position anyway (its few articles are the only
    candidates, and only their blocks of the common word's postings are read).

    Indexes written before `common` (or `neighbours`) existed have a pickled tokenizer without
    it, which reads the class's default: their phrases are matched as they were written."""

    common = frozenset()
    neighbours = None  # any word

    def __init__(self, frequent=frozenset(), common=frozenset(), neighbours=None):
        self.frequent = frozenset(frequent)
        self.common = frozenset(common)
        self.neighbours = None if neighbours is None else frozenset(neighbours)

    def __eq__(self, other):
        return isinstance(other, PairTokenizer) and self._rule() == other._rule()

    def _rule(self) -> tuple:
        return self.frequent, self.common, self.neighbours

    def pairs_answer(self, words: list[str]) -> bool:
        """Whether this field holds every adjacent pair of a phrase of these words."""
        return len(words) > 1 and all(
            _paired(first, second, *self._rule()) for first, second in itertools.pairwise(words)
        )

    def __call__(self, value, positions=False, chars=False, removestops=True, mode="", start_pos=0, **kwargs):
        if not self.frequent:
            return
        token = Token(positions, chars, removestops=removestops, mode=mode)
        for position, pair in enumerate(word_pairs(words_in_place(value), *self._rule())):
            token.text = pair
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + position
            yield token


def terms(text: str) -> list[str]:
    """The analyzer's words without its token objects (stop words left out): a third of the
    cost where only the words matter, as when comparing articles for stories."""
    return [word for word in map(normalize_word, TOKENS.findall(text)) if word is not None]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest letters inserted, deleted or replaced."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]
