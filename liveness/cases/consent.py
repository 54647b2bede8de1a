"""Consent to the privacy notice: recorded once per case and door, required before any upload.

``case_consent_record`` writes the :class:`~liveness.cases.models.Consent` row and its audit event
(``case.consent_given``) in one transaction; ``case_consent`` reads it; ``case_consent_require``
is the gate the upload doors call (the capture pages with ``source=capture_page``: the person must
have accepted the notice those pages show; the partner API with any source).

``case_consent_withdraw``: the person takes their consent back (on the capture pages, or through the
partner's app and the API). Their case's media is erased at once, an open case ends ``withdrawn``
(partners get ``case.consent_withdrawn``; a decided case keeps its state and decision, and its
partner gets the same event), checks not yet started are stopped before any vendor
call; the case, its decision if any and both consent events stay for the audit.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .audit import audit_record
from .models import Case, CaseState, Consent, ConsentSource, OutboxEvent
from .outbox import outbox_record
from .selectors import case_decision
from .services import SubmissionRefused, case_transition

CONSENT_GIVEN = "case.consent_given"
CONSENT_WITHDRAWN = "case.consent_withdrawn"
WITHDRAWN_REASON = "the person withdrew their consent"
logger = logging.getLogger(__name__)


class ConsentRequired(SubmissionRefused):
    """The case has no consent to the privacy notice yet: nothing may be uploaded (409 ``consent_required``)."""


def case_consent(*, case: Case, source: str | None = None) -> Consent | None:
    """The case's consent (from ``source`` only, when given); the latest when there are several."""
    consents = Consent.objects.filter(case=case)
    if source is not None:
        consents = consents.filter(source=source)
    return consents.order_by("-given_at", "-pk").first()


def case_consent_require(*, case: Case, source: str | None = None, message: str = "") -> Consent:
    """The case's consent, or :class:`ConsentRequired` (409, code ``consent_required``) when there
    is none or it was withdrawn."""
    consent = case_consent(case=case, source=source)
    if consent is None or consent.withdrawn_at is not None:
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


class ConsentNotGiven(SubmissionRefused):
    """Nothing to withdraw: the case has no consent on record (409 ``consent_not_given``)."""


@dataclass(frozen=True)
class Withdrawal:
    """What a withdrawal did: when, whether this call did it (False: it had been withdrawn already),
    how many media files it erased, and the state the case is in now."""

    withdrawn_at: datetime
    created: bool
    media_erased: int
    state: str


def case_consent_withdraw(*, case: Case, actor_label: str, ip_address: str | None = None) -> Withdrawal:
    """The person withdraws their consent to the privacy notice (every consent of the case, whichever
    door recorded it). Idempotent: a second call changes nothing and says so (``created=False``).

    In one transaction, with the case row locked, in this order: the consents get ``withdrawn_at``;
    an open case moves to ``withdrawn`` (an outbox event, the ``case.consent_withdrawn`` webhook; first,
    so that stopping a check cannot route the case elsewhere); every media file of the case is erased
    (audited ``media.purged``); checks not yet claimed are failed ``internal/consent_withdrawn`` (no
    vendor call; one in flight finishes, and its returned photos are erased when it records,
    ``case_evaluate``). An approved or rejected case keeps its state and
    decision (the record of what was decided stays), only its media goes; an outbox event of kind
    ``case.consent_withdrawn`` tells its partner (the same webhook as for an open case, with the
    decided state), since the partner must learn that the person's photos are gone either way.
    """
    from liveness.checks.services import checks_stop_pending
    from liveness.media.retention import case_media_erase

    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        consents = list(Consent.objects.select_for_update().filter(case=locked))
        if not consents:
            raise ConsentNotGiven("consent_not_given", "There is no consent on record for this case, so there is "
                                  "nothing to withdraw.", status=409)
        already = [c.withdrawn_at for c in consents if c.withdrawn_at is not None]
        if already and len(already) == len(consents):
            return Withdrawal(withdrawn_at=max(already), created=False, media_erased=0, state=locked.state)
        now = timezone.now()
        Consent.objects.filter(case=locked, withdrawn_at__isnull=True).update(withdrawn_at=now)
        audit_record(action=CONSENT_WITHDRAWN, actor_label=actor_label, case=locked, ip_address=ip_address,
                     details={"previous_state": locked.state, "withdrawn_at": now.isoformat()})
        if locked.can_move_to(CaseState.WITHDRAWN):  # first: a stopped check must not route the case
            locked = case_transition(case=locked, to=CaseState.WITHDRAWN, reason=WITHDRAWN_REASON,
                                     actor_label=actor_label)
        else:  # a decided case stays decided; its partner still hears that the media is gone
            decision = case_decision(case=locked)
            outbox_record(case=locked, kind=OutboxEvent.CONSENT_WITHDRAWN,
                          payload={"state": locked.state, "withdrawn_at": now.isoformat(),
                                   "decision": decision.as_json() if decision is not None else None})
        erased = case_media_erase(case_id=locked.pk, reason="consent_withdrawn", actor_label=actor_label)
        stopped = checks_stop_pending(case_id=locked.pk)
    logger.info("case %s: consent withdrawn (%d check(s) stopped, %d media file(s) erased)", case.pk, stopped, erased)
    case.refresh_from_db()
    return Withdrawal(withdrawn_at=now, created=True, media_erased=erased, state=locked.state)
