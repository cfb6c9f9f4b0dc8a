"""Serving ``dist/review/`` over HTTP on this machine, for reviewers who prefer a URL to a file.

A static file server (the standard library's) plus byte ranges: browsers fetch video in ranges to seek,
and without them seeking in a served video stops working. Loopback by default; directory listings off.
"""

from __future__ import annotations

import errno
import functools
import ipaddress
import logging
import os
import re
import socket
import sys
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipeline.errors import UsageError

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class ReviewRequestHandler(SimpleHTTPRequestHandler):
    """Static files with single byte ranges, the right media types, no listings, quiet logs."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8", ".json": "application/json", ".vtt": "text/vtt; charset=utf-8",
        ".mp4": "video/mp4", ".webm": "video/webm",
    }
    _range: tuple[int, int] | None = None  # (first byte, byte count) of a 206 answer

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def list_directory(self, path):  # noqa: ANN001 - the base class's signature
        self.send_error(HTTPStatus.NOT_FOUND, "No review page here")
        return None

    def send_head(self):
        header = self.headers.get("Range")
        path = self.translate_path(self.path)
        match = _RANGE.match(header.strip()) if header else None
        if not match or os.path.isdir(path):
            return super().send_head()  # no range, several ranges or a folder: the whole answer
        try:
            fh = open(path, "rb")
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        size = os.fstat(fh.fileno()).st_size
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        elif last:  # the final N bytes
            start, end = max(0, size - int(last)), size - 1
        else:
            start, end = 0, -1
        if start >= size or end < start:
            fh.close()
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Last-Modified", self.date_time_string(int(os.fstat(fh.fileno()).st_mtime)))
        self.end_headers()
        fh.seek(start)
        self._range = (start, end - start + 1)
        return fh

    def copyfile(self, source, outputfile) -> None:  # noqa: ANN001
        if self._range is None:
            return super().copyfile(source, outputfile)
        remaining = self._range[1]
        while remaining > 0:
            chunk = source.read(min(1 << 16, remaining))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)
        return None

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)


class ReviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        # Browsers drop video range requests all the time while seeking: that is not an error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("%s closed the connection", client_address)
            return
        super().handle_error(request, client_address)


class ReviewServer:
    """A running (or ready) server of one folder. ``serve_forever()`` blocks; ``shutdown()`` from another
    thread stops it; ``close()`` frees the port."""

    def __init__(self, httpd: ReviewHTTPServer, root: Path, host: str):
        self.httpd = httpd
        self.root = root
        self.host = host

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        """The address to open; a wildcard bind is reached through loopback on this machine."""
        host = self.host
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    @property
    def loopback_only(self) -> bool:
        return is_loopback(self.host)

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        self.httpd.shutdown()

    def close(self) -> None:
        self.httpd.server_close()

    def __enter__(self) -> "ReviewServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_server(root: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> ReviewServer:
    """Bind a server for ``root`` (``port`` 0: any free port). A port in use is a :class:`UsageError`."""
    handler = functools.partial(ReviewRequestHandler, directory=str(root))
    server_class = ReviewHTTPServer
    if ":" in host:
        server_class = type("ReviewHTTPServer6", (ReviewHTTPServer,), {"address_family": socket.AF_INET6})
    try:
        httpd = server_class((host, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is already in use",
                             hint="pass --port 0 for any free port, or another number") from None
        if exc.errno == errno.EACCES:
            raise UsageError(f"not allowed to listen on port {port}", hint="use a port above 1023") from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                         hint="use an address of this machine, e.g. 127.0.0.1") from None
    return ReviewServer(httpd, Path(root), host)
