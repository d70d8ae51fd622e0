"""/robots.txt: the site open to search engines, but not what is endless or not for them."""

from django.test import Client


def test_robots_txt_allows_the_site_and_names_the_sitemap(settings):
    settings.ALLOWED_HOSTS = ["www.newsdesk.example"]
    response = Client(HTTP_HOST="www.newsdesk.example").get("/robots.txt", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Disallow: /admin/", "Disallow: /api/", "Disallow: /search/", "Allow: /"} <= set(lines)
    assert "Sitemap: https://www.newsdesk.example/sitemap.xml" in lines
    assert "Disallow: /" not in lines
