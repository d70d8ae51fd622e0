"""The HTTP client against a real loopback server: limits, redirects, and the private-address guard."""

import contextlib
import ipaddress
import socket
import threading
import time

import pytest
from django.core.management import CommandError, call_command

from articles.ingest import feeds, http
from articles.models import Source
from tests.factories import SourceFactory


def test_oversize_body_with_declared_length_is_refused(feed_server):
    url = feed_server.route("/big.xml", b"x" * 2048)
    with pytest.raises(http.TooLarge, match="declares"):
        http.fetch(url, max_bytes=1024)


def test_oversize_chunked_body_is_cut_off(feed_server):
    url = feed_server.route("/big.xml", b"x" * 300_000, headers={"Transfer-Encoding": "chunked"})
    with pytest.raises(http.TooLarge, match="more than"):
        http.fetch(url, max_bytes=100_000)


def test_compressed_body_is_limited_after_decompression(feed_server):
    url = feed_server.route("/bomb.xml", b"a" * 2_000_000, headers={"gzip": True})
    with pytest.raises(http.TooLarge):
        http.fetch(url, max_bytes=500_000)


def test_redirects_are_followed_up_to_the_limit(feed_server):
    for n in range(10):
        feed_server.route(f"/r{n}", status=302, headers={"Location": f"/r{n + 1}"})
    feed_server.route("/r3", b"<rss/>")
    assert http.fetch(feed_server.url("/r0")).url == feed_server.url("/r3")
    feed_server.route("/r3", status=302, headers={"Location": "/r4"})
    with pytest.raises(http.TooManyRedirects):
        http.fetch(feed_server.url("/r0"))


@pytest.mark.parametrize(
    "target",
    ["http://127.0.0.1:{other}/feed.xml", "http://169.254.169.254/latest/meta-data/", "http://[::1]:{other}/"],
)
def test_redirect_to_an_inward_address_is_refused(feed_server, target):
    # Only the test server's own host:port is allowed; everything else inward must be refused.
    feed_server.route("/feed.xml", status=301, headers={"Location": target.format(other=feed_server.port + 1)})
    started = time.monotonic()
    with pytest.raises(http.BlockedAddress):
        http.fetch(feed_server.url("/feed.xml"))
    assert time.monotonic() - started < 2  # refused before connecting, not after a timeout


def test_private_feed_is_refused_unless_allowed(settings, feed_server):
    feed_server.route("/feed.xml", b"<rss/>")
    settings.NEWSDESK_FETCH_ALLOWLIST = []
    with pytest.raises(http.BlockedAddress, match=r"127\.0\.0\.1"):
        http.fetch(feed_server.url("/feed.xml"))
    settings.NEWSDESK_ALLOW_PRIVATE_FETCH = True
    assert http.fetch(feed_server.url("/feed.xml")).body == b"<rss/>"


