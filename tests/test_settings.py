import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from newsdesk.env import env_bool, env_database, env_int, env_redis_url

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("reader", "name", "value"),
    [
        (lambda: env_bool("NEWSDESK_ALLOW_PRIVATE_FETCH"), "NEWSDESK_ALLOW_PRIVATE_FETCH", "perhaps"),
        (lambda: env_int("NEWSDESK_TASK_TIME_LIMIT", 300), "NEWSDESK_TASK_TIME_LIMIT", "ten"),
        (lambda: env_redis_url("REDIS_URL"), "REDIS_URL", "http://127.0.0.1:6379"),
        (lambda: env_database("DATABASE_URL", "sqlite://:memory:"), "DATABASE_URL", "nosuchdb://x/y"),
    ],
)
def test_bad_environment_value_names_the_variable(monkeypatch, reader, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        reader()


def test_good_values_are_read(monkeypatch):
    monkeypatch.setenv("X_FLAG", "0")
    monkeypatch.setenv("X_NUMBER", "42")
    assert env_bool("X_FLAG", True) is False
    assert env_int("X_NUMBER", 1) == 42


def test_settings_module_refuses_a_bad_debug_value():
    result = run_manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_DEBUG" in result.stderr


def test_production_without_secret_key_is_refused():
    result = run_manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def production(tmp_path, **overrides) -> dict:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "voetbal.example.org",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        **overrides,
    }


def test_deploy_check_is_clean_with_production_variables(tmp_path):
    collected = run_manage("collectstatic", "--noinput", "-v0", **production(tmp_path))
    assert collected.returncode == 0, collected.stderr
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_names_static_files_not_collected(tmp_path):
    result = run_manage("check", "--deploy", **production(tmp_path))
    assert result.returncode != 0
    assert "static files are not collected" in result.stderr
    assert "collectstatic" in result.stderr


def test_deploy_check_names_an_unreachable_database(tmp_path):
    url = "postgres://postgres@127.0.0.1:9/gone"  # the discard port: nothing answers
    result = run_manage("check", "--deploy", **production(tmp_path, DATABASE_URL=url))
    assert result.returncode != 0
    assert "the database (postgresql, DATABASE_URL) is unreachable" in result.stderr


def test_redis_url_switches_broker_and_cache():
    code = (
        "from django.conf import settings;"
        "print(settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER,"
        " settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1])"
    )
    with_redis = run_manage("shell", "--no-imports", "-c", code, REDIS_URL="redis://127.0.0.1:6379/3")
    assert with_redis.stdout.split() == ["redis://127.0.0.1:6379/3", "False", "ForgivingRedisCache"]
    without = run_manage("shell", "--no-imports", "-c", code)
    assert without.stdout.split()[1:] == ["True", "LocMemCache"]
