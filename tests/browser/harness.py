"""What the browser tests share: a real server over a database of its own, Debian's chromium,
and a watch on every page a test visits (console, requests, dialogs, accessibility, a screenshot)."""

import contextlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.production.processes import Processes
from tests.services import free_port, http_get, require_chromium

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "articles" / "data" / "demo_articles.jsonl"
SCREENSHOTS = ROOT / "var" / "browser"
# Without the background-networking flags chromium reaches for Google's servers at start, and
# this closed network refuses them (connection errors that have nothing to do with the site).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERIOUS = ("serious", "critical")
EDITOR = ("redacteur", "geheim-wachtwoord-voor-de-test-42")


class Site:
    """The demo archive as `make setup` loads it, an editor for the admin, and `manage.py
    runserver` (static files served) over it: a database of its own (a SQLite file, or a
    PostgreSQL database beside DATABASE_URL's, dropped afterwards) and an index folder of its
    own, so the test run's database and the tests around it never see it. Rate limits as the
    settings have them.

    Not pytest-django's live_server: its transactional database is emptied after every test
    (one demo archive per module would not survive), and a test inside a transaction holds
    SQLite's write lock, which the server's own writes (a login, a merge) would wait on."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes = Processes(workdir)
        self.pg_url, self.database_url = _database_for(workdir)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL", "NEWSDESK_"))}
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "DJANGO_SETTINGS_MODULE": "newsdesk.settings",
                # runserver serves the static files only with DEBUG on; the CSP, the rate limits and
                # the rest of the middleware are the same either way.
                "DJANGO_DEBUG": "1",
                "NEWSDESK_INDEX_DIR": str(workdir / "index"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.env = env

    def manage(self, *args: str, env: dict | None = None, timeout: float = 300) -> str:
        """manage.py ARGS against the site's database; its output, or a failure."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"manage.py {args[0]}: {result.returncode}\n{result.stdout}{result.stderr}"
        return result.stdout

    def python(self, code: str, **kwargs) -> str:
        """Python run by `manage.py shell` against the site's database (one process start)."""
        return self.manage("shell", "--no-imports", "-c", code, **kwargs)

    def create_database(self) -> None:
        """The site's PostgreSQL database, empty (a SQLite file makes itself)."""
        if self.pg_url:
            _create_database(self.pg_url, self.database_url)

    def setup(self, *jsonl: Path, then: str = "", env: dict | None = None) -> "Site":
        """What `make setup` does, in one process: migrate, load the gazetteer, import the demo
        archive (and the `jsonl` files), make the editor; run the Python `then` (more articles);
        index and relate."""
        self.create_database()
        files = [str(DEMO), *map(str, jsonl)]
        self.python(
            "from django.core.management import call_command as run\n"
            "from django.contrib.auth import get_user_model\n"
            "run('migrate', '--noinput', verbosity=0)\n"
            "run('load_gazetteer')\n"
            f"for path in {files!r}: run('import_articles', path)\n"
            f"get_user_model().objects.create_superuser({EDITOR[0]!r}, 'redactie@newsdesk.example', {EDITOR[1]!r})\n"
            f"{then}\n"
            "run('rebuild_index', '--quiet')\n"
            "run('refresh_related')\n",
            env=env,
        )
        return self

    def articles(self) -> list[dict]:
        """Every stored article's pk and fields (title, slug, teaser, body, body_html, url…)."""
        return [{"pk": row["pk"], **row["fields"]} for row in json.loads(self.manage("dumpdata", "articles.Article"))]

    def start(self) -> "Site":
        argv = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"]
        self.processes.start("web", argv, self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.processes.check_running()
            with contextlib.suppress(OSError):
                if http_get(f"{self.url}/", timeout=5)[0] == 200:
                    return self
            time.sleep(0.2)
        raise AssertionError(f"the site did not answer within 60 s\n{self.processes.tails()}")

    def stop(self) -> None:
        self.processes.stop_all()
        if self.pg_url:
            _drop_database(self.pg_url, self.database_url)


def _database_for(workdir: Path) -> tuple[str, str]:
    """(PostgreSQL server URL or "", the site's DATABASE_URL): on the run's PostgreSQL server
    when DATABASE_URL names one, else a SQLite file in `workdir`."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        name = f"{(parts.path.strip('/') or 'newsdesk')[:30]}_browser_{os.getpid()}_{workdir.name[-8:]}"
        name = "".join(c if c.isalnum() else "_" for c in name).lower()
        return url, urlunsplit(parts._replace(path=f"/{name}"))
    return "", f"sqlite:///{workdir / 'site.sqlite3'}"


def _maintenance(pg_url: str):
    import psycopg

    parts = urlsplit(pg_url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def _create_database(pg_url: str, database_url: str) -> None:
    name = urlsplit(database_url).path.strip("/")
    with _maintenance(pg_url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def _drop_database(pg_url: str, database_url: str) -> None:
    name = urlsplit(database_url).path.strip("/")
    with _maintenance(pg_url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def chromium():
    """Playwright driving Debian's chromium; launch() gives it a fresh profile of its own."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watch:
    """Everything a page did that a reader must never meet: console errors, uncaught errors,
    failed requests (4xx/5xx included), requests to another host, dialogs."""

    page: object
    base_url: str
    prefix: str
    axe_disable: list = field(default_factory=list)  # axe rule ids not run (see callers)
    problems: list = field(default_factory=list)
    console: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)
    foreign: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    # Hosts a page may load images from: articles' lead images are hotlinked from their news site.
    image_hosts: list = field(default_factory=list)

    def __post_init__(self):
        self.host = urlsplit(self.base_url).netloc
        page = self.page
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught error: {error}"))
        page.on("requestfailed", lambda request: self.problems.append(f"failed: {request.url} ({request.failure})"))
        page.on("response", self._on_response)
        page.on("request", self._on_request)
        page.on("dialog", self._on_dialog)

    def _on_console(self, message):
        self.console.append(f"{message.type}: {message.text}")
        if message.type in ("error", "assert"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _on_response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _on_request(self, request):
        parts = urlsplit(request.url)
        if request.resource_type == "image" and parts.netloc in self.image_hosts:
            return
        if parts.netloc != self.host or parts.scheme != "http":
            self.foreign.append(request.url)
            self.problems.append(f"request to another host: {request.url}")

    def _on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        self.problems.append(f"dialog: {dialog.type} {dialog.message}")
        dialog.dismiss()

    def check(self, step: str, *, axe: bool = True) -> None:
        """The page as it is now: a screenshot var/browser/<prefix>-<step>.png, no serious or
        critical axe-core violation, and nothing wrong since the last check."""
        self.page.wait_for_load_state("load")
        name = f"{self.prefix}-{len(self.steps) + 1:02d}-{step}"
        self.steps.append(name)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        found = []
        if axe:
            found = serious_violations(self.page, disable=self.axe_disable)
        problems, self.problems = self.problems, []
        assert not found, f"{name} ({self.page.url}): accessibility violations:\n" + "\n".join(found)
        assert not problems, f"{name} ({self.page.url}):\n" + "\n".join(problems)


def serious_violations(page, disable=()) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each (rules in
    `disable` not run)."""
    from axe_playwright_python.sync_playwright import Axe

    # No preload: axe would copy the stylesheets into <style> elements, which the CSP refuses
    # (console errors of its own making, not the page's).
    options = {"resultTypes": ["violations"], "preload": False}
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    results = Axe().run(page, options=options)
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in SERIOUS:
            continue
        targets = [json.dumps(node["target"]) for node in violation["nodes"][:5]]
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']} at {', '.join(targets)}")
    return lines


def no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
