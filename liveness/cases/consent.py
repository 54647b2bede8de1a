"""Consent to the privacy notice: recorded once per case and door, required before any upload.

``case_consent_record`` writes the :class:`~liveness.cases.models.Consent` row and its audit event
(``case.consent_given``) in one transaction; ``case_consent`` reads it; ``case_consent_require``
is the gate the upload doors call (the capture pages with ``source=capture_page``: the person must
have accepted the notice those pages show; the partner API with any source).

Consent is not withdrawn through the product: docs/capture.md says what an operator does instead.
"""
from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .audit import audit_record
from .models import Case, Consent, ConsentSource
from .services import SubmissionRefused

CONSENT_GIVEN = "case.consent_given"


class ConsentRequired(SubmissionRefused):
    """The case has no consent to the privacy notice yet: nothing may be uploaded (409 ``consent_required``)."""


def case_consent(*, case: Case, source: str | None = None) -> Consent | None:
    """The case's consent (from ``source`` only, when given); the latest when there are several."""
    consents = Consent.objects.filter(case=case)
    if source is not None:
        consents = consents.filter(source=source)
    return consents.order_by("-given_at", "-pk").first()


def case_consent_require(*, case: Case, source: str | None = None, message: str = "") -> Consent:
    """The case's consent, or :class:`ConsentRequired` (409, code ``consent_required``)."""
    consent = case_consent(case=case, source=source)
    if consent is None:
        raise ConsentRequired(
            "consent_required", message or "The person has not accepted the privacy notice for this case yet; "
                                           "nothing can be uploaded before they do.", status=409)
    return consent


@transaction.atomic
def case_consent_record(
    *, case: Case, notice_version: str, source: str, actor_label: str, language: str = "",
    given_at: datetime | None = None, ip_address: str | None = None,
) -> tuple[Consent, bool]:
    """Record that the person accepted notice ``notice_version`` (audited ``case.consent_given``).

    Once per case and source: a second call (a double click, a retried API call) changes nothing and
    returns the first record with ``False``. ``given_at`` defaults to now; it may not be in the future.
    """
    if source not in ConsentSource.values:
        raise ValueError(f"unknown consent source {source!r}")
    if not notice_version or len(notice_version) > 50:
        raise ValueError("notice_version must be 1 to 50 characters")
    now = timezone.now()
    given_at = given_at or now
    if given_at > now:
        raise ValueError("given_at is in the future")
    existing = case_consent(case=case, source=source)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            consent = Consent.objects.create(case=case, notice_version=notice_version, given_at=given_at,
                                             source=source, language=language[:10], actor_label=actor_label[:100],
                                             recorded_at=now)
            audit_record(action=CONSENT_GIVEN, actor_label=actor_label, case=case, ip_address=ip_address, details={
                "notice_version": notice_version, "source": source, "language": language,
                "given_at": given_at.isoformat()})
    except IntegrityError:  # the same case and source recorded by a concurrent request: that one counts
        existing = case_consent(case=case, source=source)
        if existing is None:
            raise
        return existing, False
    return consent, True
