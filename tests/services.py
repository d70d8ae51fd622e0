"""Real servers the integration tests use: skipped with a reason when absent, failed under CI."""

import os
import socket
from urllib.parse import urlsplit

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


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
    pytest.skip(message)
