"""A number that changes whenever matches change (an import, a reconciled score): cached tables
and the club pages' cached bodies carry it in their keys."""

from django.core.cache import cache

from articles import hooks

VERSION_KEY = "matches:version"


def version() -> int:
    value = cache.get(VERSION_KEY)
    if value is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        value = cache.get(VERSION_KEY, 1)
    return value


def bump_version() -> None:
    """Matches changed: retire cached tables, and the cached lists and club pages (whose body
    shows fixtures) through the sidebars' generation."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # never set, or evicted
        cache.add(VERSION_KEY, 1, timeout=None)
    hooks.lists_changed.send(sender=__name__)
