"""Evaluating a parsed query over the index's posting lists a block at a time.

Whoosh's matchers step through postings one document at a time in Python: at 100,000 articles
a common word has 15,000 postings, and listing them, intersecting two words and ranking cost
10-40 ms each. Here a term's postings are read block by block (Whoosh keeps up to 128 per
block, as tuples), turned into {document number: BM25 score} with one comprehension, and the
query's AND, OR and NOT become dictionary and set operations, which run in C. The scores are
Whoosh's own BM25F (same B, K1, idf and length quantisation), so the order matches what its
searcher would give. Query types not handled here fall back to Whoosh's matchers, unscored.
"""

from whoosh import query as wq

from search import columns
from search.analysis import word_pairs
from search.query import WordsInPlace

B = 0.75
K1 = 1.2


class Evaluator:
    """Scores for one searcher; cheap to make, one per query."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.schema = searcher.schema
        self.leaves = searcher.reader().leaf_readers()

    # --- what callers ask ------------------------------------------------------------------
    def scores(self, query) -> dict[int, float]:
        """{document number: score} of every live document matching `query`."""
        method = _METHODS.get(type(query))
        if method is None:
            return dict.fromkeys(self.searcher.docs_for_query(query), 0.0)
        return method(self, query)

    def documents(self, query) -> set[int]:
        """The live document numbers matching `query` (a filter: no scores needed)."""
        if isinstance(query, wq.And):
            sets = sorted((self.documents(q) for q in query.subqueries), key=len)
            return sets[0].intersection(*sets[1:]) if sets else set()
        if isinstance(query, wq.Term):
            return set(self._term(query.fieldname, query.text, 1.0))
        return set(self.searcher.docs_for_query(query))

    def all_documents(self) -> dict[int, float]:
        return dict.fromkeys(self.searcher.reader().all_doc_ids(), 0.0)

    # --- query nodes -------------------------------------------------------------------------
    def _term_node(self, query: wq.Term) -> dict[int, float]:
        return self._term(query.fieldname, query.text, query.boost)

    def _and(self, query: wq.And) -> dict[int, float]:
        wanted = [q for q in query.subqueries if not isinstance(q, wq.Not)]
        unwanted = [q.query for q in query.subqueries if isinstance(q, wq.Not)]
        if not wanted:
            result = self.all_documents()
        else:
            parts = sorted((self.scores(q) for q in wanted), key=len)
            result = parts[0]
            for other in parts[1:]:
                result = {doc: score + other[doc] for doc, score in result.items() if doc in other}
        return self._without(result, unwanted)

    def _or(self, query: wq.Or) -> dict[int, float]:
        parts = sorted((self.scores(q) for q in query.subqueries), key=len, reverse=True)
        if not parts:
            return {}
        result = dict(parts[0])
        for other in parts[1:]:
            get = result.get
            result.update({doc: score + get(doc, 0.0) for doc, score in other.items()})
        return result

    def _and_not(self, query: wq.AndNot) -> dict[int, float]:
        return self._without(self.scores(query.a), [query.b])

    def _not(self, query: wq.Not) -> dict[int, float]:
        return self._without(self.all_documents(), [query.query])

    def _require(self, query: wq.Require) -> dict[int, float]:
        required = self.documents(query.b)
        return {doc: score for doc, score in self.scores(query.a).items() if doc in required}

    def _and_maybe(self, query: wq.AndMaybe) -> dict[int, float]:
        maybe = self.scores(query.b)
        return {doc: score + maybe.get(doc, 0.0) for doc, score in self.scores(query.a).items()}

    def _words_in_place(self, query: WordsInPlace) -> dict[int, float]:
        """A phrase: from the index's word pairs when it has them for all the phrase's words,
        else the documents with all its words, kept where their positions line up."""
        frequent = getattr(self.schema["pairs"].analyzer, "frequent", ()) if "pairs" in self.schema else ()
        words_at = query.words_at
        if all(word in frequent for word, _at in words_at):
            return self._and(wq.And([wq.Term("pairs", pair, boost=query.boost) for pair in word_pairs(words_at)]))
        scores = self._and(wq.And([wq.Term(query.fieldname, word, boost=query.boost) for word, _at in words_at]))
        if not scores:
            return scores
        wanted = set(scores)
        positions = [(self._positions(query.fieldname, word, wanted), at) for word, at in words_at]
        (first, first_at), rest = positions[0], positions[1:]
        kept = {}
        for doc, score in scores.items():
            places = [(set(found[doc]), at - first_at) for found, at in rest]
            if any(all(start + distance in place for place, distance in places) for start in first[doc]):
                kept[doc] = score
        return kept

    def _every(self, query) -> dict[int, float]:
        return self.all_documents()

    def _without(self, result: dict, queries) -> dict[int, float]:
        for query in queries:
            excluded = self.documents(query)
            result = {doc: score for doc, score in result.items() if doc not in excluded}
        return result

    # --- postings ----------------------------------------------------------------------------
    def _positions(self, field: str, text, wanted: set[int]) -> dict[int, list[int]]:
        """Where the word stands in each of the `wanted` documents."""
        fieldobj = self.schema[field]
        tbytes = fieldobj.to_bytes(text)
        decode = fieldobj.format.decode_positions
        result = {}
        for leaf, offset in self.leaves:
            if (field, tbytes) not in leaf:
                continue
            for ids, _weights, values in _blocks(leaf, field, tbytes, with_values=True):
                found = zip(ids, values, strict=False)
                result.update({offset + doc: decode(value) for doc, value in found if offset + doc in wanted})
        return result

    def _term(self, field: str, text, boost: float) -> dict[int, float]:
        if field not in self.schema:
            return {}
        fieldobj = self.schema[field]
        tbytes = fieldobj.to_bytes(text)
        scored = fieldobj.scorable
        if scored:
            idf = self.searcher.idf(field, text) * boost
            avgfl = self.searcher.avg_field_length(field) or 1
            # bm25 = idf * tf * (K1 + 1) / (tf + K1 * (1 - B) + K1 * B * length / avgfl)
            top, base, per_length = idf * (K1 + 1), K1 * (1 - B), K1 * B / avgfl
        result = {}
        for leaf, offset in self.leaves:
            if (field, tbytes) not in leaf:
                continue
            lengths = columns.lengths(leaf, field) if scored else None
            segment = {}
            for ids, weights, _values in _blocks(leaf, field, tbytes):
                if scored:
                    segment.update(
                        {
                            offset + doc: top * tf / (tf + base + per_length * lengths[doc])
                            for doc, tf in zip(ids, weights, strict=False)
                        }
                    )
                else:
                    segment.update(dict.fromkeys([offset + doc for doc in ids], 0.0))
            for doc in leaf.deleted_docs_set:  # deleted documents keep their postings until a merge
                segment.pop(offset + doc, None)
            result.update(segment)
        return result


def _blocks(leaf, field: str, tbytes: bytes, with_values=False):
    """(document numbers, term frequencies, encoded values or None) of a term in one segment, a
    block at a time."""
    matcher = leaf._terms.matcher(field, tbytes, leaf.schema[field].format)
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):  # whoosh3's block reader
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            if with_values:
                matcher._read_values()
            yield matcher._ids, matcher._weights, matcher._values if with_values else None
            matcher._next_block()
        return
    ids, weights, values = [], [], []  # postings inlined in the term's entry: a handful at most
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        values.append(matcher.value() if with_values else None)
        matcher.next()
    yield ids, weights, values


_METHODS = {
    wq.Term: Evaluator._term_node,
    wq.And: Evaluator._and,
    wq.Or: Evaluator._or,
    wq.AndNot: Evaluator._and_not,
    wq.Not: Evaluator._not,
    wq.Require: Evaluator._require,
    wq.AndMaybe: Evaluator._and_maybe,
    wq.Every: Evaluator._every,
    WordsInPlace: Evaluator._words_in_place,
}
