"""The one small interface every liveness vendor (and the local engine) sits behind.

A provider turns media into a :class:`ProviderResult` or raises :class:`ProviderError`.
It knows its vendor's wire format and which of its vendor's failures are permanent;
it knows nothing about cases, thresholds or the database. The pipeline
(``liveness.services``) records every attempt, applies the threshold policy and
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
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol


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

    def check_video(self, *, video: Media, digits: str, card: Media | None) -> ProviderResult: ...
