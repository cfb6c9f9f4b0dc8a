"""``pipeline review --serve``: the review workbench over HTTP, on this machine by default.

Built on Werkzeug (routing, requests and JSON, byte ranges for seeking in the video, a threaded server),
the one library module here: :mod:`pipeline.review_page.workbench` does the work and knows no HTTP.

What is served, and nothing else: the workbench page (``/``), the JSON API (``/api/...``, see
docs/review-api.md) and each catalog video's browser copy (``/media/<video>``, from ``dist/review/``).
No path of the request is ever joined to a folder: every file is found through the catalog, and a file
whose real path (symlinks followed) leaves the project is refused.

Safety on a network:

* the ``Host`` header must name this server (an IP address, ``localhost``, or this machine's name), so a
  hostile site cannot reach it through a DNS name it controls (DNS rebinding);
* every request that changes anything needs the run's random token (header ``X-Review-Token``; the page
  gets it from the address ``--serve`` prints) and, from a browser, a same-origin ``Origin``;
* listening beyond loopback, every API and media request needs the token too.
"""

from __future__ import annotations

import errno
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import sys
from typing import Callable

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound as WzNotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server as wz_make_server
from werkzeug.utils import send_file
from werkzeug.wrappers import Request, Response

from pipeline.cue_edit import ChangedElsewhereError
from pipeline.errors import LockedError, PipelineError, UsageError
from pipeline.project import Project
from pipeline.review_page.workbench import CannotWrite, NotFound, Workbench
from pipeline.review_record import RecordChangedError

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
TOKEN_HEADER = "X-Review-Token"
MAX_BODY = 64 * 1024  # bytes: a cue or a comment, never more
SAFE_METHODS = ("GET", "HEAD")

ROUTES = Map([
    Rule("/", endpoint="page", methods=["GET"]),
    Rule("/api/videos", endpoint="videos", methods=["GET"]),
    Rule("/api/videos/<video>/tracks/<lang>", endpoint="track", methods=["GET"]),
    Rule("/api/videos/<video>/tracks/<lang>/versions", endpoint="versions", methods=["GET"]),
    Rule("/api/videos/<video>/tracks/<lang>/check", endpoint="check", methods=["POST"]),
    Rule("/api/videos/<video>/tracks/<lang>/cues/<int:number>", endpoint="save", methods=["POST"]),
    Rule("/api/videos/<video>/tracks/<lang>/approve", endpoint="approve", methods=["POST"]),
    Rule("/api/videos/<video>/tracks/<lang>/unapprove", endpoint="unapprove", methods=["POST"]),
    Rule("/api/videos/<video>/tracks/<lang>/declare", endpoint="declare", methods=["POST"]),
    Rule("/api/videos/<video>/tracks/<lang>/comments", endpoint="comment", methods=["POST"]),
    Rule("/api/videos/<video>/tracks/<lang>/comments/<int:comment>", endpoint="comment_status", methods=["POST"]),
    Rule("/api/words/<lang>", endpoint="word", methods=["POST"]),
    Rule("/media/<video>", endpoint="media", methods=["GET"]),
], strict_slashes=False)

_STATUS = ((ChangedElsewhereError, 409), (RecordChangedError, 409), (LockedError, 423), (NotFound, 404),
           (UsageError, 400))


class ApiError(Exception):
    def __init__(self, status: int, message: str, hint: str | None = None):
        super().__init__(message)
        self.status, self.message, self.hint = status, message, hint


def json_response(data, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":"))
    return Response(body, status=status, mimetype="application/json")


def error_response(status: int, message: str, hint: str | None = None) -> Response:
    return json_response({"error": message, "hint": hint, "status": status}, status)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_names() -> set[str]:
    """This machine's own names: a request naming one of them is for this server."""
    names = {"localhost"}
    for get in (socket.gethostname, socket.getfqdn):
        try:
            names.add(get().lower())
        except OSError:
            pass
    return names


def host_allowed(header: str | None, loopback_only: bool, names: set[str]) -> bool:
    """True when a ``Host`` header names this server: an IP address, ``localhost`` or (listening beyond
    loopback) this machine's name. A DNS name of someone else's is what DNS rebinding looks like."""
    if not header:
        return False
    host = header.strip().lower()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or (not loopback_only and host in names)
    return address.is_loopback or not loopback_only


