"""Writing one or two columns of many rows at once.

Django's bulk_update builds a CASE expression with a branch per row, which costs about 2 ms per
row in Python; landing a batch of 250 articles updated 250 stories and 250 articles that way.
One prepared UPDATE run for every row (executemany) does the same in a fraction of the time,
on SQLite and PostgreSQL alike.
"""

import functools
import json
import logging
import random
import time

from django.core.management.color import no_style
from django.db import OperationalError, connection, connections, models, router
from django.utils import timezone

logger = logging.getLogger(__name__)


def update_rows(objects, fields: list[str]) -> int:
    """UPDATE each object's `fields` (their current Python values) by primary key."""
    # In primary-key order: two transactions writing overlapping rows then wait for each other
    # instead of deadlocking.
    objects = sorted(objects, key=lambda obj: obj.pk)
    if not objects:
        return 0
    meta = objects[0]._meta
    connection = connections[router.db_for_write(type(objects[0]))]
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [
        [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(rows)


# PostgreSQL's "deadlock detected" and "could not serialize access"; SQLite's busy database.
RETRYABLE_SQLSTATES = {"40P01", "40001"}
ATTEMPTS = 5


def _is_retryable(exc: OperationalError) -> bool:
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    return state in RETRYABLE_SQLSTATES or "database is locked" in str(exc)


def retry_on_deadlock(function):
    """Run `function` (a whole transaction) again when the database chose it as a deadlock's
    victim. Writes take rows in primary-key order (update_rows sorts), which makes deadlocks
    rare; two workers claiming overlapping rows can still meet, and losing the work is worse.
    Inside an outer transaction there is nothing to retry from: the error is raised."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return function(*args, **kwargs)
            except OperationalError as exc:
                if attempt == ATTEMPTS or connection.in_atomic_block or not _is_retryable(exc):
                    raise
                logger.warning("%s: %s; try %d of %d", function.__name__, exc, attempt + 1, ATTEMPTS)
                time.sleep(random.uniform(0.05, 0.25) * attempt)
        raise AssertionError("unreachable")

    return wrapper


def insert_rows(objects) -> int:
    """INSERT new model instances of one model, all with primary keys set by the caller (a bulk
    load that numbers its own rows: reset_sequences after) or all without. On PostgreSQL with
    COPY: Django's bulk_create prepares every value of every row through its field (0.2 ms an
    object) and sends them as arrays to unnest, half of a bulk load's writing time; COPY takes
    the rows as they are. Elsewhere bulk_create. No signals, no save(): model defaults come from
    the instances, auto_now dates are set here."""
    objects = list(objects)
    if not objects:
        return 0
    model = type(objects[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects)
        return len(objects)
    # Without keys of their own, the database numbers the rows.
    fields = [field for field in model._meta.concrete_fields if field.primary_key is False or objects[0].pk]
    getters = [_copy_value(field) for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objects:
            copy.write_row([get(obj) for get in getters])
    return len(objects)


def _copy_value(field):
    """How COPY gets `field`'s value from an object: as stored, JSON as its text, an auto_now
    or auto_now_add date set now (as save() would)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        now = timezone.now()
        return lambda obj: getattr(obj, field.attname) or now
    if isinstance(field, models.JSONField):
        return lambda obj: json.dumps(getattr(obj, field.attname), cls=field.encoder)
    return lambda obj: getattr(obj, field.attname)


def reset_sequences(*model_classes) -> None:
    """After rows were inserted with their own primary keys: the next generated key follows them."""
    connection = connections[router.db_for_write(model_classes[0])]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), model_classes):
            cursor.execute(sql)
