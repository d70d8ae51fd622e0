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


def production_problems() -> list[str]:
    """One line for each thing production lacks; empty when DEBUG is on or all is there."""
    if settings.DEBUG:
        return []
    problems = []
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        problems.append(f"static files are not collected ({manifest} is missing): run manage.py collectstatic")
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
    """Raise ImproperlyConfigured with the first problem (a server must not start half-ready)."""
    problems = production_problems()
    if problems:
        raise ImproperlyConfigured("; ".join(problems))


@checks.register(deploy=True)
def check_production_ready(app_configs=None, **kwargs):
    return [checks.Error(problem, id="newsdesk.E001") for problem in production_problems()]
