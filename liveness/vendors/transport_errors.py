"""Failures that belong to no single vendor: transport problems (family ``http``) and the
portal's own pipeline (family ``internal``). Wording is ours.

``HTTP_ERRORS`` is the transport rule every client uses for a call that got no vendor answer:
``timeout``, ``connection`` and ``malformed`` are retried, ``tls`` is not, an HTTP status is retried
when its row says so (408, 429, 500, 502-504) and an unknown status of 500 or more is retried too.
"""
from __future__ import annotations

from .errors import C, Category, F, T, U, ErrorTable, make_entry  # noqa: F401  (row shorthands)

HTTP = "HTTP (RFC 9110)"


HTTP_TABLE: list[tuple[str, Category, str, str, str]] = [
    ("timeout", T, "retry_later", "The vendor did not answer within the configured timeout.",
     "The call timed out. The vendor may still have processed (and billed) it. Retried "
     "automatically."),
    ("connection", T, "retry_later", "Could not connect to the vendor (DNS, refused, reset).",
     "No connection to the vendor could be made or it dropped mid-request. Retried automatically; "
     "persistent failures mean an outage or a wrong host setting."),
    ("tls", C, "operator", "TLS handshake or certificate verification failed.",
     "The vendor's certificate could not be verified, or TLS failed. Check the endpoint, the CA "
     "bundle and any intercepting proxy; retrying does not help."),
    ("endpoint", C, "operator", "The configured vendor endpoint is not a usable URL.",
     "The endpoint setting is not an http(s) URL the client can send to, so no request was made. Fix "
     "the setting; retrying does not help."),
    ("malformed", T, "retry_later", "The answer was not in the vendor's documented format.",
     "The body was not the expected JSON (often a proxy or gateway error page). Retried "
     "automatically; if it persists the endpoint setting probably points at the wrong service."),
    ("400", C, "operator", "400 Bad Request", "The vendor rejected the request as malformed: an "
     "integration or configuration problem."),
    ("401", C, "operator", "401 Unauthorized", "Credentials were missing or rejected. Check the "
     "configured keys."),
    ("403", C, "operator", "403 Forbidden", "The account or key may not use this endpoint, or the "
     "portal's IP is blocked."),
    ("404", C, "operator", "404 Not Found", "Wrong endpoint URL or path in the configuration."),
    ("405", C, "operator", "405 Method Not Allowed", "Wrong HTTP method for this endpoint: a client "
     "bug."),
    ("408", T, "retry_later", "408 Request Timeout", "The vendor timed out waiting for the request "
     "body (slow upload). Retried automatically."),
    ("411", C, "operator", "411 Length Required", "The request had no Content-Length: a client bug."),
    ("413", C, "operator", "413 Payload Too Large", "The request was larger than the vendor accepts. "
     "The portal's media limits must be lowered."),
    ("415", C, "operator", "415 Unsupported Media Type", "Wrong Content-Type for this endpoint: a "
     "client bug."),
    ("429", T, "retry_later", "429 Too Many Requests", "Rate limited at HTTP level. Retried "
     "automatically after a pause."),
    ("500", T, "retry_later", "500 Internal Server Error", "The vendor failed internally. Retried "
     "automatically."),
    ("501", C, "operator", "501 Not Implemented", "The vendor does not implement this request: wrong "
     "endpoint or method."),
    ("502", T, "retry_later", "502 Bad Gateway", "A gateway in front of the vendor got no valid "
     "answer. Retried automatically."),
    ("503", T, "retry_later", "503 Service Unavailable", "The vendor is overloaded or in "
     "maintenance. Retried automatically."),
    ("504", T, "retry_later", "504 Gateway Timeout", "A gateway in front of the vendor timed out. "
     "Retried automatically."),
]


def _server_status(code: str) -> bool:
    return code.isdigit() and int(code) >= 500


#: Transport problems of any vendor, and the rule for them.
HTTP_ERRORS = ErrorTable(
    "http",
    tuple(make_entry("http", code, cat, user, en, "", reviewer, (HTTP,)) for code, cat, user, en, reviewer in HTTP_TABLE),
    success_codes=frozenset({"200"}), transient_when_unknown=_server_status,
)


# =============================================================================================
# internal: the portal's own pipeline (no vendor involved)
# =============================================================================================
PIPELINE = "liveness/checks/services.py (the portal's pipeline)"
INTERNAL_TABLE: list[tuple[str, Category, str, str, str]] = [
    ("provider_crashed", C, "operator", "The provider module raised an unexpected error.",
     "A bug or library failure in the portal's provider code, not a vendor answer. The check was not "
     "retried (it would fail the same way); an operator should read the logs. Decide the case by hand "
     "or ask for a retake once fixed."),
    ("time_limit", T, "retry_later", "The check ran past the worker's time limit.",
     "The provider call took longer than CELERY_TASK_SOFT_TIME_LIMIT. Retried automatically; repeated "
     "time-outs mean the vendor or the local engine is overloaded."),
    ("engine_time_limit", U, "video_long", "The local engine was stopped at the check's time limit.",
     "The local engine had not finished analysing this video when CELERY_TASK_SOFT_TIME_LIMIT ran out, and "
     "was stopped. Not retried: the same video would take as long again. The engine analyses at most the "
     "first 60 s of a video, so this means a very large video or an overloaded engine machine; look at the "
     "video and decide by hand, or ask for a shorter retake."),
    ("database_unavailable", T, "retry_later", "The portal's database could not be read before the vendor call.",
     "The worker lost its database connection while loading the submission, before any request was sent "
     "to the vendor. Retried automatically on the fixed schedule; repeated failures mean PostgreSQL is "
     "down or refusing connections."),
    ("frozen_camera_feed", F, "review", "The camera showed the same still picture in every frame.",
     "The selfie was taken with the camera, but the frames of its burst (about 150 ms apart) are identical "
     "beyond sensor noise: a still image fed to the camera (a virtual camera playing a photo) rather than a "
     "live person, whatever the liveness score. Look at the selfie; ask for a retake if the camera may "
     "simply have frozen. (liveness/media/burst.py; only camera selfies carry a burst, uploaded files do not.)"),
    ("consent_withdrawn", U, "review", "The person withdrew their consent before this check ran.",
     "The person withdrew their consent to the privacy notice: the case ended (withdrawn) and its media "
     "was deleted, so this check was stopped before any vendor call. Nothing is left to decide."),
    ("abandoned", T, "retry_later", "Every attempt was interrupted by a stopped worker.",
     "Workers died during each attempt (deploys, crashes, out of memory). The vendor may have been "
     "reached; see the attempt rows. Decide by hand or ask for a retake."),
]


#: The pipeline's own failure codes (no vendor involved).
INTERNAL_ERRORS = ErrorTable(
    "internal",
    tuple(make_entry("internal", code, cat, user, en, "", reviewer, (PIPELINE,))
          for code, cat, user, en, reviewer in INTERNAL_TABLE),
)
