"""HTTP for feeds and article pages: bounded in time and size, and never aimed inward.

Every connection, the first and each redirect's, resolves the host itself and refuses loopback,
private, link-local, multicast, reserved and cloud-metadata addresses before connecting, then
connects to the address it checked (no second DNS answer can slip in between). Operators who
serve feeds from inside their network set NEWSDESK_ALLOW_PRIVATE_FETCH=1, or allow single
host:port pairs with NEWSDESK_FETCH_ALLOWLIST.

Every request waits for its turn at the host and none goes to a host that asked us to wait
(politeness.py); pages fetched with `robots=True` are checked against the host's robots.txt.
"""

import email.utils
import ipaddress
import math
import socket
import threading
import time
from collections import defaultdict
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from articles.ingest import politeness

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
TOTAL_TIMEOUT = 45.0  # a whole request, however slowly its bytes come (_Deadline)
# An editor waits on the admin's page (gunicorn gives a request 30 s): a page and its robots.txt
# get this much each for the request, and a turn further off than INTERACTIVE_WAIT is not
# waited for at all (HostPaused: "try again later").
INTERACTIVE_TIMEOUT = 6.0
INTERACTIVE_WAIT = 1.5
MAX_REDIRECTS = 5
MAX_FEED_BYTES = 5 * 1024 * 1024
MAX_PAGE_BYTES = 3 * 1024 * 1024
CHUNK = 64 * 1024
# At most this many requests to one host at once from this process, however many threads
# fetch: pages are fetched side by side, politely. The pool keeps as many connections open.
CONNECTIONS_PER_HOST = settings.NEWSDESK_HOST_CONNECTIONS
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
}


class FetchError(Exception):
    """A fetch that failed for good: trying again soon will not help."""


class BlockedAddress(FetchError):
    pass


class TooLarge(FetchError):
    pass


class TooManyRedirects(FetchError):
    pass


class HTTPStatusError(FetchError):
    def __init__(self, status: int, url: str):
        super().__init__(f"HTTP {status} from {url}")
        self.status = status


class NetworkError(FetchError):
    """A failure that may pass: timeouts, refused connections, 5xx. Worth a retry with backoff."""


class RetryAfter(NetworkError):
    health_note = ""  # when the host asked for a pause: what it means for the source, in Dutch

    def __init__(self, seconds: int, url: str, status: int):
        super().__init__(f"HTTP {status} from {url}: retry after {seconds} s")
        self.seconds = seconds
        self.status = status


class HostPaused(RetryAfter):
    """Not asked at all: the host asked us to wait (429, or 503 with Retry-After) and the time
    is not up, or too many of our requests already wait for its turn."""

    def __init__(self, wait: politeness.Wait, url: str):
        NetworkError.__init__(self, f"{url} not fetched: {wait}")
        self.seconds = max(1, math.ceil(wait.seconds))
        self.status = 0
        self.health_note = wait.note


class RobotsDisallowed(FetchError):
    def __init__(self, refusal: politeness.Refusal):
        super().__init__(refusal.message)
        self.health_note = refusal.note


class RobotsUnavailable(NetworkError):
    """robots.txt could not be read: no page of the host is fetched until it can (RFC 9309),
    which is asked again in `seconds`."""

    def __init__(self, refusal: politeness.Refusal):
        super().__init__(refusal.message)
        self.health_note = refusal.note
        self.seconds = max(1, math.ceil(refusal.seconds))


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    waited: float = 0.0  # seconds spent waiting for the host's turn (politeness)
    truncated: bool = False  # the body was cut at max_bytes (fetch's `truncate`)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def is_forbidden_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip in METADATA_ADDRESSES or not ip.is_global or ip.is_multicast


def _allowed_private(host: str, port: int) -> bool:
    if settings.NEWSDESK_ALLOW_PRIVATE_FETCH:
        return True
    return f"{host}:{port}" in getattr(settings, "NEWSDESK_FETCH_ALLOWLIST", [])


