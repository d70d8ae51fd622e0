"""What an attacker meets on every page: the security headers, CSRF on every form, a staff-only
admin, and per-client rate limits (429, Dutch, Retry-After) shared by all web processes."""

import os
import re
import subprocess
import sys

import pytest
import redis
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from articles.models import ArticleClub
from tests.factories import ArticleFactory, ClubFactory, StoryFactory
from tests.services import subprocess_env

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(db):
    club = ClubFactory(name="KRC Genk", slug="krc-genk")
    story = StoryFactory()
    article = ArticleFactory(title="Genk wint", story=story)
    ArticleClub.objects.create(article=article, club=club)
    call_command("rebuild_index", "--quiet")
    return ["/", article.get_absolute_url(), "/clubs/", "/clubs/krc-genk/", story.get_absolute_url(),
            "/search/?q=genk", "/search/feed/?q=genk", "/clubs/krc-genk/feed/", "/api/articles/",
            "/api/search/?q=genk", "/admin/login/", "/sitemap.xml", "/bestaat-niet/"]  # fmt: skip


def test_every_response_carries_the_security_headers(client, pages):
    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", path  # no 'unsafe-inline', no other host
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in policy
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert response["X-Frame-Options"] == "DENY", path


def test_no_page_holds_an_inline_script_or_style(client, pages, admin_client):
    """What the policy would block must not be on the pages in the first place."""
    admin_pages = ["/admin/", "/admin/articles/story/", "/admin/articles/article/", "/admin/articles/source/add/"]
    for path, reader in [(p, client) for p in pages] + [(p, admin_client) for p in admin_pages]:
        page = reader.get(path).content.decode()
        scripts = re.findall(r"<script\b([^>]*)>", page)
        assert all("src=" in attributes or "application/json" in attributes for attributes in scripts), path
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", page), path


