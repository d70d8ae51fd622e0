"""Production, for real, as the README sets it up: DJANGO_DEBUG=0, PostgreSQL, a Redis of the
test's own, `deploy/manage` for the set-up commands, and gunicorn, the worker, the indexer and
beat started with the commands of deploy/systemd. A loopback news site's articles arrive
through beat and the worker alone; then every page type answers, and keeps answering with
Redis gone while /healthz names the broker."""

import email.utils
import json
import re
import secrets
import sys
import time

import pytest
import redis

from articles.models import Article, ArticleClub, ArticlePlayer, Club, LinkState, Source
from tests import services
from tests.articles.samples import article_page, rss
from tests.production.processes import (
    VENV,
    Processes,
    get,
    health,
    manage,
    require_production_servers,
    unit_command,
    wait_until,
    write_env_file,
)
from tests.services import free_port, subprocess_env

pytestmark = [pytest.mark.once, pytest.mark.django_db(transaction=True)]

# Beat's crontab fires at the next minute boundary, up to 60 s after it starts; then the fetch,
# the pages, links, stories, the index run and the related lists follow within seconds.
ARRIVAL_TIMEOUT = 150

# Our own sentences: four reports on the loopback site, each with a word of its own to search.
REPORTS = {
    "genk-wint-van-westerlo": (
        "KRC Genk klopt KVC Westerlo na hattrick van Steuckers",
        [
            "KRC Genk heeft zaterdag met 3-0 gewonnen van KVC Westerlo in de Cegeka Arena.",
            "Jarne Steuckers maakte een hattrick, zijn eerste als profvoetballer.",
            "Westerlo kwam in de tweede helft nooit meer gevaarlijk opzetten.",
        ],
    ),
    "anderlecht-zoekt-middenvelder": (
        "Anderlecht speurt naar een nieuwe middenvelder",
        [
            "RSC Anderlecht wil in de wintermercato nog een middenvelder vastleggen.",
            "Yari Verschaeren blijft volgens de sportieve leiding een vaste waarde.",
            "De scouts volgden de voorbije weken vooral spelers uit Scandinavië.",
        ],
    ),
    "gent-uitverkocht": (
        "KAA Gent speelt voor een uitverkocht stadion",
        [
            "KAA Gent verwacht zondag een uitverkochte Planet Group Arena tegen Standard.",
            "Doelman Davy Roef keert terug na een blessure aan de knie.",
            "De supporters bereiden een tifo voor die de hele tribune bedekt.",
        ],
    ),
    "club-brugge-europa": (
        "Club Brugge mikt op de volgende ronde in Europa",
        [
            "Club Brugge heeft dinsdag een overwinning nodig om Europees te overwinteren.",
            "Hans Vanaken praat met de jongeren in de kleedkamer over de drukte van zo'n avond.",
            "Trainer en spelers kijken uit naar een kolkend Jan Breydelstadion.",
        ],
    ),
}
SEARCH_WORD, SEARCH_TITLE = "hattrick", REPORTS["genk-wint-van-westerlo"][0]


def serve_news_site(feed_server) -> str:
    """The site's article pages and its RSS feed (summaries only: the worker fetches the pages)."""
    items = []
    for hours_ago, (slug, (title, paragraphs)) in enumerate(REPORTS.items(), start=1):
        link = feed_server.route(f"/voetbal/{slug}", article_page(title, paragraphs))
        published = email.utils.formatdate(time.time() - hours_ago * 3600)
        items.append({"title": title, "link": link, "summary": paragraphs[0], "date": published})
    return feed_server.route("/rss/voetbal.xml", rss(items))


SEARCH_LIMIT = 12


