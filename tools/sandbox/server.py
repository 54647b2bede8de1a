"""The vendor sandbox: one threaded WSGI server speaking every vendor's wire contract.

Run it with ``python manage.py vendor_sandbox [--host 127.0.0.1] [--port 8765]``, or in
tests with :func:`start_in_thread`. Dispatch, in this order:

* ``/_sandbox/...``           the control API (faults, call log, fixtures; docs/sandbox.md)
* header ``X-TC-Action``      Tencent Cloud API 3.0 (the SDKs POST to ``/``) -> ``tools.sandbox.tencent_cloud``
* ``/face/...``               Tencent YouTu legacy -> ``tools.sandbox.youtu``
* ``/identity/...``           SenseTime SenseID -> ``tools.sandbox.senseid``

Each vendor module provides ``handle(request)``, ``rate_limited(request)`` and
``server_error(request)``, all ``SandboxRequest -> SandboxResponse``, and optionally
``fixed_answer(request) -> SandboxResponse | None`` for the ``fixed`` fault kind (None: this
endpoint has no canned answer; the call is answered 501). Vendor modules are imported on first
use (the engine they run loads its models then). No Django request cycle is involved; vendor
modules read ``django.conf.settings`` and the portal's public vendor tables and specs
(``liveness.vendors.<family>.errors`` / ``.spec``), never a client's internals.
"""
from __future__ import annotations

import importlib
import logging
import socket
import socketserver
import threading
import time
import traceback
import uuid
from types import ModuleType
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .faults import CallLog, FaultRegistry, FaultSpecError, parse_fault
from .http import SandboxRequest, SandboxResponse, json_object, json_response

logger = logging.getLogger("tools.sandbox")

#: vendor key -> module implementing it
VENDOR_MODULES: dict[str, str] = {
    "youtu": "tools.sandbox.youtu",
    "tencent_cloud": "tools.sandbox.tencent_cloud",
    "senseid": "tools.sandbox.senseid",
}
#: bodies larger than this are refused unread (the vendors' own limits are far lower)
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_FIXTURES = 200
MALFORMED_BODY = b'{"code": 0, "message": "OK", "data": {"sco'

_HTTP_REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 411: "Length Required",
    413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
    501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}


def _status_line(status: int) -> str:
    return f"{status} {_HTTP_REASONS.get(status, 'Status')}"


def route(request: SandboxRequest) -> tuple[str, str]:
    """(vendor, endpoint key) for a request; vendor "" means not a vendor API."""
    action = request.header("x-tc-action")
    if action:
        return "tencent_cloud", action
    if request.path.startswith("/face/"):
        return "youtu", request.path.rstrip("/")
    if request.path.startswith("/identity/"):
        return "senseid", request.path.rstrip("/")
    return "", request.path


def load_vendor(vendor: str) -> ModuleType:
    """The emulator module of a vendor key of :data:`VENDOR_MODULES` (imported on first use)."""
    return importlib.import_module(VENDOR_MODULES[vendor])


def vendor_code_of(module: ModuleType, body: bytes) -> str:
    """The vendor's own result code in an answer, for the call log (best effort)."""
    if hasattr(module, "outcome_code"):
        try:
            return str(module.outcome_code(body))
        except Exception:  # pragma: no cover - a vendor module's helper must not break logging
            return ""
    data = json_object(body)
    if data is None:
        return ""
    response = data.get("Response")
    if isinstance(response, dict):
        error = response.get("Error")
        return str(error.get("Code", "")) if isinstance(error, dict) else "0"
    return "" if data.get("code") is None else str(data["code"])


