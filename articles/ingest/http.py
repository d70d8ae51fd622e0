"""HTTP for feeds and article pages: bounded in time and size, and never aimed inward.

Every connection, the first and each redirect's, resolves the host itself and refuses loopback,
private, link-local, multicast, reserved and cloud-metadata addresses before connecting, then
connects to the address it checked (no second DNS answer can slip in between). Operators who
serve feeds from inside their network set NEWSDESK_ALLOW_PRIVATE_FETCH=1, or allow single
host:port pairs with NEWSDESK_FETCH_ALLOWLIST.
"""

import ipaddress
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

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
TOTAL_TIMEOUT = 45.0  # a whole request, however slowly its bytes come (_Deadline)
MAX_REDIRECTS = 5
MAX_FEED_BYTES = 5 * 1024 * 1024
MAX_PAGE_BYTES = 3 * 1024 * 1024
CHUNK = 64 * 1024
# At most this many requests to one host at once from this process, however many threads
# fetch: pages are fetched side by side, politely. The pool keeps as many connections open.
CONNECTIONS_PER_HOST = 8
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
    def __init__(self, seconds: int, url: str, status: int):
        super().__init__(f"HTTP {status} from {url}: retry after {seconds} s")
        self.seconds = seconds


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

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
    """A fetch's whole-request deadline, enforced however slowly the bytes come: a socket
    read times out only when nothing arrives for READ_TIMEOUT, so a server sending one byte a
    second (headers or body) would hold a thread for as long as it likes. At the deadline a
    timer shuts down the sockets of the fetch's connections; the read waiting on one returns
    at once and the fetch fails with NetworkError."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds
        self.expired = False
        self.connections = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        self.expired = True
        for connection in self.connections:
            sock = getattr(connection, "sock", None)
            if sock is not None:
                with suppress(OSError):  # closed already
                    sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self):
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        _current.deadline = None


_current = threading.local()  # the deadline of the fetch running in this thread


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
def _host_slot(url: str, deadline: float):
    """One of the host's CONNECTIONS_PER_HOST places, waited for until the fetch's deadline."""
    host = (urlsplit(url).hostname or "").lower()
    with _host_slots_lock:
        slot = _host_slots[host]
    if not slot.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
        raise NetworkError(f"{url}: no free connection to {host} within {TOTAL_TIMEOUT} s")
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
    try:
        return max(1, min(int(value), 24 * 3600))
    except (TypeError, ValueError):
        return 60


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int = MAX_FEED_BYTES,
    accept: str = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
) -> Response:
    """GET `url`, following at most MAX_REDIRECTS redirects; a 304 comes back with no body."""
    headers = {"User-Agent": settings.NEWSDESK_USER_AGENT, "Accept": accept, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with _Deadline(TOTAL_TIMEOUT) as deadline:
        try:
            return _follow(url, headers, max_bytes, deadline)
        except FetchError:
            if deadline.expired:
                raise NetworkError(f"{url} took longer than {TOTAL_TIMEOUT} s") from None
            raise


def _follow(url: str, headers: dict, max_bytes: int, deadline: _Deadline) -> Response:
    for _ in range(MAX_REDIRECTS + 1):
        _check_scheme(url)
        with _host_slot(url, deadline.at):
            response = _request(url, headers)
            if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                response.close()  # a redirect's body is never wanted, however large it claims to be
                url = urljoin(url, response.headers["Location"])
                continue
            try:
                result = _finish(url, response, max_bytes, deadline)
            except BaseException:
                response.close()  # unread bytes must not go back to the pool with the connection
                raise
            response.release_conn()
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


def _finish(url: str, response, max_bytes: int, deadline: _Deadline) -> Response:
    status = response.status
    header_map = {key.lower(): value for key, value in response.headers.items()}
    if status == 304:
        return Response(url, status, header_map)
    if status in (429, 503):
        raise RetryAfter(_retry_after(header_map.get("retry-after")), url, status)
    if status >= 500:
        raise NetworkError(f"HTTP {status} from {url}")
    if status >= 400:
        raise HTTPStatusError(status, url)
    declared = header_map.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"{url} declares {declared} bytes; the limit is {max_bytes}")
    body = bytearray()
    try:
        for chunk in response.stream(CHUNK, decode_content=True):
            body += chunk
            if len(body) > max_bytes:
                raise TooLarge(f"{url} sent more than {max_bytes} bytes")
            if deadline.expired:
                break
    except urllib3.exceptions.HTTPError as exc:
        raise NetworkError(f"{url}: {exc}") from None
    if deadline.expired:  # the body was cut off: whatever came is not the document
        raise NetworkError(f"{url} took longer than {TOTAL_TIMEOUT} s")
    return Response(url, status, header_map, bytes(body))
