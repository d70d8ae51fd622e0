"""Whole pages for anonymous readers, from the shared cache, for a minute or a few.

A news site is read far more than it changes, and most readers ask for the same pages at the
same moment (the front page, the clubs of the day, the article everyone links to). This
middleware keeps each anonymous GET response whole in the cache and answers the same URL from
there until it expires:
- for NEWSDESK_PAGE_CACHE_SECONDS (60 with Redis; 0: off), so a new article reaches a cached
  list within that time (feeds are polled every few minutes: a minute more is not noticed);
- or for as long as the response's own `Cache-Control: s-maxage` says (the standard lifetime
  for shared caches, which browsers ignore): article pages set it to
  NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS, since an article's page changes only when editors act
  or its publisher revises it, and both retire it at once.
- Editors acting purges everything at once: any POST to the admin that succeeds (a save, a
  delete, an action; not a login) moves the cache to a new generation, so a hidden article or
  a featured story shows at once, not when its page expires.
- A publisher's revision retires that article's page alone (`retire_page(path)`, after the
  commit that stores it): each path has a mark of its own, which its keys carry too, and the
  revision sets a new one. The mark is read with the generation, in one cache call.

What is never cached, and never served from the cache:
- requests that carry a session cookie (editors, anyone logged in), an Authorization header,
  anything but GET/HEAD, and the paths in NEWSDESK_PAGE_CACHE_SKIP (the admin, /healthz);
- responses other than 200, streaming responses, responses that set a cookie (a CSRF token,
  a session), or that say `Cache-Control: private/no-cache/no-store` or `Vary: *`.

Keys are Django's own (django.utils.cache): scheme, host, path and the whole query string, and
the values of the request headers the response varies on, so two searches are two entries.
The middleware sits after the rate limits (a limited client is refused before it gets here)
and before the session and CSRF middleware (whose cookies and Vary headers it must see).
The cache is the site's default one, the forgiving Redis cache: Redis down means pages are
computed, never an error. Answers carry `X-Page-Cache: hit` or `miss` (stored).
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import cc_delim_re, get_cache_key, has_vary_header, learn_cache_key

from newsdesk.cache import Generation

GENERATION = Generation("pagecache")
HEADER = "X-Page-Cache"
_NEVER = {"private", "no-cache", "no-store"}
_NOT_AN_EDIT = ("/admin/login/", "/admin/logout/", "/admin/password_change/")


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.NEWSDESK_PAGE_CACHE_SECONDS
        if seconds <= 0:
            return self.get_response(request)
        if not _anonymous_read(request):
            response = self.get_response(request)
            if _editor_changed_something(request, response):
                purge()
            return response
        prefix = _prefix(request.path)
        key = get_cache_key(request, prefix, "GET", cache=cache)
        if key is not None:
            stored = cache.get(key)
            if stored is not None:
                return _rebuilt(stored)
        response = self.get_response(request)
        if request.method == "GET" and _storable(response):
            lifetime = _shared_max_age(response) or seconds
            key = learn_cache_key(request, response, lifetime, prefix, cache=cache)
            cache.set(key, (response.status_code, list(response.items()), response.content), lifetime)
            response[HEADER] = "miss"
        return response


def purge() -> None:
    """Retire every cached page now (they are left to expire under their old keys)."""
    GENERATION.advance()


def retire_page(path: str) -> None:
    """Retire the cached copies of the page at `path` now: for every host, scheme, query string
    and header variant, as they all carry the path's mark. The mark outlives every copy made
    under the one before it (a page is kept at most the longer of the two settings)."""
    lifetime = max(settings.NEWSDESK_PAGE_CACHE_SECONDS, settings.NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS)
    cache.set(_mark_key(path), time.time_ns(), lifetime + 60)


def _mark_key(path: str) -> str:
    return f"pagecache:path:{hashlib.md5(path.encode(), usedforsecurity=False).hexdigest()}"


def _prefix(path: str) -> str:
    """The key prefix of the page at `path`: the cache's generation and the path's mark."""
    mark_key = _mark_key(path)
    found = cache.get_many([GENERATION.key, mark_key])
    generation = found.get(GENERATION.key) or _generation()  # never set yet, or evicted
    return f"page.{generation}.{found.get(mark_key, 0)}"


def _generation() -> int:
    return GENERATION.current()


def _anonymous_read(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not request.path.startswith(tuple(settings.NEWSDESK_PAGE_CACHE_SKIP))
    )


def _editor_changed_something(request, response) -> bool:
    """A staff member's successful POST to the admin: a save, a delete or an action."""
    user = getattr(request, "user", None)  # set on the way in by the authentication middleware
    return (
        request.method == "POST"
        and request.path.startswith("/admin/")
        and not request.path.startswith(_NOT_AN_EDIT)
        and response.status_code < 400
        and user is not None
        and user.is_staff
    )


def _directives(response) -> dict[str, str]:
    directives = {}
    for part in cc_delim_re.split(response.get("Cache-Control", "")):
        name, _, value = part.partition("=")
        if name.strip():
            directives[name.strip().lower()] = value.strip()
    return directives


def _shared_max_age(response) -> int | None:
    value = _directives(response).get("s-maxage", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def _storable(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if has_vary_header(response, "*"):
        return False
    return not _directives(response).keys() & _NEVER


def _rebuilt(stored) -> HttpResponse:
    status, headers, content = stored
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response[HEADER] = "hit"
    return response
