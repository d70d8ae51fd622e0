"""gunicorn.conf.py: a site that is not ready for production does not start (one line, exit 1),
and a site that started keeps serving its 503 page through a database outage, even when a
worker is replaced meanwhile."""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import threading
import time

import pytest
from django.db import connection

from tests import services
from tests.production.processes import ROOT, VENV, Processes, get, manage, require, wait_until, write_env_file
from tests.services import free_port, subprocess_env

pytestmark = [pytest.mark.once, pytest.mark.django_db(transaction=True)]

GUNICORN = str(VENV / "bin" / "gunicorn")


def production_env(tmp_path, database_url: str, **extra) -> dict:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "NEWSDESK_INDEX_DIR": str(tmp_path / "index"),
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "WEB_CONCURRENCY": "1",
        **extra,
    }


def run_gunicorn(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [GUNICORN, "newsdesk.wsgi"], cwd=ROOT, env=subprocess_env(**env), capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({}, "run manage.py collectstatic"),  # nothing collected into the new static folder
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set"),
    ],
)
def test_gunicorn_refuses_to_start_unready_in_one_line(tmp_path, change, named):
    result = run_gunicorn(production_env(tmp_path, services.test_database_url(), **change))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    refusals = [line for line in output.splitlines() if "newsdesk cannot start" in line]
    assert len(refusals) == 1 and named in refusals[0], output
    assert "Booting worker" not in output and "Traceback" not in output, output


class TcpForwarder:
    """A port that leads to another; stop() is the server behind it going away."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.port = free_port()
        self.sockets: list[socket.socket] = []
        self.listener = None

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen()
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()
        return self

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                if listener.fileno() == -1:
                    return
                continue
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def stop(self):
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self.listener.close()
        for end in self.sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
        self.sockets.clear()


def children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as stat:
                if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry))
    return found


def test_a_worker_replaced_while_the_database_is_down_keeps_the_server_up(tmp_path):
    require(connection.vendor == "postgresql", "needs PostgreSQL (a database that can go away)")
    port = int(connection.settings_dict.get("PORT") or 5432)
    database = TcpForwarder(port).start()
    url = services.test_database_url().replace(f":{port}/", f":{database.port}/")
    env = production_env(tmp_path, url)
    (tmp_path / "logs").mkdir()
    processes = Processes(tmp_path / "logs")
    try:
        operator = subprocess_env(NEWSDESK_ENV_FILE=str(write_env_file(tmp_path / "env", env)), NEWSDESK_VENV=str(VENV))
        manage("collectstatic", "--noinput", env=operator)
        master = processes.start("web", [GUNICORN, "newsdesk.wsgi"], subprocess_env(**env))
        base = f"http://{env['GUNICORN_BIND']}"
        assert wait_until(lambda: get(f"{base}/clubs/")[0] == 200, 30, processes), "gunicorn did not serve /clubs/"

        database.stop()
        status, _, body = get(f"{base}/clubs/")
        assert status == 503 and "Tijdelijk niet beschikbaar" in body

        # A worker dies (a timeout, max_requests) and gunicorn starts another, database or not.
        (worker,) = children(master.pid)
        os.kill(worker, signal.SIGKILL)
        assert wait_until(lambda: children(master.pid) - {worker}, 20, processes), "no new worker"
        time.sleep(1)  # the new worker's boot, which would fail if it checked the database
        assert master.poll() is None, "gunicorn stopped: a worker failed to boot"
        assert wait_until(lambda: get(f"{base}/clubs/")[0] == 503, 20, processes)

        database.start()
        assert wait_until(lambda: get(f"{base}/clubs/")[0] == 200, 20, processes), "no recovery"
    except BaseException:
        print(processes.tails())
        raise
    finally:
        processes.stop_all()
        with contextlib.suppress(OSError):
            database.stop()