def test_every_post_form_carries_a_csrf_token(admin_client, pages):
    for path in ["/admin/login/", "/admin/", "/admin/articles/story/", "/admin/articles/source/add/"]:
        page = (Client() if path == "/admin/login/" else admin_client).get(path).content.decode()
        for form in re.findall(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", page, flags=re.S | re.I):
            assert 'name="csrfmiddlewaretoken"' in form, path


def test_a_post_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    User.objects.create_superuser("redactie", "r@example.org", "een-lang-wachtwoord")
    response = client.post("/admin/login/", {"username": "redactie", "password": "een-lang-wachtwoord"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_admin_is_for_staff_only():
    User.objects.create_user("lezer", "l@example.org", "een-lang-wachtwoord")  # not staff
    client = Client()
    assert client.get("/admin/articles/article/")["Location"].startswith("/admin/login/")
    response = client.post("/admin/login/", {"username": "lezer", "password": "een-lang-wachtwoord"})
    assert response.status_code == 200  # the form again, with its error
    assert client.get("/admin/articles/article/").status_code == 302


@pytest.fixture
def limits(settings, db):
    call_command("rebuild_index", "--quiet")  # an empty index: searches answer 200
    # Windows of an hour: counts restart when a window ends, and one ending within a test's few
    # seconds would make its flood look allowed (likely with minute windows on a busy machine).
    settings.NEWSDESK_RATELIMIT_SEARCH = "5/h"
    settings.NEWSDESK_RATELIMIT_API = "8/h"
    settings.NEWSDESK_RATELIMIT_LOGIN = "4/h"
    settings.NEWSDESK_RATELIMIT_LOGIN_USER = "30/d"
    return settings


def reader(address):
    """A reader behind the reverse proxy, which appends the address it saw."""
    return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)


def test_search_flood_gets_a_dutch_429_and_others_are_served(limits):
    flooder = reader("203.0.113.9")
    statuses = [flooder.get("/search/", {"q": f"genk {n}"}).status_code for n in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    refused = flooder.get("/search/", {"q": "genk"})
    assert "Te veel verzoeken" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert refused["Content-Security-Policy"]  # still our page, with our headers
    # The search feed and the search API count against the same budget.
    assert flooder.get("/api/search/", {"q": "genk"}).status_code == 429
    # Another reader, and the same reader's other pages, are untouched.
    assert reader("198.51.100.7").get("/search/", {"q": "genk"}).status_code == 200
    assert flooder.get("/").status_code == 200


def test_a_client_cannot_escape_its_limit_by_writing_x_forwarded_for(limits):
    """Only the proxy's own (last) entry names the client; what the client wrote is ignored."""
    statuses = [
        Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.9").get("/search/").status_code
        for n in range(7)
    ]
    assert statuses.count(429) == 2
    # A client reaching the server directly is counted by its own address.
    direct = [Client(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").get("/search/") for n in range(6)]
    assert direct[-1].status_code == 429


def test_api_flood_gets_a_json_429(limits):
    flooder = reader("203.0.113.10")
    statuses = [flooder.get("/api/articles/").status_code for _ in range(9)]
    assert statuses == [200] * 8 + [429]
    refused = flooder.get("/api/clubs/")
    assert refused.status_code == 429
    assert refused.json() == {"error": "Te veel verzoeken na elkaar. Wacht even en probeer het dan opnieuw."}
    assert int(refused["Retry-After"]) >= 1


def test_admin_login_guessing_is_stopped(limits):
    User.objects.create_superuser("redactie", "r@example.org", "het-juiste-wachtwoord")
    guesser = reader("203.0.113.11")
    statuses = [
        guesser.post("/admin/login/", {"username": "redactie", "password": f"fout-{n}"}).status_code for n in range(6)
    ]
    assert statuses == [200] * 4 + [429] * 2
    # Even the right password waits: the guesser cannot tell it found it.
    right = {"username": "redactie", "password": "het-juiste-wachtwoord"}
    assert guesser.post("/admin/login/", right).status_code == 429
    # The editor at the office still gets in; reading the login page is never limited.
    assert guesser.get("/admin/login/").status_code == 200
    editor = reader("198.51.100.20")
    response = editor.post("/admin/login/", right)
    assert response.status_code == 302


def test_guessing_one_editors_password_from_many_addresses_is_stopped(limits):
    limits.NEWSDESK_RATELIMIT_LOGIN_USER = "3/d"
    User.objects.create_superuser("redactie", "r@example.org", "het-juiste-wachtwoord")
    statuses = [
        reader(f"203.0.113.{n}").post("/admin/login/", {"username": "Redactie", "password": "fout"}).status_code
        for n in range(5)
    ]
    assert statuses == [200] * 3 + [429] * 2


def test_limits_are_shared_by_web_processes_through_redis(redis_url, tmp_path):
    """Two processes with the production cache: what one counted, the other refuses."""
    db = os.environ.get("TEST_REDIS_DB", "15")
    url = redis_url.rsplit("/", 1)[0] + f"/{db}"
    redis.Redis.from_url(url).flushdb()
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client(REMOTE_ADDR='127.0.0.1', HTTP_X_FORWARDED_FOR='203.0.113.50')\n"
        "print(' '.join(str(client.get('/api/search/', {'q': 'genk'}).status_code) for _ in range(int(sys.argv[1]))))\n"
    )
    env = subprocess_env(REDIS_URL=url, NEWSDESK_RATELIMIT_SEARCH="4/h", DJANGO_ALLOWED_HOSTS="testserver")

    def run(count):
        result = subprocess.run(
            [sys.executable, "-c", "import sys\n" + script, str(count)],
            env=env, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        return result.stdout.split()

    first = run(3)
    assert "429" not in first
    assert run(3) == [first[0], "429", "429"]
    redis.Redis.from_url(url).flushdb()


def test_a_bad_rate_setting_names_the_variable(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from newsdesk.env import env_rate

    monkeypatch.setenv("NEWSDESK_RATELIMIT_SEARCH", "veel")
    with pytest.raises(ImproperlyConfigured, match="NEWSDESK_RATELIMIT_SEARCH"):
        env_rate("NEWSDESK_RATELIMIT_SEARCH", "60/m")
    monkeypatch.setenv("NEWSDESK_RATELIMIT_SEARCH", "off")
    assert env_rate("NEWSDESK_RATELIMIT_SEARCH", "60/m") is None