@pytest.mark.parametrize(
    ("address", "forbidden"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.1.1", True),
        ("172.16.0.5", True),
        ("169.254.169.254", True),
        ("100.100.100.200", True),
        ("224.0.0.1", True),
        ("0.0.0.0", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("fd00:ec2::254", True),
        ("fe80::1", True),
        ("93.184.215.14", False),
        ("2606:4700::1111", False),
    ],
)
def test_address_classification(address, forbidden):
    assert http.is_forbidden_address(ipaddress.ip_address(address)) is forbidden


def test_non_http_urls_are_refused():
    for url in ["file:///etc/passwd", "ftp://feeds.example/x", "gopher://x", "javascript:alert(1)"]:
        with pytest.raises(http.FetchError, match="only http and https"):
            http.fetch(url)


@pytest.mark.django_db
def test_add_source_refuses_a_non_http_url():
    for url in ["file:///etc/passwd", "ftp://feeds.example/rss", "feeds.example/rss"]:
        with pytest.raises(CommandError, match="not an http"):
            call_command("add_source", url)
    assert not Source.objects.exists()
    call_command("add_source", "https://www.sportkrant.example/rss.xml", "--name", "Sportkrant")
    assert Source.objects.get().name == "Sportkrant"


@pytest.mark.django_db
@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(feed_server, status):
    feed_server.route("/feed.xml", status=status, headers={"Retry-After": "7200"})
    source = SourceFactory(feed_url=feed_server.url("/feed.xml"))
    with pytest.raises(http.RetryAfter) as error:
        feeds.poll_source(source)
    assert error.value.seconds == 7200
    source.refresh_from_db()
    assert (source.next_fetch_at - source.last_fetched_at).total_seconds() >= 7200
    assert f"HTTP {status}" in source.last_error


def test_silent_server_times_out(settings, monkeypatch):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    threading.Thread(target=listener.accept, daemon=True).start()  # accepts, never answers
    settings.NEWSDESK_FETCH_ALLOWLIST = [f"127.0.0.1:{port}"]
    monkeypatch.setattr(http, "READ_TIMEOUT", 0.5)
    monkeypatch.setattr(http, "_manager", http._pool_manager())
    started = time.monotonic()
    with pytest.raises(http.NetworkError):
        http.fetch(f"http://127.0.0.1:{port}/feed.xml")
    assert time.monotonic() - started < 5
    listener.close()


def test_one_host_gets_at_most_eight_requests_at_once_and_all_are_answered(feed_server):
    """Twenty threads fetch slow pages of one site: it never sees more than eight at once."""
    from concurrent.futures import ThreadPoolExecutor

    lock, now, most = threading.Lock(), [0], [0]

    def slowly(headers):
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        time.sleep(0.2)
        with lock:
            now[0] -= 1

    url = feed_server.route("/pagina", b"<p>tekst</p>", respond=slowly)
    with ThreadPoolExecutor(20) as pool:
        bodies = list(pool.map(lambda _: http.fetch(url).body, range(40)))
    assert bodies == [b"<p>tekst</p>"] * 40
    assert most[0] == http.CONNECTIONS_PER_HOST


DECIMAL_AND_OCTAL = ["http://2130706433/rss", "http://0177.0.0.1/rss"]  # 127.0.0.1 spelled otherwise
INWARD_FEEDS = [
    "http://127.0.0.1/rss",
    "http://localhost:8000/rss",
    "http://10.1.2.3/rss",
    "http://192.168.0.10/rss",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/rss",
    *DECIMAL_AND_OCTAL,
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", INWARD_FEEDS)
def test_registering_a_feed_refuses_what_a_fetch_would(url):
    """add_source, the OPML import and the admin refuse an inward address when it is entered,
    not only when it is fetched; a name that does not resolve now is no reason to refuse."""
    from django.forms import modelform_factory

    from articles.admin import SourceForm
    from articles.ingest import opml

    with pytest.raises(CommandError, match=r"refused: .*private or reserved"):
        call_command("add_source", url, "--name", "Binnen")
    result = opml.import_sources(f'<opml><body><outline text="Binnen" xmlUrl="{url}"/></body></opml>'.encode())
    assert result.created == [] and "private or reserved" in result.refused[0]
    form = modelform_factory(Source, form=SourceForm, fields=["name", "feed_url"])({"name": "Binnen", "feed_url": url})
    assert not form.is_valid()
    # Django's URL field already refuses an address as one number or in octal; ours the rest.
    expected = "Voer een geldige URL in." if url in DECIMAL_AND_OCTAL else "private or reserved"
    assert expected in form.errors["feed_url"][0]
    assert not Source.objects.exists()
    assert http.registration_problem("https://nog-niet-bekend.example/rss") is None


class _RawServer:
    """A server on loopback that reads each request and answers it with `answer(connection)`,
    one connection at a time; a client hanging up mid-answer is what the tests want."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection, contextlib.suppress(OSError):
                connection.recv(65536)
                self.answer(connection)

    def answer(self, connection):
        raise NotImplementedError

    def close(self):
        self.listener.close()


class _Dribbler(_RawServer):
    """Answers one byte at a time, `every` seconds apart: its status line and headers
    (`slow_headers`), or a complete header and then the body."""

    def __init__(self, slow_headers: bool, every: float = 0.1):
        self.slow_headers, self.every = slow_headers, every
        super().__init__()

    def answer(self, connection):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n"
        if not self.slow_headers:
            connection.sendall(head)
        for byte in head if self.slow_headers else b"<" * 100000:
            connection.sendall(bytes([byte]))
            time.sleep(self.every)


@pytest.mark.parametrize("slow_headers", [True, False], ids=["headers", "body"])
def test_a_server_sending_a_byte_at_a_time_is_cut_off_at_the_deadline(settings, monkeypatch, slow_headers):
    """Each byte comes well within the read timeout, so only a deadline on the whole request
    stops it: the fetch fails with a network error at TOTAL_TIMEOUT, not when the server is done
    (100,000 bytes at ten a second: almost three hours)."""

    settings.NEWSDESK_ALLOW_PRIVATE_FETCH = True
    monkeypatch.setattr(http, "TOTAL_TIMEOUT", 1.5)
    server = _Dribbler(slow_headers)
    try:
        started = time.monotonic()
        with pytest.raises(http.NetworkError, match=r"took longer than 1\.5 s"):
            http.fetch(f"http://127.0.0.1:{server.port}/feed.xml")
        assert time.monotonic() - started < 3.0
    finally:
        server.close()


class _Recorder:
    """Listeners on IPv4 and IPv6 loopback that count every connection made to them."""

    def __init__(self):
        self.connections = 0
        self.listeners = [socket.create_server(("127.0.0.1", 0))]
        self.port = self.listeners[0].getsockname()[1]
        # Without IPv6 loopback here, a connection to it could not be made either.
        with contextlib.suppress(OSError):
            self.listeners.append(socket.create_server(("::1", self.port), family=socket.AF_INET6))
        for listener in self.listeners:
            threading.Thread(target=self._count, args=(listener,), daemon=True).start()

    def _count(self, listener):
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self):
        for listener in self.listeners:
            listener.close()


INWARD_FORMS = [
    "http://127.0.0.1:{port}/rss",
    "http://localhost:{port}/rss",
    "http://127.1:{port}/rss",
    "http://2130706433:{port}/rss",
    "http://0177.0.0.1:{port}/rss",
    "http://0x7f.0.0.1:{port}/rss",
    "http://0.0.0.0:{port}/rss",
    "http://[::1]:{port}/rss",
    "http://[::ffff:127.0.0.1]:{port}/rss",
    "http://[0:0:0:0:0:0:0:1]:{port}/rss",
]


@pytest.mark.django_db
@pytest.mark.parametrize("form", INWARD_FORMS)
def test_inward_addresses_in_any_spelling_are_refused_without_a_connection(settings, feed_server, form):
    """Fetched directly, and reached through a redirect from an allowed server: refused with a
    clear error, and the server at the address never sees a connection."""
    recorder = _Recorder()
    try:
        url = form.format(port=recorder.port)
        with pytest.raises(http.BlockedAddress, match="private or reserved"):
            http.fetch(url)
        feed_server.route("/feed.xml", status=302, headers={"Location": url})
        source = SourceFactory(feed_url=feed_server.url("/feed.xml"))
        report = feeds.fetch_and_ingest(source)
        source.refresh_from_db()
        assert "private or reserved" in source.last_error
        assert report.counts["new"] == 0
        assert recorder.connections == 0
    finally:
        recorder.close()


class _Endless(_RawServer):
    """Answers with a feed that never ends (no length, the connection stays open)."""

    def answer(self, connection):
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n"
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>Eindeloos</title>'
        )
        while True:
            connection.sendall(b"<item><title>Nog een</title></item>" * 1000)


@pytest.mark.django_db
def test_a_feed_that_never_ends_is_cut_at_its_limit_and_the_source_says_why(settings):
    server = _Endless()
    settings.NEWSDESK_FETCH_ALLOWLIST = [f"127.0.0.1:{server.port}"]
    try:
        source = SourceFactory(feed_url=f"http://127.0.0.1:{server.port}/eindeloos.xml")
        started = time.monotonic()
        feeds.fetch_and_ingest(source)
        assert time.monotonic() - started < 30
    finally:
        server.close()
    source.refresh_from_db()
    assert "more than" in source.last_error and source.error_count == 1


@pytest.mark.django_db
def test_a_dribbling_feed_is_recorded_on_its_source(settings, monkeypatch):
    monkeypatch.setattr(http, "TOTAL_TIMEOUT", 1.5)
    server = _Dribbler(slow_headers=False)
    settings.NEWSDESK_FETCH_ALLOWLIST = [f"127.0.0.1:{server.port}"]
    try:
        source = SourceFactory(feed_url=f"http://127.0.0.1:{server.port}/feed.xml")
        started = time.monotonic()
        feeds.fetch_and_ingest(source)
        assert time.monotonic() - started < 3.0  # the caller (a worker) is free again
    finally:
        server.close()
    source.refresh_from_db()
    assert "took longer than 1.5 s" in source.last_error
