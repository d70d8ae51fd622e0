"""Production as the README runs it: the environment file, `deploy/manage`, the systemd units'
commands, and real processes that a test starts, watches and kills."""

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

from tests.services import require

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
VENV = Path(sys.prefix)  # the virtualenv running the tests stands in for /srv/newsdesk/venv


def require_production_servers() -> None:
    require(connection.vendor == "postgresql", "production tests need PostgreSQL (DATABASE_URL=postgres://…)")
    require(shutil.which("redis-server") is not None, "production tests need redis-server on PATH")


def write_env_file(path: Path, env: dict) -> Path:
    """The /etc/newsdesk/env of deploy/env.example: plain NAME=value lines."""
    path.write_text("".join(f"{name}={value}\n" for name, value in env.items()))
    return path


def unit_command(unit: str, state_dir: Path) -> list[str]:
    """The ExecStart of deploy/systemd/<unit>, with this virtualenv and `state_dir` standing in
    for /srv/newsdesk/venv and /var/lib/newsdesk (what systemd would run)."""
    text = (UNITS / unit).read_text()
    line = re.search(r"^ExecStart=(.+)$", text, re.MULTILINE).group(1)
    line = line.replace("/srv/newsdesk/venv", str(VENV)).replace("/var/lib/newsdesk", str(state_dir))
    return shlex.split(line.replace("%%", "%"))


class Processes:
    """Child processes, each in a session of its own with its output in a log file."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.started: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115  (the child writes it)
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.started[name] = process
        return process

    def check_running(self) -> None:
        for name, process in self.started.items():
            if name != "redis" and process.poll() is not None:
                raise AssertionError(f"{name} exited with status {process.returncode}")

    def kill(self, name: str) -> None:
        process = self.started[name]
        self._signal(process, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        """TERM to each process group (a warm shutdown), KILL for whatever is left after 20 s."""
        for process in self.started.values():
            self._signal(process, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.started.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            self._signal(process, signal.SIGKILL)  # children that outlived their parent, too
            process.wait(timeout=10)

    @staticmethod
    def _signal(process: subprocess.Popen, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # its own session: the group is it and its children
            os.killpg(process.pid, signum)

    def tails(self, chars: int = 4000) -> str:
        parts = []
        for name in self.started:
            log = self.log_dir / f"{name}.log"
            text = log.read_text(errors="replace") if log.exists() else ""
            parts.append(f"----- {name} (last {chars} characters) -----\n{text[-chars:]}")
        return "\n".join(parts)


def manage(*args: str, env: dict, timeout: float = 180) -> str:
    """deploy/manage ARGS, as the README has the operator run it; its output, or a failure."""
    result = subprocess.run(
        [str(ROOT / "deploy" / "manage"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    command = " ".join(args)
    assert result.returncode == 0, f"deploy/manage {command}: {result.returncode}\n{result.stdout}{result.stderr}"
    return result.stdout


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


_opener = urllib.request.build_opener(NoRedirect)


def get(url: str, proxied: bool = True, timeout: float = 15, headers: dict | None = None):
    """(status, headers, body) of a GET, as the reverse proxy sends it (X-Forwarded-Proto)."""
    sent = {"X-Forwarded-Proto": "https"} if proxied else {}
    request = urllib.request.Request(url, headers={**sent, **(headers or {})})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def health(base: str) -> tuple[int, dict]:
    status, _, body = get(f"{base}/healthz")
    return status, json.loads(body)


def wait_until(predicate, timeout: float, processes: Processes, interval: float = 0.5):
    """Poll `predicate` until it returns something true; fail when a process dies meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.check_running()
        try:
            value = predicate()
        except OSError:  # a server not listening yet
            value = None
        if value:
            return value
        time.sleep(interval)
    return None
