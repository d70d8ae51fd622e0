"""Writing one or two columns of many rows at once.

Django's bulk_update builds a CASE expression with a branch per row, which costs about 2 ms per
row in Python; landing a batch of 250 articles updated 250 stories and 250 articles that way.
One prepared UPDATE run for every row (executemany) does the same in a fraction of the time,
on SQLite and PostgreSQL alike.
"""

from django.db import connections, router


def update_rows(objects, fields: list[str]) -> int:
    """UPDATE each object's `fields` (their current Python values) by primary key."""
    objects = list(objects)
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
