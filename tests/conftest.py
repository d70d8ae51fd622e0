import os

import pytest
from django.core.cache import cache

from tests.services import require_server


def pytest_report_header(config):
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']} {settings.DATABASES['default'].get('NAME')}"


def pytest_collection_modifyitems(config, items):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        # make test's SQLite pass leaves these out (-m); run alone on SQLite, they say why.
        for item in items:
            if item.get_closest_marker("postgresql"):
                item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…)"))
    if url.startswith(("postgres://", "postgresql://")):
        # One check for the whole run: without the server, every database test would error.
        from tests.services import IN_CI, reachable

        if not reachable(url, 5432):
            message = f"PostgreSQL at {url} is unreachable"
            if IN_CI:
                raise pytest.UsageError(f"{message}; under CI=true the PostgreSQL run must happen")
            for item in items:
                item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(autouse=True)
def isolated_state(settings, tmp_path):
    """Each test gets its own index folder and an empty cache. Rate limits are off: tests make
    hundreds of requests as one client (tests/newsdesk/test_security.py turns them on); so is
    the spacing of requests to one host: every test server is one host
    (tests/articles/ingest/test_politeness.py turns it on)."""
    settings.NEWSDESK_INDEX_DIR = tmp_path / "index"
    settings.NEWSDESK_HOST_INTERVAL = 0
    for name in ("SEARCH", "API", "LOGIN", "LOGIN_USER"):
        setattr(settings, f"NEWSDESK_RATELIMIT_{name}", None)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    require_server("Redis", url, 6379)
    return url


@pytest.fixture
def feed_server(settings):
    """A loopback HTTP server; only its own host:port is allowed past the private-address guard."""
    from tests.feedserver import FeedServer

    server = FeedServer().start()
    settings.NEWSDESK_ALLOW_PRIVATE_FETCH = False
    settings.NEWSDESK_FETCH_ALLOWLIST = [f"127.0.0.1:{server.port}"]
    yield server
    server.stop()
