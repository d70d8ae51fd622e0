"""What the site tells robots: /robots.txt."""

from django.http import HttpResponse
from django.urls import reverse

# Search result pages are endless (every query, filter and page), the API is for programs and
# the admin for editors: none of them belongs in a search engine.
DISALLOWED = ["/admin/", "/api/", "/search/"]


def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), "Allow: /", ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap-index'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