def resolve_checked(host: str, port: int) -> str:
    """The address to connect to for host:port, or BlockedAddress."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NetworkError(f"cannot resolve {host}: {exc}") from None
    addresses = [info[4][0] for info in infos]
    if _allowed_private(host, port):
        return addresses[0]
    for address in addresses:
        # One forbidden answer refuses the host: a name that points inward at all is not a news site.
        if is_forbidden_address(ipaddress.ip_address(address.split("%", 1)[0])):
            raise BlockedAddress(f"{host} resolves to {address}, a private or reserved address")
    return addresses[0]


class _Deadline:
    """A fetch's budgets. `seconds` for its requests themselves (all hops together), enforced
    however slowly the bytes come: a socket read times out only when nothing arrives for
    READ_TIMEOUT, so a server sending one byte a second (headers or body) would hold a thread
    for as long as it likes. The clock runs only while a request is under way (`running`): at
    the deadline a timer shuts down the sockets of its connections; the read waiting on one
    returns at once and the fetch fails with NetworkError. Waiting (for robots.txt, a free
    connection, the host's turn) comes before and never costs a request sent its time; it has a
    budget of its own, `wait` seconds in all, beyond which nothing is sent (HostPaused)."""

    def __init__(self, seconds: float, wait: float):
        self.seconds = seconds
        self.left = seconds
        self.wait_left = wait
        self.expired = False
        self.connections = []

    def _expire(self) -> None:
        self.expired = True
        for connection in self.connections:
            sock = getattr(connection, "sock", None)
            if sock is not None:
                with suppress(OSError):  # closed already
                    sock.shutdown(socket.SHUT_RDWR)

    def waited(self, seconds: float) -> None:
        self.wait_left -= seconds

    @contextmanager
    def running(self, url: str):
        """A request on its way: connecting, sending, reading the answer."""
        if self.left <= 0:  # the hops before took it all: this one is not sent
            self.expired = True
            raise NetworkError(f"{url} took longer than {self.seconds:g} s")
        started = time.monotonic()
        timer = threading.Timer(self.left, self._expire)
        timer.daemon = True
        _current.deadline = self
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            _current.deadline = None
            self.connections.clear()
            self.left -= time.monotonic() - started


_current = threading.local()  # the deadline of the request under way in this thread


class _GuardedConnectionMixin:
    def _new_conn(self):
        host = self.host.strip("[]").rstrip(".")
        # urllib3 connects to _dns_host; TLS still verifies and sends SNI for self.host.
        self._dns_host = resolve_checked(host, self.port)
        return super()._new_conn()

    def request(self, *args, **kwargs):
        # Every request, on a new or a reused connection: the fetch's deadline may cut it.
        deadline = getattr(_current, "deadline", None)
        if deadline is not None:
            deadline.connections.append(self)
        return super().request(*args, **kwargs)


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


def _pool_manager() -> urllib3.PoolManager:
    manager = urllib3.PoolManager(
        num_pools=50,
        maxsize=CONNECTIONS_PER_HOST,
        timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
        retries=False,
    )
    manager.pool_classes_by_scheme = {"http": GuardedHTTPConnectionPool, "https": GuardedHTTPSConnectionPool}
    return manager


_manager = _pool_manager()
_host_slots: dict[str, threading.BoundedSemaphore] = defaultdict(
    lambda: threading.BoundedSemaphore(CONNECTIONS_PER_HOST)
)
_host_slots_lock = threading.Lock()


@contextmanager
def _host_slot(url: str, deadline: _Deadline):
    """One of the host's CONNECTIONS_PER_HOST places, waited for within the fetch's wait."""
    host = (urlsplit(url).hostname or "").lower()
    with _host_slots_lock:
        slot = _host_slots[host]
    started = time.monotonic()
    if not slot.acquire(timeout=max(deadline.wait_left, 0.0)):
        raise NetworkError(f"{url}: no free connection to {host} within {max(deadline.wait_left, 0.0):.0f} s")
    deadline.waited(time.monotonic() - started)
    try:
        yield
    finally:
        slot.release()


def _check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"only http and https URLs are fetched, not {url!r}")


def registration_problem(url: str) -> str | None:
    """Why a feed at `url` must not be registered, or None: what a fetch of it would refuse
    before connecting (not http or https, an address inward: loopback, private, link-local,
    metadata, in any spelling of it). A name that does not resolve right now is no reason: a
    fetch meets it as a network error and tries again later."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"not a valid port in {url!r}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"not an http(s) URL: {url!r}"
    try:
        resolve_checked(parts.hostname, port)
    except BlockedAddress as exc:
        return f"refused: {exc}"
    except NetworkError:
        return None
    return None


def _retry_after(value: str | None) -> int:
    """Retry-After in seconds (a number, or an HTTP date), between 1 s and a day; 60 without."""
    try:
        return max(1, min(int(value), 24 * 3600))
    except (TypeError, ValueError):
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return 60
    return max(1, min(math.ceil(moment - time.time()), 24 * 3600))


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int = MAX_FEED_BYTES,
    accept: str = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    robots: bool = False,
    truncate: bool = False,
    timeout: float | None = None,
    max_wait: float | None = None,
) -> Response:
    """GET `url`, following at most MAX_REDIRECTS redirects; a 304 comes back with no body.
    With `robots` (article pages), each URL on the way is checked against its robots.txt.
    A body over `max_bytes` is TooLarge, or with `truncate` cut there (`Response.truncated`).

    The requests get `timeout` seconds in all (TOTAL_TIMEOUT by default), counted only while
    one is under way; before each, the fetch waits for its robots.txt (a fetch of its own, with
    these budgets), a free connection and the host's turn, `max_wait` seconds in all
    (politeness.MAX_TURN_WAIT by default). A turn further off than that is not waited for:
    HostPaused, and nothing is sent. A request once sent is never cut short by the waiting."""
    headers = {"User-Agent": settings.NEWSDESK_USER_AGENT, "Accept": accept, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = _Deadline(
        TOTAL_TIMEOUT if timeout is None else timeout, politeness.MAX_TURN_WAIT if max_wait is None else max_wait
    )
    try:
        return _follow(url, headers, max_bytes, deadline, robots, truncate)
    except FetchError:
        if deadline.expired:
            raise NetworkError(f"{url} took longer than {deadline.seconds:g} s") from None
        raise


def _follow(url: str, headers: dict, max_bytes: int, deadline: _Deadline, robots: bool, truncate: bool) -> Response:
    waited = 0.0
    for _ in range(MAX_REDIRECTS + 1):
        _check_scheme(url)
        if robots:
            _obey_robots(url, deadline)
        with _host_slot(url, deadline):
            waited += _take_turn(url, deadline)
            with deadline.running(url):
                response = _request(url, headers)
                if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                    response.close()  # a redirect's body is never wanted, however large it claims to be
                    url = urljoin(url, response.headers["Location"])
                    continue
                try:
                    result = _finish(url, response, max_bytes, deadline, truncate)
                except BaseException:
                    response.close()  # unread bytes must not go back to the pool with the connection
                    raise
                if result.truncated:
                    response.close()  # likewise the rest of a body cut short
                else:
                    response.release_conn()
            result.waited = waited
            return result
    raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirects, last to {url}")


def _request(url: str, headers: dict):
    try:
        return _manager.request("GET", url, headers=headers, preload_content=False, redirect=False)
    except FetchError:
        raise
    except urllib3.exceptions.HTTPError as exc:
        cause = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
        if isinstance(cause, FetchError):
            raise cause from None
        raise NetworkError(f"{url}: {cause}") from None


def _finish(url: str, response, max_bytes: int, deadline: _Deadline, truncate: bool = False) -> Response:
    status = response.status
    header_map = {key.lower(): value for key, value in response.headers.items()}
    if status == 304:
        return Response(url, status, header_map)
    if status in (429, 503):
        seconds = _retry_after(header_map.get("retry-after"))
        asked = "retry-after" in header_map
        error = RetryAfter(seconds, url, status)
        if status == 429 or asked:  # a 503 alone is an outage, not a request to slow down
            error.health_note = politeness.pause_note(url, politeness.pause(url, seconds, status, asked))
        raise error
    if status >= 500:
        raise NetworkError(f"HTTP {status} from {url}")
    if status >= 400:
        raise HTTPStatusError(status, url)
    declared = header_map.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes and not truncate:
        raise TooLarge(f"{url} declares {declared} bytes; the limit is {max_bytes}")
    body = bytearray()
    truncated = False
    try:
        for chunk in response.stream(CHUNK, decode_content=True):
            body += chunk
            if len(body) > max_bytes:
                if not truncate:
                    raise TooLarge(f"{url} sent more than {max_bytes} bytes")
                del body[max_bytes:]
                truncated = True
                break
            if deadline.expired:
                break
    except urllib3.exceptions.HTTPError as exc:
        raise NetworkError(f"{url}: {exc}") from None
    if deadline.expired:  # the body was cut off: whatever came is not the document
        raise NetworkError(f"{url} took longer than {deadline.seconds:g} s")
    return Response(url, status, header_map, bytes(body), truncated=truncated)


def _take_turn(url: str, deadline: _Deadline) -> float:
    try:
        waited = politeness.take_turn(url, max_wait=deadline.wait_left)
    except politeness.Wait as wait:
        raise HostPaused(wait, url) from None
    deadline.waited(waited)
    return waited


def _obey_robots(url: str, deadline: _Deadline) -> None:
    def read(robots_url: str) -> tuple[int, bytes]:
        return _read_robots(robots_url, timeout=deadline.seconds, max_wait=max(deadline.wait_left, 0.0))

    refusal = politeness.robots_refusal(url, read)
    if refusal is not None:
        raise (RobotsUnavailable if refusal.temporary else RobotsDisallowed)(refusal)


def _read_robots(url: str, **budgets) -> tuple[int, bytes]:
    """A robots.txt as (status, body) for politeness.robots_refusal; status 0: no answer, or 5xx.
    A longer file than politeness.MAX_ROBOTS_BYTES comes cut there: its rules are read so far."""
    try:
        response = fetch(
            url, max_bytes=politeness.MAX_ROBOTS_BYTES, accept="text/plain, */*;q=0.5", truncate=True, **budgets
        )
    except HostPaused:
        raise  # nothing was asked: the page waits for the pause like any other request
    except (RetryAfter, HTTPStatusError) as exc:
        return exc.status, b""
    except NetworkError:
        return 0, b""
    except FetchError:  # too many redirects, sent inward: no usable file, as a 404
        return 404, b""
    return response.status, response.body
