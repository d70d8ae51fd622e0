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
from search.whoosh_private import posting_blocks

B = 0.75
K1 = 1.2
SCORING_FIELD = "words"  # text's frequent words without positions (search.schema.WordCounts); older indexes lack it
NARROW_RATIO = 8  # skip a word's blocks without candidates when they are under 1/8 of its postings


class Evaluator:
    """Scores for one searcher; cheap to make, one per query."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.schema = searcher.schema
        self.leaves = searcher.reader().leaf_readers()
        counted = self.schema[SCORING_FIELD].format if SCORING_FIELD in self.schema else None
        self._counted = getattr(counted, "frequent", frozenset())  # words with positions-free postings

    # --- what callers ask ------------------------------------------------------------------
    def scores(self, query, within=None) -> dict[int, float]:
        """{document number: score} of every live document matching `query`; with `within` (a
        set or dict of document numbers), only those among them, and postings blocks holding
        none of them are not even read."""
        method = _METHODS.get(type(query))
        if method is None:
            found = dict.fromkeys(self.searcher.docs_for_query(query), 0.0)
            return found if within is None else {doc: 0.0 for doc in found if doc in within}
        return method(self, query, within)

    def documents(self, query) -> set[int]:
        """The live document numbers matching `query` (a filter: no scores needed)."""
        if isinstance(query, wq.And):
            sets = sorted((self.documents(q) for q in query.subqueries), key=len)
            return sets[0].intersection(*sets[1:]) if sets else set()
        if isinstance(query, wq.Term):  # its postings, not scored
            return set(self._term(query.fieldname, query.text, query.boost, scored=False))
        if type(query) in _METHODS:  # an excluded phrase, too, is matched as a phrase is here
            return set(self.scores(query))
        return set(self.searcher.docs_for_query(query))

    def all_documents(self, within=None) -> dict[int, float]:
        if within is not None:
            return dict.fromkeys(within, 0.0)
        return dict.fromkeys(self.searcher.reader().all_doc_ids(), 0.0)

    # --- query nodes -------------------------------------------------------------------------
    def _term_node(self, query: wq.Term, within) -> dict[int, float]:
        return self._term(query.fieldname, query.text, query.boost, within)

    def _and(self, query: wq.And, within) -> dict[int, float]:
        """The rarest part first; a later part is scored only where the ones before matched (and
        when they matched few of its documents, most of its blocks are not even read)."""
        wanted = sorted((q for q in query.subqueries if not isinstance(q, wq.Not)), key=self._cost)
        unwanted = [q.query for q in query.subqueries if isinstance(q, wq.Not)]
        result = within  # None (everything), a set of allowed documents, or scores so far
        for part in wanted:
            result = _both(result, self.scores(part, result))
            if not result:
                return {}
        if not isinstance(result, dict):
            result = self.all_documents(result)
        return self._without(result, unwanted)

    def _cost(self, query) -> int:
        if isinstance(query, wq.Term) and query.fieldname in self.schema:
            return self.searcher.doc_frequency(query.fieldname, query.text)
        return self.searcher.doc_count_all()  # anything else is read after the words

    def _or(self, query: wq.Or, within) -> dict[int, float]:
        parts = sorted((self.scores(q, within) for q in query.subqueries), key=len, reverse=True)
        if not parts:
            return {}
        result = dict(parts[0])
        for other in parts[1:]:
            get = result.get
            result.update({doc: score + get(doc, 0.0) for doc, score in other.items()})
        return result

    def _and_not(self, query: wq.AndNot, within) -> dict[int, float]:
        return self._without(self.scores(query.a, within), [query.b])

    def _not(self, query: wq.Not, within) -> dict[int, float]:
        return self._without(self.all_documents(within), [query.query])

    def _require(self, query: wq.Require, within) -> dict[int, float]:
        required = self.documents(query.b)
        return {doc: score for doc, score in self.scores(query.a, within).items() if doc in required}

    def _and_maybe(self, query: wq.AndMaybe, within) -> dict[int, float]:
        result = self.scores(query.a, within)
        maybe = self.scores(query.b, result)
        return {doc: score + maybe.get(doc, 0.0) for doc, score in result.items()}

    def _words_in_place(self, query: WordsInPlace, within) -> dict[int, float]:
        """A phrase: from the index's word pairs when it has them for all the phrase's words,
        else the documents with all its words, kept where their positions line up."""
        pairs_field = self.schema["pairs"].analyzer if "pairs" in self.schema else None
        words_at = query.words_at
        if (
            query.fieldname == "text"  # the pairs are the text's (titel: has places of its own)
            and pairs_field is not None
            and pairs_field.pairs_answer([word for word, _at in words_at])
        ):
            pairs = [wq.Term("pairs", pair, boost=query.boost) for pair in word_pairs(words_at)]
            return self._and(wq.And(pairs), within)
        # One pass over each word's postings for scores and positions, the rarest word first,
        # later words only where the earlier ones stand.
        field = query.fieldname
        scores, positions = within, []
        for word, at in sorted(words_at, key=lambda word_at: self.searcher.doc_frequency(field, word_at[0])):
            found = {}
            scores = _both(scores, self._term(field, word, query.boost, scores, positions=found))
            if not scores:
                return {}
            positions.append((found, at))
        (first, first_at), rest = positions[0], positions[1:]
        kept = {}
        for doc, score in scores.items():
            places = [(set(found[doc]), at - first_at) for found, at in rest]
            if any(all(start + distance in place for place, distance in places) for start in first[doc]):
                kept[doc] = score
        return kept

    def _every(self, query, within) -> dict[int, float]:
        return self.all_documents(within)

    def _without(self, result: dict, queries) -> dict[int, float]:
        for query in queries:
            excluded = self.documents(query)
            result = {doc: score for doc, score in result.items() if doc not in excluded}
        return result

    # --- postings ----------------------------------------------------------------------------
    def _term(self, field: str, text, boost: float, within=None, positions=None, scored=True) -> dict[int, float]:
        """The word's BM25 score in each document (in `within`, if given; 0.0 if not `scored`);
        fills `positions`, if given, with where the word stands in those documents."""
        # A frequent word's postings without positions, where the index has them (same documents
        # and counts; scored with text's lengths); otherwise, and for positions, text's own.
        postings_field = field
        if field == "text" and positions is None and text in self._counted:
            postings_field = SCORING_FIELD
        frequency = self.searcher.doc_frequency(field, text) if field in self.schema else 0
        if not frequency:
            return {}
        fieldobj = self.schema[field]
        tbytes = fieldobj.to_bytes(text)
        scored = scored and fieldobj.scorable
        if scored:
            idf = self.searcher.idf(field, text) * boost
            avgfl = self.searcher.avg_field_length(field) or 1
            # bm25 = idf * tf * (K1 + 1) / (tf + K1 * (1 - B) + K1 * B * length / avgfl)
            top, base, per_length = idf * (K1 + 1), K1 * (1 - B), K1 * B / avgfl
        # Blocks are worth skipping only when the candidates are few against the word's postings.
        skip_blocks = within is not None and len(within) * NARROW_RATIO < frequency
        decode = fieldobj.format.decode_positions if positions is not None else None
        result = {}
        for leaf, offset in self.leaves:
            if (field, tbytes) not in leaf:
                continue
            lengths = columns.lengths(leaf, field) if scored else None
            local = _local(within, offset, leaf) if skip_blocks else None
            segment = {}
            source = postings_field if (postings_field, tbytes) in leaf else field
            postings = posting_blocks(leaf, source, tbytes, local, with_values=positions is not None)
            for ids, weights, values in postings:
                if positions is not None:
                    found = zip(ids, values, strict=False)
                    positions.update(
                        {
                            offset + doc: decode(value)
                            for doc, value in found
                            if within is None or offset + doc in within
                        }
                    )
                postings = zip(ids, weights, strict=False)
                if within is not None:
                    postings = [(doc, tf) for doc, tf in postings if offset + doc in within]
                if scored:
                    segment.update(
                        {offset + doc: top * tf / (tf + base + per_length * lengths[doc]) for doc, tf in postings}
                    )
                else:
                    segment.update(dict.fromkeys([offset + doc for doc, _tf in postings], 0.0))
            for doc in leaf.deleted_docs_set:  # deleted documents keep their postings until a merge
                segment.pop(offset + doc, None)
            result.update(segment)
        return result


def _both(so_far, scores: dict[int, float]) -> dict[int, float]:
    """Documents in both: `so_far` is None (no limit yet), a set of allowed documents, or the
    scores of the parts before, which add up."""
    if so_far is None:
        return scores
    if isinstance(so_far, dict):
        return {doc: score + scores[doc] for doc, score in so_far.items() if doc in scores}
    return {doc: score for doc, score in scores.items() if doc in so_far}


def _local(documents, offset: int, leaf) -> list[int]:
    """The given documents of one segment, as its own sorted document numbers."""
    end = offset + leaf.doc_count_all()
    return sorted(doc - offset for doc in documents if offset <= doc < end)


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
