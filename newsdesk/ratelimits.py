"""Per-client rate limits on what costs the most or invites abuse: search, the API and the admin
login. A client over its limit gets a 429 with a Dutch message and `Retry-After`; every other
client goes on as before.

Counting is django-ratelimit's (fixed windows in the default cache). In production that cache
is Redis, so every gunicorn worker on every machine counts against the same limit. When Redis
is down the ForgivingRedisCache answers as if no one had been counted yet: the site stays up
without limits rather than refusing everybody.

The limits are settings (NEWSDESK_RATELIMIT_*: "30/m", "500/h", or "off"). A client is its
address as the reverse proxy reports it: behind nginx every request comes from 127.0.0.1, so
for a trusted proxy (NEWSDESK_TRUSTED_PROXIES) the last address of X-Forwarded-For is taken,
the one the proxy itself appended; addresses a client writes into the header are ignored.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage


@dataclass(frozen=True)
class Limit:
    group: str
    setting: str  # the name in settings holding the rate ("30/m") or None for off
    methods: tuple[str, ...]


SEARCH = Limit("search", "NEWSDESK_RATELIMIT_SEARCH", ("GET", "HEAD"))
API = Limit("api", "NEWSDESK_RATELIMIT_API", ("GET", "HEAD"))
LOGIN = Limit("login", "NEWSDESK_RATELIMIT_LOGIN", ("POST",))
LOGIN_USER = Limit("login-user", "NEWSDESK_RATELIMIT_LOGIN_USER", ("POST",))


def limits_for(path: str) -> list[Limit]:
    if path.startswith(("/search/", "/api/search/")):
        return [SEARCH]
    if path.startswith("/api/"):
        return [API]
    if path == "/admin/login/":
        return [LOGIN, LOGIN_USER]
    return []


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    if remote in settings.NEWSDESK_TRUSTED_PROXIES:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded and forwarded[-1]:
            return forwarded[-1]
    return remote


def _key(limit: Limit, request) -> str:
    if limit is LOGIN_USER:
        # Guessing one editor's password from many addresses is limited as well.
        return "user:" + request.POST.get("username", "").strip().lower()[:150]
    return "ip:" + client_address(request)


def refusal(request, retry_after: int) -> HttpResponse:
    message = _("Te veel verzoeken na elkaar. Wacht even en probeer het dan opnieuw.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": message}, status=429)
    else:
        html = loader.render_to_string("429.html", {"message": message, "retry_after": retry_after})
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for limit in limits_for(request.path):
            rate = getattr(settings, limit.setting, None)
            if not rate or request.method not in limit.methods:
                continue
            usage = get_usage(
                request,
                group=limit.group,
                key=lambda group, request, limit=limit: _key(limit, request),
                rate=rate,
                method=list(limit.methods),
                increment=True,
            )
            if usage and usage["should_limit"]:
                return refusal(request, max(1, usage["time_left"]))
        return self.get_response(request)
