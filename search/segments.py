"""A segment writer for rebuilds: the same index files as Whoosh's own writer, written a term
at a time instead of a posting at a time.

Whoosh's SegmentWriter puts every posting (340 an article here) into one list of tuples, sorts
it, spills it to disk a pickled posting at a time when it outgrows its memory limit, merges the
spills back, and hands the postings one by one to the codec, which checks, appends and looks up
the document's length for each. At 100,000 articles that is 34 million postings through five
Python calls each. Here postings are kept per term as they arrive (documents come in order, so
each term's list is already sorted), only the terms are sorted, spills are a pickle per term,
and the codec gets each term's postings a block (128) at a time.
"""

import heapq
import pickle
import tempfile
from array import array
from itertools import groupby
from operator import itemgetter

from search.whoosh_private import SegmentWriter, add_blocks

TERM_BYTES = 300  # a term's key, dictionary entry and three empty lists, roughly
POSTING_BYTES = 8  # a document number and a weight in their arrays
VALUE_BYTES = 45  # a bytes object and its list slot, besides its length


class TermPool:
    """Postings grouped by (field, term), each as (document numbers, weights, values) in the
    order added; when its estimated size passes `limitmb`, it spills them to a run file sorted
    by term, and reading them back merges the runs term by term."""

    def __init__(self, folder, limitmb: int):
        self.folder = folder
        self.limit = limitmb * 2**20
        self.size = 0
        self.terms: dict[tuple[str, bytes], tuple[array, array, list]] = {}
        self.runs = []

    def add(self, item) -> None:
        """One posting (fieldname, term bytes, document number, weight, value bytes)."""
        fieldname, tbytes, docnum, weight, value = item
        postings = self.terms.get((fieldname, tbytes))
        if postings is None:
            postings = self.terms[(fieldname, tbytes)] = (array("I"), array("f"), [])
            self.size += TERM_BYTES + len(tbytes)
        postings[0].append(docnum)
        postings[1].append(weight)
        self.size += POSTING_BYTES
        if value:  # as Whoosh's postings writer: a format without values keeps none
            postings[2].append(value)
            self.size += VALUE_BYTES + len(value)
        if self.size > self.limit:
            self.save()

    def save(self) -> None:
        if not self.terms:
            return
        run = tempfile.TemporaryFile(dir=self.folder)  # noqa: SIM115 - read at the end, closed by cleanup()
        # A pickle per term, each with its own pickler: one pickler for the run would remember
        # every object it wrote, and its unpickler every object it read, the whole run.
        for key in sorted(self.terms):
            pickle.dump((key, *self.terms[key]), run, pickle.HIGHEST_PROTOCOL)
        run.seek(0)
        self.runs.append(run)
        self.terms = {}
        self.size = 0

    def sorted_terms(self):
        """((fieldname, term bytes), ids, weights, values) in term order."""
        if not self.runs:
            return ((key, *self.terms[key]) for key in sorted(self.terms))
        self.save()
        merged = heapq.merge(*map(_read_run, self.runs), key=itemgetter(0))  # stable: runs in order
        return (_joined(key, parts) for key, parts in groupby(merged, key=itemgetter(0)))

    def cleanup(self) -> None:
        for run in self.runs:
            run.close()  # a TemporaryFile is deleted on close
        self.runs = []
        self.terms = {}


def _read_run(run):
    while True:
        try:
            yield pickle.load(run)  # noqa: S301 - our own run file
        except EOFError:
            return


def _joined(key, parts):
    _key, ids, weights, values = next(parts)
    for _same, more_ids, more_weights, more_values in parts:
        ids += more_ids
        weights += more_weights
        values += more_values
    return key, ids, weights, values


class RebuildWriter(SegmentWriter):
    """A SegmentWriter whose pool is a TermPool and whose postings reach the codec a block at a
    time. Writes one new segment; for building a fresh index generation, not for merging.
    (finish_segment and commit_segments, for a rebuild's parallel parts, are search.whoosh_private's.)"""

    def __init__(self, ix, limitmb: int = 256, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(ix.storage.folder, limitmb)

    def flush_segment(self):
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            _write_terms(self.fieldwriter, self.schema, lengths, self.pool.sorted_terms(), self.docnum)
        finally:
            lengths.close()
        self.fieldwriter.close()


def _write_terms(fieldwriter, schema, lengths, terms, doc_count: int) -> None:
    field = None
    for (fieldname, tbytes), ids, weights, values in terms:
        if fieldname != field:
            if field is not None:
                fieldwriter.finish_field()
            field = fieldname
            fieldwriter.start_field(fieldname, schema[fieldname])
            of_doc = lengths.doc_field_length_reader(fieldname)
            field_lengths = [of_doc(docnum) for docnum in range(doc_count)]
        fieldwriter.start_term(tbytes)
        add_blocks(fieldwriter, ids, weights, values, field_lengths)
        fieldwriter.finish_term()
    if field is not None:
        fieldwriter.finish_field()
