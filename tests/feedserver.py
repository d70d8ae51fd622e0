"""A real HTTP server on loopback for ingestion tests: routes map a path to a canned response."""

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict = field(default_factory=dict)
    # Called with the request headers; returns a Route to answer with instead (conditional GET).
    respond: object = None


class FeedServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict]] = []
        self.arrivals: list[tuple[str, float]] = []  # (path, time.monotonic()) of each request
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each response waits ~40 ms for a delayed ACK

            def do_GET(self):
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append((self.path, headers))
                server.arrivals.append((self.path, time.monotonic()))
                route = server.routes.get(self.path) or Route(b"not found", 404)
                if route.respond is not None:
                    route = route.respond(headers) or route
                body = route.body
                extra = dict(route.headers)
                if extra.pop("gzip", None):
                    body = gzip.compress(body)
                    extra["Content-Encoding"] = "gzip"
                self.send_response(route.status)
                for key, value in extra.items():
                    self.send_header(key, value)
                if "Content-Length" not in extra and "Transfer-Encoding" not in extra:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if extra.get("Transfer-Encoding") == "chunked":
                    for start in range(0, len(body), 65536):
                        piece = body[start : start + 65536]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                elif route.status != 304:
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, body: bytes | str = b"", status: int = 200, headers: dict | None = None, respond=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(body, status, headers or {}, respond)
        return self.url(path)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
