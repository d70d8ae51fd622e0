"""Whole pages for anonymous readers, from the shared cache, for a few seconds.

A news site is read far more than it changes, and most readers ask for the same pages at the
same moment (the front page, the clubs of the day, the article everyone links to). This
middleware keeps each anonymous GET response whole in the cache for
NEWSDESK_PAGE_CACHE_SECONDS (0: off) and answers the same URL from there until it expires:
invalidation is that short time, so a new article reaches a cached page within it.

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

KEY_PREFIX = "page"
HEADER = "X-Page-Cache"
_NEVER = {"private", "no-cache", "no-store"}


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.NEWSDESK_PAGE_CACHE_SECONDS
        if seconds <= 0 or not _anonymous_read(request):
            return self.get_response(request)
        key = get_cache_key(request, KEY_PREFIX, "GET", cache=cache)
        if key is not None:
            stored = cache.get(key)
            if stored is not None:
                return _rebuilt(stored)
        response = self.get_response(request)
        if request.method == "GET" and _storable(response):
            key = learn_cache_key(request, response, seconds, KEY_PREFIX, cache=cache)
            cache.set(key, (response.status_code, list(response.items()), response.content), seconds)
            response[HEADER] = "miss"
        return response


def _anonymous_read(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not request.path.startswith(tuple(settings.NEWSDESK_PAGE_CACHE_SKIP))
    )


def _storable(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if has_vary_header(response, "*"):
        return False
    directives = {
        part.split("=", 1)[0].strip().lower() for part in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    return not directives & _NEVER


def _rebuilt(stored) -> HttpResponse:
    status, headers, content = stored
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response[HEADER] = "hit"
    return response
