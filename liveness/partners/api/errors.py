"""The partner API's error envelope, ``{"error": {"code", "message"}}``, for the refusals and
failures that do not pass through a DRF view's exception handler: Django's own 400 (too many
fields or files, a body over the limit, raised while parsing, sometimes by middleware) and any 500
(an exception outside DRF, or in middleware). Partners parse every answer of the API as JSON; an
HTML page there is an unreadable error, and the HTML of Django's 500 page can tell a caller
more than it should.
"""
from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, JsonResponse

#: Every path of the partner API (its v1 endpoints, its schema and docs pages) starts with this.
API_PREFIX = "/api/"

SERVER_ERROR_MESSAGE = ("The server failed while answering this request; nothing was changed unless the "
                        "answer to a retry with the same Idempotency-Key says so. Please try again later.")


def is_api_request(request: HttpRequest) -> bool:
    """Whether ``request`` is for the partner API (by path: the refusal may come before any view)."""
    return (request.path_info or "").startswith(API_PREFIX)


def envelope(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def bad_request_envelope(exception: BaseException | None) -> JsonResponse:
    """Django's SuspiciousOperation refusals in the envelope: ``too_many_fields``, ``too_many_files``,
    ``request_too_large`` (413), else ``malformed_request``."""
    if isinstance(exception, TooManyFieldsSent):
        return envelope(400, "too_many_fields", "The request has more fields than this API accepts.")
    if isinstance(exception, TooManyFilesSent):
        return envelope(400, "too_many_files", "The request has more files than this API accepts.")
    if isinstance(exception, RequestDataTooBig):
        return envelope(413, "request_too_large", "The request body is larger than this API accepts.")
    return envelope(400, "malformed_request", "The request could not be read.")


def server_error_envelope() -> JsonResponse:
    return envelope(500, "server_error", SERVER_ERROR_MESSAGE)