def production_env(tmp_path, redis_port: int, web_port: int, feed_port: int) -> dict:
    """What /etc/newsdesk/env holds, for this test's database, Redis, folders and news site."""
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": services.test_database_url(),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "NEWSDESK_INDEX_DIR": str(tmp_path / "state" / "index"),
        "DJANGO_STATIC_ROOT": str(tmp_path / "state" / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{web_port}",
        "WEB_CONCURRENCY": "2",
        "NEWSDESK_FETCH_ALLOWLIST": f"127.0.0.1:{feed_port}",
        # An hour's window, so a flood within the test never straddles two windows.
        "NEWSDESK_RATELIMIT_SEARCH": f"{SEARCH_LIMIT}/h",
    }


def start_redis(processes: Processes, tmp_path) -> int:
    """A redis-server of this test's own (the machine's Redis is never touched)."""
    port = free_port()
    folder = tmp_path / "redis"
    folder.mkdir()
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    processes.start("redis", [*argv, "--dir", str(folder)], env=subprocess_env())
    client = redis.Redis(port=port, socket_connect_timeout=1)
    assert wait_until(lambda: client.ping(), 20, processes), "redis-server did not answer"
    return port


def all_landed(source: Source) -> bool:
    """Every report stored, linked, in a story, in the index and with its related list."""
    articles = Article.objects.filter(source=source)
    return (
        articles.count() == len(REPORTS)
        and not articles.filter(landing__gt=Article.Landing.SETTLED).exists()
        and not articles.published().index_stale().exists()
    )


