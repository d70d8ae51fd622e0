"""newsdesk.cache.Generation: the counter in the cache that retires a whole family of keys at
once (the page cache, the sidebars), and what it does when the cache does not answer."""

import os
import time

import pytest
from django.core.cache import cache

from articles.web import sidebars
from newsdesk import pagecache
from newsdesk.cache import Generation

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


def _forgiving(settings, location, **params):
    settings.CACHES = {"default": {"BACKEND": "newsdesk.cache.ForgivingRedisCache", "LOCATION": location, **params}}


def test_advancing_retires_every_key_made_under_the_old_generation():
    pages, lists = Generation("pages"), Generation("lists")
    cache.set(f"pages:{pages.current()}:home", "old home page")
    cache.set(f"lists:{lists.current()}:latest", "latest list")
    assert pages.current() == pages.current()  # stable until advanced
    assert cache.get(f"pages:{pages.current()}:home") == "old home page"

    pages.advance()
    assert cache.get(f"pages:{pages.current()}:home") is None
    assert cache.get(f"lists:{lists.current()}:latest") == "latest list"  # another family keeps its keys


def test_advancing_a_generation_never_set_or_evicted_starts_it_without_an_error():
    pages = Generation("pages")
    pages.advance()  # never read: nothing to increment
    assert cache.get(pages.key) == 1
    pages.advance()
    cache.delete(pages.key)  # evicted
    pages.advance()
    assert cache.get(pages.key) == 1 and pages.current() == 1


def test_the_site_keeps_its_generation_keys():
    # Pages cached before a deploy stay reachable and purgeable: the keys are the old ones.
    assert pagecache.GENERATION.key == "pagecache:generation"
    assert sidebars.GENERATION.key == "sidebars:generation"


def test_generations_are_shared_through_redis(settings, redis_url):
    db = os.environ.get("TEST_REDIS_DB", "15")
    _forgiving(settings, redis_url.rsplit("/", 1)[0] + f"/{db}", KEY_PREFIX=f"test-{time.time_ns()}")
    pages = Generation("pages")
    first = pages.current()
    cache.set(f"pages:{first}:home", "old home page")
    pages.advance()
    assert pages.current() == first + 1
    assert cache.get(f"pages:{pages.current()}:home") is None
    assert cache.get(pages.key) == first + 1  # in Redis, where every web process reads it


def test_an_unreachable_cache_is_generation_1_and_advancing_does_nothing_quickly(settings):
    _forgiving(settings, UNREACHABLE)
    started = time.monotonic()
    pages = Generation("pages")
    assert pages.current() == 1
    pages.advance()  # no error: an editor's save must not fail because Redis is down
    assert pages.current() == 1
    assert cache.get("pages:1:home") is None  # nothing is served from a cache that is not there
    # The site's two families go through it as well.
    assert pagecache._generation() == 1 and sidebars.generation() == 1
    pagecache.purge()
    sidebars.invalidate()
    assert time.monotonic() - started < 1


@pytest.mark.django_db
def test_pages_are_200_from_an_unreachable_cache_with_the_page_cache_on(settings, client):
    _forgiving(settings, UNREACHABLE)
    settings.NEWSDESK_PAGE_CACHE_SECONDS = 60
    for _ in range(2):
        response = client.get("/")
        assert response.status_code == 200
        assert response["X-Page-Cache"] == "miss"  # computed each time: stored nowhere