class SandboxApp:
    """The WSGI application; holds the fault registry, the call log and the fixtures."""

    def __init__(self) -> None:
        self.faults = FaultRegistry()
        self.calls = CallLog()
        self._fixtures: dict[str, tuple[bytes, str]] = {}
        self._fixtures_lock = threading.Lock()
        self.base_url = ""

    # -- WSGI ------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.monotonic()
        try:
            request = self._read_request(environ)
        except _TooLarge as exc:
            response = json_response({"error": str(exc)}, status=413)
            response.headers["Connection"] = "close"
            return self._send(start_response, response)
        note = ""
        try:
            response, note = self.dispatch(request)
        except Exception:  # never let a bug kill the connection silently
            logger.error("sandbox crashed on %s %s\n%s", request.method, request.path, traceback.format_exc())
            response, note = json_response({"error": "sandbox internal error"}, status=500), "crash"
        elapsed = (time.monotonic() - started) * 1000
        logger.info(
            "%s %s %s -> %s %s (%.0f ms)",
            environ.get("REMOTE_ADDR", "-"), request.method, request.path
            + (f" [{request.header('x-tc-action')}]" if request.header("x-tc-action") else ""),
            response.status, note, elapsed,
        )
        return self._send(start_response, response)

    @staticmethod
    def _send(start_response: Callable, response: SandboxResponse) -> list[bytes]:
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body)))]
        headers += [(k, v) for k, v in response.headers.items() if k.lower() not in ("content-type", "content-length")]
        start_response(_status_line(response.status), headers)
        return [response.body]

    @staticmethod
    def _read_request(environ: dict) -> SandboxRequest:
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        if environ.get("CONTENT_LENGTH"):
            headers["content-length"] = environ["CONTENT_LENGTH"]
        stream = environ["wsgi.input"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY_BYTES:
            raise _TooLarge(f"body of {length} bytes is larger than the sandbox accepts")
        if length:
            body = stream.read(length)
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = _read_chunked(stream)
        else:
            body = b""
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        return SandboxRequest(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=environ.get("PATH_INFO", "/") or "/",
            headers=headers,
            body=body,
            query=query,
            raw_query=environ.get("QUERY_STRING", ""),
        )

    # -- dispatch ---------------------------------------------------------------------
    def dispatch(self, request: SandboxRequest) -> tuple[SandboxResponse, str]:
        if request.path.startswith("/_sandbox/") or request.path == "/_sandbox":
            return self.control(request), "control"
        vendor, endpoint = route(request)
        if not vendor:
            return json_response({"error": f"no vendor API at {request.path}"}, status=404), "unrouted"
        module = load_vendor(vendor)  # already imported by make_sandbox_server
        started = time.monotonic()
        entry = self.calls.start(vendor=vendor, endpoint=endpoint, method=request.method, path=request.path,
                                 request_id=request.header("x-request-id"))
        decision = self.faults.decide((request.path, endpoint))
        if decision.delay_ms:
            self.faults.hold(decision.delay_ms)
        action = decision.action
        if action == "timeout":
            self.calls.finish(entry, outcome="timeout", status=None, faults=decision.fault_ids)
            self.faults.hold(decision.hold_ms)
            response, _ = self._call(module, request)
            self.calls.annotate(entry, status=response.status, vendor_code=vendor_code_of(module, response.body),
                                duration_ms=(time.monotonic() - started) * 1000)
            return response, f"{vendor} timeout({decision.hold_ms} ms) then answered"
        if action == "fixed":
            return self._fixed(module, request, entry, decision, started, vendor)
        crashed = False
        if action in ("rate_limit", "quota"):
            response = module.rate_limited(request)
        elif action == "server_error":
            response = module.server_error(request)
        elif action == "malformed":
            response = SandboxResponse(status=200, body=MALFORMED_BODY, content_type="application/json")
        else:
            response, crashed = self._call(module, request)
        outcome = action or ("crash" if crashed else "answered")
        code = "" if action == "malformed" else vendor_code_of(module, response.body)
        self.calls.finish(entry, outcome=outcome, status=response.status, vendor_code=code,
                          duration_ms=(time.monotonic() - started) * 1000, faults=decision.fault_ids)
        extra = f" +{decision.delay_ms} ms" if decision.delay_ms else ""
        return response, f"{vendor} {outcome} code={code or '-'}{extra}"

    def _fixed(self, module: ModuleType, request: SandboxRequest, entry: dict, decision: Any, started: float,
               vendor: str) -> tuple[SandboxResponse, str]:
        """The canned answer, sent ``hold_ms`` (plus any latency faults) after the request was read.

        The request is still checked as the vendor checks it (signature, body), so a broken
        client is not hidden by the benchmark mode; only the engine's analysis is skipped.
        """
        answer = getattr(module, "fixed_answer", None)
        response = answer(request) if answer is not None else None
        if response is None:
            response = json_response({"error": f"no fixed answer is emulated for {request.path} "
                                                f"{request.header('x-tc-action')}".rstrip()}, status=501)
        remaining_ms = (decision.delay_ms + decision.hold_ms) - (time.monotonic() - started) * 1000
        self.faults.hold(remaining_ms)
        code = vendor_code_of(module, response.body) if response.status != 501 else ""
        self.calls.finish(entry, outcome="fixed", status=response.status, vendor_code=code,
                          duration_ms=(time.monotonic() - started) * 1000, faults=decision.fault_ids)
        return response, f"{vendor} fixed({decision.hold_ms} ms) code={code or '-'}"

    @staticmethod
    def _call(module: ModuleType, request: SandboxRequest) -> tuple[SandboxResponse, bool]:
        """(answer, crashed): a handler exception is answered with the vendor's 5xx form."""
        try:
            return module.handle(request), False
        except Exception:
            logger.error("vendor handler crashed on %s %s\n%s", request.method, request.path, traceback.format_exc())
            return module.server_error(request), True

    # -- control API -----------------------------------------------------------------
    def control(self, request: SandboxRequest) -> SandboxResponse:
        parts = [p for p in request.path.split("/") if p][1:]  # drop "_sandbox"
        head = parts[0] if parts else ""
        method = request.method
        if head in ("", "health") and method == "GET":
            vendors = {vendor: hasattr(load_vendor(vendor), "handle") for vendor in VENDOR_MODULES}
            return json_response({"ok": True, "vendors": vendors, "base_url": self.base_url})
        if head == "faults":
            return self._control_faults(request, parts[1:])
        if head == "calls":
            if method == "GET":
                recent = int(request.query.get("recent", "200") or 0)
                return json_response(self.calls.snapshot(recent=recent))
            if method == "DELETE":
                self.calls.reset()
                return json_response({"ok": True})
        if head == "reset" and method == "POST":
            self.faults.clear()
            self.calls.reset()
            return json_response({"ok": True})
        if head == "fixtures":
            return self._control_fixtures(request, parts[1:])
        if head in VENDOR_MODULES:
            module = load_vendor(head)
            if hasattr(module, "control"):
                return module.control(request)
        return json_response({"error": f"unknown control request {method} {request.path}"}, status=404)

    def _control_faults(self, request: SandboxRequest, rest: list[str]) -> SandboxResponse:
        if request.method == "GET" and not rest:
            return json_response({"faults": self.faults.list()})
        if request.method == "DELETE":
            if rest:
                try:
                    removed = self.faults.remove(int(rest[0]))
                except ValueError:
                    removed = False
                return json_response({"ok": removed}, status=200 if removed else 404)
            self.faults.clear()
            return json_response({"ok": True})
        if request.method == "POST" and not rest:
            try:
                spec = request.json()
            except (ValueError, UnicodeDecodeError):
                return json_response({"error": "body must be JSON"}, status=400)
            specs = spec if isinstance(spec, list) else [spec]
            try:
                for item in specs:
                    parse_fault(item)  # validate all before adding any
                added = [self.faults.add(item).as_json() for item in specs]
            except FaultSpecError as exc:
                return json_response({"error": str(exc)}, status=400)
            return json_response({"faults": added}, status=201)
        return json_response({"error": "use GET, POST or DELETE on /_sandbox/faults"}, status=405)

    def _control_fixtures(self, request: SandboxRequest, rest: list[str]) -> SandboxResponse:
        if request.method == "POST" and not rest:
            fixture_id = uuid.uuid4().hex
            content_type = request.header("content-type") or "application/octet-stream"
            with self._fixtures_lock:
                self._fixtures[fixture_id] = (request.body, content_type)
                while len(self._fixtures) > MAX_FIXTURES:
                    self._fixtures.pop(next(iter(self._fixtures)))
            path = f"/_sandbox/fixtures/{fixture_id}"
            return json_response({"id": fixture_id, "path": path, "url": self.base_url + path}, status=201)
        if request.method == "GET" and len(rest) == 1:
            with self._fixtures_lock:
                found = self._fixtures.get(rest[0])
            if found is None:
                return json_response({"error": "no such fixture"}, status=404)
            return SandboxResponse(status=200, body=found[0], content_type=found[1])
        if request.method == "DELETE" and not rest:
            with self._fixtures_lock:
                self._fixtures.clear()
            return json_response({"ok": True})
        return json_response({"error": "use POST /_sandbox/fixtures or GET /_sandbox/fixtures/<id>"}, status=405)


class _TooLarge(Exception):
    pass


def _read_chunked(stream: Any) -> bytes:
    out = bytearray()
    while True:
        line = stream.readline(65537)
        if not line:
            break
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline(65537) not in (b"\r\n", b"\n", b""):
                pass
            break
        if len(out) + size > MAX_BODY_BYTES:
            raise _TooLarge("chunked body larger than the sandbox accepts")
        out += stream.read(size)
        stream.readline(65537)  # CRLF after the chunk
    return bytes(out)


class _QuietHandler(WSGIRequestHandler):
    """The app logs one line per request itself; silence wsgiref's access log."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        logger.debug("wsgiref: " + format, *args)


class SandboxServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    app: SandboxApp

    def stop(self) -> None:
        """Stop serving (from another thread), release held requests, close the socket."""
        self.app.faults.release_all()
        self.shutdown()
        self.server_close()


class _SandboxServerV6(SandboxServer):
    address_family = socket.AF_INET6


def make_sandbox_server(host: str = "127.0.0.1", port: int = 8765) -> SandboxServer:
    """A sandbox bound to ``host:port``, its vendor emulators (and the engine they run) already
    imported, so the first request is answered as fast as any other and a broken emulator stops
    the start instead of a request."""
    for vendor in VENDOR_MODULES:
        load_vendor(vendor)
    app = SandboxApp()
    server_class = _SandboxServerV6 if ":" in host else SandboxServer
    server = make_server(host, port, app, server_class=server_class, handler_class=_QuietHandler)
    server.app = app
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    app.base_url = f"http://{shown}:{bound_port}"
    return server


def start_in_thread(host: str = "127.0.0.1", port: int = 0) -> tuple[SandboxServer, str]:
    """Start a sandbox on a background thread; returns (server, base_url). Stop with ``server.stop()``."""
    server = make_sandbox_server(host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name=f"vendor-sandbox-{server.server_address[1]}", daemon=True)
    thread.start()
    return server, server.app.base_url