class ReviewApp:
    """The WSGI application: checks every request, then calls the workbench."""

    def __init__(self, workbench: Workbench, token: str, *, loopback_only: bool = True,
                 page: Callable[[], tuple[str, str]] | None = None):
        self.workbench = workbench
        self.project: Project = workbench.project
        self.token = token
        self.loopback_only = loopback_only
        self.names = _host_names()
        self._page = page

    # -- the checks every request passes ------------------------------------------------------------------

    def _guard(self, request: Request) -> None:
        if request.method not in (*SAFE_METHODS, "POST"):
            raise ApiError(405, f"{request.method} is not allowed here")
        raw_path = request.environ.get("PATH_INFO", "")
        try:
            path = raw_path.encode("latin-1").decode("utf-8")
        except UnicodeError:
            raise ApiError(400, "the address is not valid UTF-8") from None
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
            raise ApiError(400, "the address holds control characters")
        if not host_allowed(request.headers.get("Host"), self.loopback_only, self.names):
            raise ApiError(400, f"this server does not answer for host {request.headers.get('Host')!r}",
                           hint="open the address that `pipeline review --serve` printed")
        mutating = request.method not in SAFE_METHODS
        if mutating:
            site = request.headers.get("Sec-Fetch-Site")
            if site is not None and site not in ("same-origin", "none"):
                raise ApiError(403, f"cross-site request refused ({site})")
            origin = request.headers.get("Origin")
            if origin is not None and origin != f"{request.scheme}://{request.host}":
                raise ApiError(403, f"request from another site ({origin}) refused")
        if mutating or (not self.loopback_only and path != "/"):
            given = request.headers.get(TOKEN_HEADER) or (request.args.get("token") if not mutating else None)
            if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
                raise ApiError(403, "this request needs the review key (missing or wrong)",
                               hint="open the full address that `pipeline review --serve` printed, key included")

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.max_content_length = MAX_BODY
        try:
            self._guard(request)
            endpoint, args = ROUTES.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request, **args)
        except ApiError as exc:
            response = error_response(exc.status, exc.message, exc.hint)
        except MethodNotAllowed as exc:
            response = error_response(405, f"{request.method} is not allowed here")
            response.headers["Allow"] = ", ".join(exc.valid_methods or ())
        except WzNotFound:
            response = error_response(404, "nothing here", hint="the workbench is at /")
        except HTTPException as exc:
            response = error_response(exc.code or 400, exc.description or exc.name)
        except PipelineError as exc:
            status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
            if isinstance(exc, CannotWrite) and exc.disk_full:
                status = 507  # Insufficient Storage
            if status == 500:
                log.warning("%s %s: %s", request.method, request.path, exc)
            response = error_response(status, exc.message, exc.hint)
        except Exception:  # a bug: the page gets one line, the terminal the traceback with -v
            log.exception("%s %s failed", request.method, request.path)
            response = error_response(500, "the server failed on this request (a bug: run with -v to see why)")
        _secure(response, request)
        return response(environ, start_response)

    # -- endpoints --------------------------------------------------------------------------------------

    def _body(self, request: Request) -> dict:
        if not request.mimetype == "application/json":
            raise ApiError(400, "send the request body as JSON (Content-Type: application/json)")
        try:
            data = json.loads(request.get_data(cache=False) or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "the request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, "the request body must be a JSON object")
        return data

    def on_page(self, request: Request) -> Response:
        html, csp = self._page() if self._page else ("", "default-src 'none'")
        response = Response(html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = csp
        return response

    def on_videos(self, request: Request) -> Response:
        return json_response(self.workbench.videos())

    def on_track(self, request: Request, video: str, lang: str) -> Response:
        return json_response(self.workbench.track(video, lang))

    def on_versions(self, request: Request, video: str, lang: str) -> Response:
        return json_response(self.workbench.versions(video, lang))

    def on_check(self, request: Request, video: str, lang: str) -> Response:
        body = self._body(request)
        return json_response(self.workbench.preview(video, lang, body.get("number"), body.get("text")))

    def on_save(self, request: Request, video: str, lang: str, number: int) -> Response:
        body = self._body(request)
        version = body.get("version")
        if not isinstance(version, str):
            raise ApiError(400, "say which version of the cue the edit is based on (\"version\")")
        return json_response(self.workbench.save_cue(video, lang, number, version, body.get("text"),
                                                     body.get("reviewer")))

    def on_approve(self, request: Request, video: str, lang: str, approved: bool = True) -> Response:
        body = self._body(request)
        return json_response(self.workbench.set_approval(video, lang, body.get("cues"), body.get("reviewer"),
                                                         approved))

    def on_unapprove(self, request: Request, video: str, lang: str) -> Response:
        return self.on_approve(request, video, lang, approved=False)

    def on_declare(self, request: Request, video: str, lang: str) -> Response:
        body = self._body(request)
        version = body.get("file_version")
        if not isinstance(version, str):
            raise ApiError(400, "say which version of the track the declaration is about (\"file_version\")")
        return json_response(self.workbench.declare_human(video, lang, version, body.get("reviewer")))

    def on_comment(self, request: Request, video: str, lang: str) -> Response:
        body = self._body(request)
        number = body.get("number", 0)
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise ApiError(400, "\"number\" is a cue number (0: the whole track)")
        return json_response(self.workbench.add_comment(video, lang, number, body.get("version"),
                                                        body.get("author"), body.get("text")), 201)

    def on_comment_status(self, request: Request, video: str, lang: str, comment: int) -> Response:
        body = self._body(request)
        return json_response(self.workbench.set_comment(video, lang, comment, body.get("status", "resolved"),
                                                        body.get("author")))

    def on_word(self, request: Request, lang: str) -> Response:
        body = self._body(request)
        return json_response(self.workbench.add_word(lang, body.get("word"), body.get("reviewer")))

    def on_media(self, request: Request, video: str) -> Response:
        path, mime = self.workbench.media(video)
        response = send_file(path, request.environ, mimetype=mime, conditional=True, etag=True, max_age=0)
        response.headers["Accept-Ranges"] = "bytes"
        return response


def _secure(response: Response, request: Request) -> None:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if request.path.startswith("/media/"):
        response.headers.setdefault("Cache-Control", "no-cache")
    else:
        response.headers["Cache-Control"] = "no-store"


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler, logging at debug level (the terminal shows only what matters)."""

    def log_request(self, code="-", size="-") -> None:  # noqa: ANN001 - the base class's signature
        log.debug("%s %s %s", self.address_string(), self.requestline, code)

    def log_error(self, format: str, *args) -> None:  # noqa: A002
        log.debug("%s " + format, self.address_string(), *args)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        log.debug("%s " + format, self.address_string(), *args)


class ReviewServer:
    """A bound server. ``serve_forever()`` blocks; ``shutdown()`` from another thread stops it; ``close()``
    frees the port."""

    def __init__(self, httpd: BaseWSGIServer, app: ReviewApp, host: str):
        self.httpd = httpd
        self.app = app
        self.host = host

    @property
    def token(self) -> str:
        return self.app.token

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base(self) -> str:
        """``http://host:port`` as a browser on this machine reaches it (a wildcard bind through loopback)."""
        host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        return self.base + "/"

    def page_url(self, video: str | None = None, language: str | None = None) -> str:
        """The workbench's address with the run's key (in the fragment: it never reaches a log)."""
        parts = [f"key={self.token}"]
        if video:
            parts.append(f"video={video}")
        if language:
            parts.append(f"lang={language}")
        return f"{self.base}/#" + "&".join(parts)

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


def make_server(project: Project, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, runner=None,
                token: str | None = None) -> ReviewServer:
    """Bind the workbench server (``port`` 0: any free port). A busy or forbidden port is a :class:`UsageError`."""
    from pipeline.review_page.html import render_workbench

    workbench = Workbench(project, runner)
    app = ReviewApp(workbench, token or secrets.token_urlsafe(24), loopback_only=is_loopback(host),
                    page=lambda: render_workbench(project.name))
    sock = _listen(host, port)
    try:  # werkzeug binds by itself only to print and exit on failure: it is handed a bound socket instead
        httpd = wz_make_server(host, port, app, threaded=True, request_handler=_QuietHandler, fd=sock.fileno())
    finally:
        sock.close()  # the server holds its own duplicate
    httpd.daemon_threads = True
    _quiet_disconnects(httpd)
    return ReviewServer(httpd, app, host)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is already in use",
                             hint="pass --port 0 for any free port, or another number") from None
        if exc.errno == errno.EACCES:
            raise UsageError(f"not allowed to listen on port {port}", hint="use a port above 1023") from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                         hint="use an address of this machine, e.g. 127.0.0.1") from None
    return sock


def _quiet_disconnects(httpd: BaseWSGIServer) -> None:
    """Browsers drop video range requests all the time while seeking: that is not an error."""
    original = httpd.handle_error

    def handle_error(request, client_address) -> None:  # noqa: ANN001
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("%s closed the connection", client_address)
            return
        original(request, client_address)

    httpd.handle_error = handle_error  # type: ignore[method-assign]
