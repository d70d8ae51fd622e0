"""What production needs before it serves a page: collected static files and a database.

With DJANGO_DEBUG=0 every HTML page names its CSS through the static manifest, so a missing
`collectstatic` is a 500 on every page; a database that does not answer is the same. Both are
found here once, at start-up (wsgi.py, gunicorn's master, `check --deploy`), and reported in
one line naming what is missing, instead of a reader finding them. (A missing secret key is
refused earlier, when settings are read.)
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections


def production_problems(*, database: bool = True) -> list[str]:
    """One line for each thing production lacks; empty when DEBUG is on or all is there."""
    if settings.DEBUG:
        return []
    problems = []
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        problems.append(f"static files are not collected ({manifest} is missing): run manage.py collectstatic")
    if database:
        problems.extend(_database_problems())
    return problems


def _database_problems() -> list[str]:
    problems = []
    database = connections["default"]
    try:
        database.ensure_connection()
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        problems.append(f"the database ({database.vendor}, DATABASE_URL) is unreachable: {first_line}")
    finally:
        database.close()
    return problems


def refuse_to_start_wrong() -> None:
    """Raise ImproperlyConfigured naming what static files lack (a server must not start half-
    ready). The database is left out here: a web worker that a server replaces while the
    database is down must still start and serve the 503 page (gunicorn.conf.py checks the
    database once, in the master, before any worker starts)."""
    problems = production_problems(database=False)
    if problems:
        raise ImproperlyConfigured("; ".join(problems))


@checks.register(deploy=True)
def check_production_ready(app_configs=None, **kwargs):
    return [checks.Error(problem, id="newsdesk.E001") for problem in production_problems()]
