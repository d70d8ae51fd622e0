"""Real servers the integration tests use: skipped with a reason when absent, failed under CI."""

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, message: str) -> None:
    """Skip with `message` when `condition` fails (fail under CI=true, where the test must run)."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{message}; under CI=true this test must run")
    pytest.skip(reason=message)


CHROMIUM = Path("/usr/bin/chromium")


def require_chromium() -> Path:
    """Debian's chromium, which the browser tests drive (`make test` installs it when it may)."""
    require(
        CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK),
        f"the browser tests need chromium at {CHROMIUM} (apt-get install chromium; make test does it as root)",
    )
    return CHROMIUM


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require_server(name: str, url: str, default_port: int) -> None:
    """Skip (or, under CI=true, fail) when the server at `url` does not answer."""
    if reachable(url, default_port):
        return
    message = f"{name} at {url} is unreachable"
    if IN_CI:
        pytest.fail(f"{message}; under CI=true this test must run")
    pytest.skip(reason=message)


def test_database_url() -> str:
    """DATABASE_URL for another process to reach the database this test run uses."""
    from django.db import connection

    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or ""
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{params['NAME']}"


def subprocess_env(**extra) -> dict:
    """The environment for a child process of the project: this test run's database, and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL", "NEWSDESK_"))}
    from django.conf import settings

    env.update(
        {
            "DATABASE_URL": test_database_url(),
            "DJANGO_SETTINGS_MODULE": "newsdesk.settings",
            "NEWSDESK_INDEX_DIR": str(settings.NEWSDESK_INDEX_DIR),  # the test's own index folder
            "NEWSDESK_HOST_INTERVAL": "0",  # every test server is one host: no spacing (as in-process)
        },
        **extra,
    )
    return env


SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def require_shared(name: str) -> Path:
    """The folder ../shared/data/NAME: skipped when absent (a lone clone), failed under CI."""
    path = SHARED_DATA / name
    if path.is_dir():
        return path
    message = f"{path} is absent (the shared test material lives beside the project)"
    if IN_CI:
        pytest.fail(f"{message}; under CI=true this test must run")
    pytest.skip(reason=message)


def free_port() -> int:
    """A TCP port nothing listens on now (for a server a test starts, or one that must be dead)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(url: str, timeout: float = 10):
    """(status, headers, body text) of a GET, errors included: tests look at 404s and 503s too."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")
