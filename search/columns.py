"""Per-document values of the index as plain lists by document number, kept per segment.

Counting facets and sorting by date through whoosh's collectors costs several microseconds per
matching document in Python; at 100,000 articles a common word matches 15,000 of them. Read once
per segment (segments never change, only whole ones come and go) and kept, the values turn
counting into one Counter over a list look-up, sorting into one heapq call, and a document's
length (for BM25) into a list index.
"""

from collections import OrderedDict

MULTI_VALUED = {"clubs", "players"}  # stored as "club-brugge,ajax"
MAX_SEGMENT_COLUMNS = 200
_segments: OrderedDict = OrderedDict()


def values(searcher, field: str) -> list:
    """The sortable field's value for every document of this searcher (a tuple for multi-valued
    ones)."""
    per_searcher = searcher.__dict__.setdefault("_newsdesk_columns", {})
    if field not in per_searcher:
        joined = []
        for reader, _offset in searcher.reader().leaf_readers():
            joined.extend(_per_segment(reader, field, _column_values))
        per_searcher[field] = joined
    return per_searcher[field]


def lengths(reader, field: str) -> list:
    """How many words each document of one segment has in `field`."""
    return _per_segment(reader, f"length:{field}", _field_lengths)


def _column_values(reader, field: str) -> list:
    column = list(reader.column_reader(field))
    if field in MULTI_VALUED:
        column = [tuple(value.split(",")) if value else () for value in column]
    return column


def _field_lengths(reader, name: str) -> list:
    field = name.removeprefix("length:")
    return [reader.doc_field_length(docnum, field) for docnum in range(reader.doc_count_all())]


def _per_segment(reader, name: str, build) -> list:
    if not reader.doc_count_all():  # an empty index has an empty reader, without columns
        return []
    segment = reader.segment()
    key = (segment.segment_id(), name) if segment is not None else None
    if key is not None and key in _segments:
        _segments.move_to_end(key)
        return _segments[key]
    column = build(reader, name)
    if key is not None:
        _segments[key] = column
        while len(_segments) > MAX_SEGMENT_COLUMNS:
            _segments.popitem(last=False)
    return column
