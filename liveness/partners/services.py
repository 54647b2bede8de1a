"""Case use cases as a partner performs them: who the partner is, test-key isolation, audited
photo access. The case rules themselves live in ``liveness.cases.services``."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from liveness.capture.links import capture_token_make
from liveness.cases.audit import audit_record
from liveness.cases.consent import Withdrawal, case_consent_record, case_consent_require, case_consent_withdraw
from liveness.cases.models import Case, CaseState, Challenge, Consent, ConsentSource, Submission
from liveness.cases.services import (
    TEST_PROVIDER,
    SubmissionRefused,
    case_open,
    challenge_issue,
    submission_accept,
)
from liveness.media import files as media

from .keys import actor_label_for
from .models import PartnerApiKey


def case_open_for(*, key: PartnerApiKey, kind: str, reference: str) -> Case:
    """A case of the key's partner; a test key's case is test-mode: its capture link's pages, too,
    run every challenge and check on the local engine (``cases.services.case_provider_pin``)."""
    return case_open(kind=kind, reference=reference, partner=key.partner, actor_label=actor_label_for(key),
                     test_mode=key.is_test)


def challenge_issue_for(*, key: PartnerApiKey, case: Case, language: str | None = None) -> Challenge:
    """Digits for a video case, to be read in ``language`` (None: the provider's first language). A test
    key gets them from the local engine, never from a vendor."""
    return challenge_issue(case=case, actor_label=actor_label_for(key),
                           provider_name=TEST_PROVIDER if key.is_test else None, language=language)


def submission_accept_for(
    *, key: PartnerApiKey, case: Case, selfie: bytes | None = None, video: bytes | None = None,
    card: bytes | None = None, challenge_id: int | None = None,
) -> Submission:
    """``submission_accept`` for a partner; a test key's checks are pinned to the local engine. Refused
    (409 ``consent_required``) while the case has no consent, from its capture page or the partner."""
    case_consent_require(case=case, message=CONSENT_REQUIRED_MESSAGE)
    return submission_accept(
        case=case, actor_label=actor_label_for(key), source=f"api:{key.mode}", selfie=selfie, video=video,
        card=card, challenge_id=challenge_id, provider_name=TEST_PROVIDER if key.is_test else None)


CONSENT_REQUIRED_MESSAGE = (
    "The person has not accepted a privacy notice for this case yet: record their consent first (POST "
    "/api/v1/cases/{id}/consent), or send them the capture link, whose first page asks for it.")


def consent_record_for(*, key: PartnerApiKey, case: Case, notice_version: str, given_at: datetime | None,
                       ip_address: str | None) -> tuple[Consent, bool]:
    """The partner records the consent it collected in its own app (audited like the capture page's)."""
    return case_consent_record(case=case, notice_version=notice_version, source=ConsentSource.PARTNER_API,
                               actor_label=actor_label_for(key), given_at=given_at, ip_address=ip_address)


def consent_withdraw_for(*, key: PartnerApiKey, case: Case, ip_address: str | None) -> Withdrawal:
    """The partner relays the person's withdrawal (``case_consent_withdraw``: media erased, open case ended)."""
    return case_consent_withdraw(case=case, actor_label=actor_label_for(key), ip_address=ip_address)


def capture_link_create(*, key: PartnerApiKey, case: Case, path_for) -> tuple[str, datetime]:
    """A signed link the partner sends to its end user; ``path_for(token)`` builds the absolute URL."""
    if case.state not in (CaseState.AWAITING_SUBMISSION, CaseState.RETAKE_REQUESTED):
        raise SubmissionRefused("case_not_accepting", "This case takes no new submission.", status=409)
    url = path_for(capture_token_make(case=case))
    expires_at = timezone.now() + timedelta(seconds=settings.KYC_CAPTURE_LINK_MAX_AGE)
    audit_record(action="capture_link.created", actor_label=actor_label_for(key), case=case,
                          details={"expires_at": expires_at.isoformat()})
    return url, expires_at


def case_viewed(*, key: PartnerApiKey, case: Case | None, ip_address: str | None, details: dict | None = None) -> None:
    audit_record(action="api.case_viewed" if case else "api.cases_listed", actor_label=actor_label_for(key),
                          case=case, details=details or {}, ip_address=ip_address)


def case_photos_read(*, key: PartnerApiKey, case: Case, ip_address: str | None) -> list[dict]:
    """The photos the providers returned (best frame, face crop), base64, one audit event per photo read."""
    photos = []
    for check in case.checks.select_related("best_frame", "face_crop").order_by("created_at", "pk"):
        for role in ("best_frame", "face_crop"):
            blob = getattr(check, role)
            if blob is None or blob.purged_at:
                continue
            data = media.blob_read(blob)
            audit_record(action="media.viewed", actor_label=actor_label_for(key), case=case,
                                  ip_address=ip_address,
                                  details={"blob": str(blob.id), "kind": role, "check": check.pk, "via": "api"})
            photos.append({"check_id": check.pk, "role": role, "content_type": blob.content_type,
                           "width": blob.width, "height": blob.height,
                           "data_base64": base64.b64encode(data).decode()})
    return photos
