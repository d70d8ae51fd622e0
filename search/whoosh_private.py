"""Whoosh's private API, fenced: every use newsdesk makes of a whoosh name that starts with `_`
is in this module, behind public names the rest of search uses.

Two speed-ups need Whoosh's insides, both tied to its W3 codec:

- A rebuild writes a term's postings a block at a time (search.segments.RebuildWriter): it
  overrides SegmentWriter's `_flush_segment`, opens parallel writers without the lock (`_lk`),
  finishes a segment without committing it (`_finalize_segment`) and commits other writers'
  segments (`_check_state`, `_close_segment`, `_commit_toc`, `_finish`), and fills the
  W3PostingsWriter's block (`_postwriter`, `_blocklimit`, `_write_block`, `_ids`, `_weights`,
  `_values`, `_maxweight`, `_minlength`, `_maxlength`).
- A search reads posting lists a block at a time (search.matching): a segment's terms reader
  (`_terms`) and the W3LeafMatcher's block (`_read_ids`, `_read_weights`, `_read_values`,
  `_next_block`, `_maxid`, `_ids`, `_weights`, `_values`).

Any whoosh3 release may change these. CHECKED_VERSIONS names the releases this module was read
against; tests/search/test_whoosh_fence.py fails on any other, checks that every private name
used here still exists, and that no other module uses one. To move to a new release: read each
use here against its source, run tests/search (the segment test compares our files with
Whoosh's own writer's, the search tests our scores with its matcher's), then add the version.
"""

from bisect import bisect_right

from whoosh import writing
from whoosh.codec.whoosh3 import W3FieldWriter

CHECKED_VERSIONS = ("3.54.0",)


class SegmentWriter(writing.SegmentWriter):
    """Whoosh's SegmentWriter, with public names for the steps a rebuild takes itself.

    `lock=False` opens a writer that leaves the index lock to another (a rebuild's parent holds
    it while its processes write their parts). A subclass replaces `flush_segment`, which
    writes the segment's postings and files when the writer commits."""

    def __init__(self, ix, *, lock: bool = True, **kwargs):
        super().__init__(ix, _lk=lock, **kwargs)
        if not isinstance(self.fieldwriter, W3FieldWriter):  # add_blocks fills its blocks
            raise TypeError(f"{type(self).__name__} writes Whoosh's W3 codec, not {type(self.codec).__name__}")

    def _flush_segment(self):
        self.flush_segment()

    def flush_segment(self):
        super()._flush_segment()

    def finish_segment(self):
        """Write this writer's documents as a finished segment without committing it: a
        rebuild's parallel parts each make one, and the parent commits them all together."""
        return self._finalize_segment()

    def commit_segments(self, segments) -> None:
        """Make `segments` (from other writers on this index) the index's segments, in one TOC
        write under this writer's lock."""
        self._check_state()
        try:
            self._close_segment()
            self._commit_toc(list(self.segments) + list(segments))
        finally:
            self._finish()


def add_blocks(fieldwriter, ids, weights, values, field_lengths) -> None:
    """What W3PostingsWriter.add_posting does for each posting, for a block of them at once: a
    full block is written when a next posting arrives, the last one is left for
    finish_postings (which may inline it)."""
    postwriter = fieldwriter._postwriter
    limit = postwriter._blocklimit
    if values and len(values) != len(ids):  # a format's postings all have a value, or none has
        raise ValueError(f"{len(values)} values for {len(ids)} postings")
    for start in range(0, len(ids), limit):
        if start:
            postwriter._write_block()
        block = ids[start : start + limit]
        postwriter._ids = block
        postwriter._weights = weights[start : start + limit]
        postwriter._values = values[start : start + limit] if values else []
        postwriter._maxweight = max(0, max(postwriter._weights))  # add_posting starts from 0
        found = [length for length in map(field_lengths.__getitem__, block) if length]
        postwriter._minlength = min(found) if found else None
        postwriter._maxlength = max(found) if found else 0


def posting_blocks(leaf, field: str, tbytes: bytes, only=None, with_values=False):
    """(document numbers, term frequencies, encoded values or None) of a term in one segment, a
    block at a time; with `only` (sorted document numbers), just the blocks that may hold one."""
    matcher = leaf._terms.matcher(field, tbytes, leaf.schema[field].format)
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):  # whoosh3's block reader
        after = -1  # the last document number of the previous block
        while matcher.is_active():
            last = matcher._maxid  # known from the block's header, before its postings are read
            if only is None or _any_between(only, after, last):
                matcher._read_ids()
                matcher._read_weights()
                if with_values:
                    matcher._read_values()
                yield matcher._ids, matcher._weights, matcher._values if with_values else None
            after = last
            matcher._next_block()
        return
    ids, weights, values = [], [], []  # postings inlined in the term's entry: a handful at most
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        values.append(matcher.value() if with_values else None)
        matcher.next()
    yield ids, weights, values


def _any_between(ordered: list[int], after: int, last: int) -> bool:
    """Whether a number in `ordered` lies in (after, last]."""
    index = bisect_right(ordered, after)
    return index < len(ordered) and ordered[index] <= last
