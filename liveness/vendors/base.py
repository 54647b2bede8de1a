"""The one small interface every liveness vendor (and the local engine) sits behind.

A provider turns media into a :class:`ProviderResult` or raises :class:`ProviderError`.
It knows its vendor's wire format and which of its vendor's failures are permanent;
it knows nothing about cases, thresholds or the database. The pipeline
(``liveness.cases.services``) records every attempt, applies the threshold policy and
decides what a failure means for the case.

Contract for implementers:

* ``check_selfie`` / ``check_video`` make at most ONE billable vendor call each. They
  never retry by themselves: retrying is the pipeline's job, so that every attempt is
  recorded before it is made and a transient failure is never silently repeated.
* Scores are reported on the vendor's own scale in ``Score.value`` together with
  ``Score.scale`` (100 for YouTu/IAI/local, 1 for SenseID), so the dashboard can show
  the number a vendor's documentation talks about.
* A vendor answer that says "this person failed" (no face, wrong digits, hack) is a
  *result* with ``error_code`` set, not an exception: it was a successful call.
  Exceptions are for calls that produced no usable answer (network, auth, 5xx,
  quota, malformed body) and carry ``transient`` so the pipeline knows whether
  another attempt can help.
* Right before the bytes of a billable request leave (after it is built, encoded and
  signed), call :func:`depart`: it waits for the request's departure slot when the
  pipeline set one (:func:`departure`), so pacing is not undone by work done afterwards.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from liveness.ops import context as ops_context


@dataclass
class Departure:
    """When a provider's request may leave: ``wait`` sleeps until its slot (the rate limiter's
    departure); ``left_at`` is the ``time.monotonic()`` at which it left, None until then."""

    wait: Callable[[], None]
    left_at: float | None = None


_departure: ContextVar[Departure | None] = ContextVar("provider_departure", default=None)


@contextlib.contextmanager
def departure(gate: Departure) -> Iterator[Departure]:
    """Run a provider call whose request waits for ``gate`` just before it is sent.

    The wait belongs at the last moment: a request built, encoded and signed *after* its slot
    reaches the vendor as late as that work takes on a busy machine (tens of milliseconds with
    many worker threads on few cores), and requests that drift late arrive together, which a
    vendor counting per second answers with its rate-limit error. Per thread/task (a context
    variable), so concurrent calls in one worker each have their own gate.
    """
    token = _departure.set(gate)
    try:
        yield gate
    finally:
        _departure.reset(token)


#: The header every vendor request carries the portal's request id in (a vendor's support can
#: match its own logs to ours; the id is random, never a name, token or case number).
REQUEST_ID_HEADER = "X-Request-Id"


def trace_headers() -> dict[str, str]:
    """The headers every outgoing vendor request adds: the current request id
    (:mod:`liveness.ops.context`: the web request's, carried into the check's Celery task), or
    nothing outside one (the shell, a sweep)."""
    request_id = ops_context.current().get("request_id")
    return {REQUEST_ID_HEADER: request_id} if request_id else {}


def depart() -> None:
    """Called by a provider immediately before its request is sent. Waits for the gate set by
    :func:`departure` once (a second request in the same call is not paced again) and notes
    when the request left; does nothing outside one, so providers work the same in tests, the
    sandbox and the shell."""
    gate = _departure.get()
    if gate is not None and gate.left_at is None:
        gate.wait()
        gate.left_at = time.monotonic()


class Operation:
    """What a check asks of a provider. Plain strings so they can be stored as-is."""

    SELFIE_LIVENESS = "selfie_liveness"
    DIGIT_VIDEO = "digit_video"

    CHOICES = [
        (SELFIE_LIVENESS, "Selfie liveness"),
        (DIGIT_VIDEO, "Digit video liveness (+ face compare)"),
    ]


class Metric:
    """Names of the numbers a provider can return; each is judged by its own threshold."""

    LIVENESS = "liveness"
    SIMILARITY = "similarity"

    CHOICES = [(LIVENESS, "Liveness"), (SIMILARITY, "Face similarity")]


@dataclass(frozen=True)
class Media:
    """One normalised, already validated upload handed to a provider (plaintext bytes)."""

    content: bytes
    content_type: str
    filename: str = "upload"


@dataclass
class Score:
    metric: str
    value: float
    scale: float = 100.0


@dataclass
class ProviderResult:
    """A vendor answered.

    ``error_code`` is the vendor's own code (as a string: "-5008",
    "FailedOperation.ImageDecodeFailed", "4007", "hack", "LOCAL_NO_FACE") when the
    vendor judged the person/media unusable; it is looked up in the error catalogue
    under ``vendor``. ``findings`` are human-readable reasons that lowered a score.
    ``photos`` maps a role ("best_frame", "face_crop") to JPEG/PNG bytes.
    ``raw`` is the vendor's answer with images removed, for the reviewer.
    """

    vendor: str
    scores: list[Score] = field(default_factory=list)
    error_code: str = ""
    error_message: str = ""
    request_id: str = ""
    findings: list[str] = field(default_factory=list)
    photos: dict[str, bytes] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    recognised_digits: str = ""

    def score(self, metric: str) -> Score | None:
        return next((s for s in self.scores if s.metric == metric), None)


class ProviderError(Exception):
    """A call produced no usable answer.

    ``transient`` says whether the same request may succeed later (rate limit,
    timeout, 5xx): the pipeline retries those on a fixed schedule within a budget.
    Permanent errors (bad signature, bad config, request refused) end the check.
    ``code`` is looked up in the error catalogue under ``vendor``.
    """

    def __init__(
        self,
        message: str,
        *,
        vendor: str,
        code: str,
        transient: bool,
        http_status: int | None = None,
        request_id: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.vendor = vendor
        self.code = code
        self.transient = transient
        self.http_status = http_status
        self.request_id = request_id


class Provider(Protocol):
    """What the pipeline needs from a vendor module. See the module docstring."""

    name: ClassVar[str]
    vendor: ClassVar[str]  # key family in the error catalogue
    operations: ClassVar[frozenset[str]]

    def challenge_digits(self) -> str:
        """Digits the user must read aloud (vendor's livegetfour/GetLiveCode, or local)."""
        ...

    def check_selfie(self, *, image: Media) -> ProviderResult: ...

    def check_video(self, *, video: Media, digits: str, card: Media | None, language: str = "en") -> ProviderResult:
        """``language``: what the digits were read in, one of the class's ``digit_languages``
        (``liveness.vendors.languages``; "en" English, "zh" Mandarin)."""
        ...
