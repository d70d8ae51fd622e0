"""What a reader sees when a part of the site fails: Dutch pages with the site's header.

A database that does not answer is a 503 "tijdelijk niet beschikbaar" (retry later), not a 500;
a search index that is missing or unreadable is a 503 for search alone (every other page reads
the database only). The pages are rendered without the request's context processors, which
could reach for the database (the session, the user) that just failed.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from search.backend import IndexUnavailable

logger = logging.getLogger(__name__)

RETRY_AFTER = "60"


def unavailable(request, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": message}, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = RETRY_AFTER
    return response


def response_for(request, exception) -> HttpResponse | None:
    if isinstance(exception, IndexUnavailable):
        logger.error("search index unavailable: %s", exception)
        return unavailable(request, _("Zoeken is tijdelijk niet beschikbaar. Probeer het zo meteen opnieuw."))
    if isinstance(exception, OperationalError | InterfaceError):  # the server, not the query
        logger.error("database unavailable: %s", exception)
        return unavailable(request, _("De site is tijdelijk niet beschikbaar. Probeer het zo meteen opnieuw."))
    return None


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return response_for(request, exception)


def server_error(request):
    """handler500: also the last resort for a failure outside any view (a middleware's)."""
    import sys

    response = response_for(request, sys.exc_info()[1])
    if response is not None:
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"))