def test_production_serves_articles_that_beat_and_the_worker_fetched(tmp_path, feed_server):
    require_production_servers()
    (tmp_path / "state").mkdir()
    (tmp_path / "logs").mkdir()
    processes = Processes(tmp_path / "logs")
    started = time.monotonic()
    try:
        redis_port = start_redis(processes, tmp_path)
        web_port = free_port()
        base = f"http://127.0.0.1:{web_port}"
        feed_url = serve_news_site(feed_server)
        settings = production_env(tmp_path, redis_port, web_port, feed_server.port)
        env_file = write_env_file(tmp_path / "env", settings)
        env = subprocess_env(**settings)

        # The README's set-up, through deploy/manage (which reads the env file, as systemd does).
        operator = subprocess_env(NEWSDESK_ENV_FILE=str(env_file), NEWSDESK_VENV=str(VENV))
        manage("migrate", "--noinput", env=operator)
        assert "static files copied" in manage("collectstatic", "--noinput", env=operator)
        manage("load_gazetteer", env=operator)
        assert "index rebuilt: 0 articles" in manage("rebuild_index", "--quiet", env=operator)
        manage("add_source", feed_url, "--name", "Sportkrant", env=operator)
        assert "no issues" in manage("check", "--deploy", env=operator)
        source = Source.objects.get(feed_url=feed_url)

        # The services, with the commands of their systemd units.
        state = tmp_path / "state"
        processes.start("web", [str(VENV / "bin" / "gunicorn"), "newsdesk.wsgi"], env)
        for unit in ("worker", "fetcher", "indexer", "beat"):
            processes.start(unit, unit_command(f"newsdesk-{unit}.service", state), env)

        status, report = wait_until(lambda: health(base), 30, processes) or (None, None)
        assert status is not None, "gunicorn did not answer within 30 s"
        assert report["checks"]["database"]["status"] == "ok", report
        assert report["checks"]["index"]["status"] == "ok", report
        assert report["checks"]["broker"]["status"] == "ok", report

        # Nothing but beat and the worker brings the articles in.
        assert wait_until(lambda: all_landed(source), ARRIVAL_TIMEOUT, processes, interval=1), (
            f"the articles did not all land within {ARRIVAL_TIMEOUT} s: "
            f"{list(Article.objects.filter(source=source).values('title', 'landing', 'indexed_at'))}"
        )
        arrived = time.monotonic() - started

        # Every page type, as the proxy asks for it.
        article = Article.objects.get(title=SEARCH_TITLE)
        club = Club.objects.get(slug="genk")
        linked = ArticleClub.objects.filter(article=article, club=club, state=LinkState.LINKED)
        assert linked.exists(), "the article is not linked to its club (load_gazetteer)"
        player = ArticlePlayer.objects.filter(state=LinkState.LINKED).select_related("player").first()
        status, _, home = get(f"{base}/")
        assert status == 200 and SEARCH_TITLE in home
        pages = {
            "/clubs/": None,
            club.get_absolute_url(): SEARCH_TITLE,
            article.get_absolute_url(): "hattrick",
            article.story.get_absolute_url(): SEARCH_TITLE,
            f"/search/?q={SEARCH_WORD}": SEARCH_TITLE,
            f"{club.get_absolute_url()}feed/": SEARCH_TITLE,
            "/sitemap.xml": None,
            "/api/articles/": SEARCH_TITLE,
        }
        if player is not None:
            pages[player.player.get_absolute_url()] = None
        for path, expected in pages.items():
            status, _, body = get(f"{base}{path}")
            assert status == 200, f"{path}: {status}\n{body[:500]}"
            if expected:
                assert expected in body, f"{path} does not show {expected!r}"
        assert json.loads(get(f"{base}/api/articles/")[2])["count"] == len(REPORTS)

        # Without the proxy's header the site sends the reader to https.
        status, headers, _ = get(f"{base}/", proxied=False)
        assert status == 301 and headers["Location"].startswith("https://"), (status, dict(headers))

        # The stylesheet: its hashed name from collectstatic's manifest, served by WhiteNoise.
        css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', home)
        assert css, "the home page names no hashed stylesheet"
        manifest = json.loads((state / "static" / "staticfiles.json").read_text())["paths"]
        assert css.group(1) == f"/static/{manifest['css/site.css']}"
        status, headers, _ = get(f"{base}{css.group(1)}")
        assert status == 200 and headers["Content-Type"].startswith("text/css")

        # Beat's heartbeat has run: every part is up.
        up = wait_until(lambda: health(base)[0] == 200, 90, processes, interval=1)
        assert up, f"/healthz is not 200: {health(base)[1]}"
        report = health(base)[1]
        assert report["checks"]["index"]["documents"] == len(REPORTS)
        assert report["checks"]["index"]["waiting_for_index"] == 0

        # What an attacker meets: the security headers, and a search flood refused after the limit,
        # counted in Redis across both gunicorn workers, while other readers are served.
        _, headers, _ = get(f"{base}/")
        assert "script-src 'self';" in headers["Content-Security-Policy"] + ";"
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        flooder = {"X-Forwarded-For": "203.0.113.66"}
        flood = [get(f"{base}/search/?q={SEARCH_WORD}&n={n}", headers=flooder) for n in range(SEARCH_LIMIT + 3)]
        assert [status for status, _, _ in flood] == [200] * SEARCH_LIMIT + [429] * 3
        assert "Te veel verzoeken" in flood[-1][2] and int(flood[-1][1]["Retry-After"]) > 0
        assert get(f"{base}/search/?q={SEARCH_WORD}", headers={"X-Forwarded-For": "198.51.100.8"})[0] == 200

        # Redis gone: the pages still answer; /healthz names the broker.
        processes.kill("redis")
        for path in ["/", club.get_absolute_url(), article.get_absolute_url(), f"/search/?q={SEARCH_WORD}"]:
            status, _, body = get(f"{base}{path}")
            assert status == 200, f"{path} with Redis down: {status}\n{body[:500]}"
        # Nothing can be counted now: the flooder is let through rather than everyone refused.
        assert get(f"{base}/search/?q={SEARCH_WORD}", headers=flooder)[0] == 200
        status, report = health(base)
        assert status == 503 and "broker" in report["down"], report
        assert report["checks"]["database"]["status"] == "ok"
        processes.check_running()  # gunicorn, the workers and beat outlive the outage
        print(f"articles landed after {arrived:.0f} s; whole run {time.monotonic() - started:.0f} s")
    except BaseException:
        print(processes.tails(), file=sys.stderr)
        raise
    finally:
        processes.stop_all()
