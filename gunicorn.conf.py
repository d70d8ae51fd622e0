"""gunicorn settings for newsdesk, read from the project folder: `gunicorn newsdesk.wsgi` is all.

gunicorn loads ./gunicorn.conf.py from its working directory by default, so the systemd unit,
the README and a person at a shell run the same command. Options given on the command line
still win over these (`gunicorn newsdesk.wsgi --workers 1`).

Environment: GUNICORN_BIND (default 127.0.0.1:8000; comma-separated for several),
WEB_CONCURRENCY (worker processes), FORWARDED_ALLOW_IPS (gunicorn's own; see below).
"""

import os
import sys

# Loopback by default: the reverse proxy in front is the only client, and Django believes the
# X-Forwarded-Proto header of whoever reaches this port (SECURE_PROXY_SSL_HEADER), so nothing
# else may reach it. Use a private address only when the proxy runs on another machine.
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if address.strip()]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (containers, taskset)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _workers() -> int:
    raw = os.environ.get("WEB_CONCURRENCY", "").strip()
    if not raw:
        # gunicorn's rule of thumb (2 × cores + 1: one process computing while others wait on
        # the database), capped: each worker is a whole Django process with its own search
        # index readers (80–90 MB), and a small server also runs Celery and PostgreSQL.
        return min(2 * _cores() + 1, 8)
    workers = int(raw)  # gunicorn itself has refused a value that is not a number by now
    if workers < 1:
        sys.exit(f"newsdesk cannot start: WEB_CONCURRENCY must be 1 or more, not {raw!r}")
    return workers


workers = _workers()
# Sync workers (gunicorn's default): one request at a time per process, which suits pages that
# spend their time in Python and the database. They rely on the proxy buffering slow clients
# (nginx and Caddy do), so a reader on a bad connection does not hold a worker.
worker_class = "sync"

# Pages answer in milliseconds; a request still running after 30 s is stuck (a database lock,
# a hung call), and its worker is killed and replaced rather than lost for good.
timeout = 30
# On stop or restart, requests under way get this long to finish before their worker is killed.
graceful_timeout = 30
# Seconds an idle keep-alive connection stays open. Sync workers close every connection after
# its response (the proxy keeps the ones to the browsers); this counts with
# `--worker-class gthread`.
keepalive = 5

# A fresh process now and then keeps slow growth (caches, fragmentation) from adding up; the
# jitter keeps the workers from all restarting at the same moment.
max_requests = 2000
max_requests_jitter = 200

# Access log to stdout, errors to stderr: systemd's journal (or the terminal) keeps both.
# %(M)s is the request's time in milliseconds; the first field is the reader's address as the
# proxy reports it (%(h)s is the proxy's own).
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

# Proxies whose X-Forwarded-* headers gunicorn itself believes (it then sets the request's
# scheme to https): gunicorn's default, the FORWARDED_ALLOW_IPS variable or loopback. Django
# reads X-Forwarded-Proto on its own (SECURE_PROXY_SSL_HEADER), which is why only the proxy may
# reach the bind address. Add the proxy's address here when it runs on another machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# gunicorn 25+ opens a control socket in $HOME/.gunicorn by default; two servers of one user
# would share that path. Processes are managed through systemd's signals instead (gunicorn <25
# does not know this setting and ignores it).
control_socket_disable = True


def on_starting(server):
    """In the master, before it listens or starts a worker: a site that is not ready for
    production stops here, with one line naming what is missing, and a non-zero exit.

    Without this, each worker would fail at `import newsdesk.wsgi` with a traceback, and a
    missing collectstatic would otherwise only show as a 500 on every page.
    """
    from django.core.exceptions import ImproperlyConfigured

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    try:
        import django

        django.setup()  # reads the settings: a missing DJANGO_SECRET_KEY or a bad value raises here

        from newsdesk.checks import production_problems

        problems = production_problems()  # nothing with DJANGO_DEBUG=1
        if not problems:
            # Load the application here, once, so every worker is forked with it loaded (what
            # `preload_app` does, but after the check above). A worker that imported
            # newsdesk.wsgi itself would repeat its start-up check; one started while the
            # database is down (after a timeout or max_requests) would then fail to boot, and
            # gunicorn stops the whole server when a worker fails to boot, instead of the site
            # answering its Dutch 503 page until the database is back.
            import newsdesk.wsgi  # noqa: F401
    except ImproperlyConfigured as exc:
        problems = [str(exc)]
    if problems:
        server.log.error("newsdesk cannot start: %s", "; ".join(problems))
        if server.pidfile is not None:
            server.pidfile.unlink()
        sys.exit(1)
