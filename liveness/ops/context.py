"""What a log line is about: the request id and the case, check and partner ids, carried in
context variables from the web request into the Celery task (``celery_context``) and the vendor
call (which runs inside the check's task), and added to every record by :class:`ContextFilter`.

The request id comes from a sane ``X-Request-ID`` (the proxy's ``$request_id``) or is made
here, and is answered back in ``X-Request-ID``. Ids only, never names, tokens or media.
"""
from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

FIELDS = ("request_id", "case_id", "check_id", "partner_id")
_VARS: dict[str, ContextVar[str]] = {name: ContextVar(f"kyc_{name}", default="") for name in FIELDS}
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
HEADER = "X-Request-ID"


def current() -> dict[str, str]:
    """The ids known here (empty ones left out)."""
    return {name: var.get() for name, var in _VARS.items() if var.get()}


@contextlib.contextmanager
def bound(**ids: object) -> Iterator[None]:
    """Log lines inside carry these ids (None and "" leave a field as it was)."""
    tokens = [(_VARS[name], _VARS[name].set(str(value))) for name, value in ids.items() if value not in (None, "")]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def bind(**ids: object) -> None:
    """Set ids for the rest of this context (a task or request ends by :func:`clear`)."""
    for name, value in ids.items():
        if value not in (None, ""):
            _VARS[name].set(str(value))


def clear() -> None:
    for var in _VARS.values():
        var.set("")


def request_id_from(header: str | None) -> str:
    """The caller's id when it looks like one (no spaces, quotes or secrets of odd length), else a new one."""
    return header if header and _SANE_ID.fullmatch(header) else uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Adds every field of :data:`FIELDS` to the record ("" when unknown), for the JSON formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _VARS.items():
            if not getattr(record, name, ""):
                setattr(record, name, var.get())
        return True


class RequestIdMiddleware:
    """Gives the request an id (``request.request_id``), binds it for its log lines, answers it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        clear()
        request_id = request_id_from(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        _VARS["request_id"].set(request_id)
        # Not cleared on the way out: Django logs a 4xx/5xx (django.request) after the middleware
        # returned; the next request (or task) on this thread clears it first.
        response = self.get_response(request)
        response[HEADER] = request_id
        return response
