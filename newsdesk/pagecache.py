"""Whole pages for anonymous readers, from the shared cache, for a minute or a few.

A news site is read far more than it changes, and most readers ask for the same pages at the
same moment (the front page, the clubs of the day, the article everyone links to). This
middleware keeps each anonymous GET response whole in the cache and answers the same URL from
there until it expires:
- for NEWSDESK_PAGE_CACHE_SECONDS (60 with Redis; 0: off), so a new article reaches a cached
  list within that time (feeds are polled every few minutes: a minute more is not noticed);
- or for as long as the response's own `Cache-Control: s-maxage` says (the standard lifetime
  for shared caches, which browsers ignore): article pages set it to
  NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS, since an article's page only changes when editors act.
- Editors acting purges everything at once: any POST to the admin that succeeds (a save, a
  delete, an action; not a login) moves the cache to a new generation, so a hidden article or
  a featured story shows at once, not when its page expires.

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
        prefix = f"page.{_generation()}"
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
