"""Typed readers for environment variables; a bad value fails loudly, naming the variable."""

import math
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 0 or 1 (or true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ImproperlyConfigured(f"{name} must be a number (such as 1 or 0.5), not {raw!r}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict:
    import dj_database_url

    raw = os.environ.get(name) or default
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises ValueError or its own errors
        raise ImproperlyConfigured(f"{name} is not a usable database URL ({raw!r}): {exc}") from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"{name} names no database engine Django knows: {raw!r}")
    return config


def env_redis_url(name: str) -> str:
    raw = os.environ.get(name, "").strip()
    if raw and not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name} must start with redis://, rediss:// or unix://, not {raw!r}")
    return raw


def env_rate(name: str, default: str) -> str | None:
    """A rate limit such as "30/m" (per s, m, h or d); "off" (or 0) turns the limit off."""
    import re

    raw = os.environ.get(name, default).strip()
    if raw.lower() in {"off", "0", ""}:
        return None
    if not re.fullmatch(r"[1-9]\d*/[smhd]", raw):
        raise ImproperlyConfigured(f"{name} must be a rate such as 30/m (per s, m, h or d) or off, not {raw!r}")
    return raw


def env_choice(name: str, choices: list[str], default: str) -> str:
    raw = os.environ.get(name, "").strip().lower() or default
    if raw not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def env_fixture_urls(name: str) -> list[tuple[str, str, str]]:
    """Fixture files to refresh: comma-separated `code/season=url` entries
    ("be.1/2025-26=https://example.org/2025-26/be.1.json") as (code, season, url)."""
    import re

    entries = []
    for item in env_list(name, []):
        found = re.fullmatch(r"([a-z]{2,5}\.[a-z0-9]{1,4})/(\d{4}-\d{2})=(https?://\S+)", item)
        if not found:
            raise ImproperlyConfigured(
                f"{name} must be comma-separated code/season=url entries "
                f"(be.1/2025-26=https://…/2025-26/be.1.json), not {item!r}"
            )
        entries.append((found[1], found[2], found[3]))
    return entries
