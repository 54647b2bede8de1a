"""Capture links: a signed, expiring token naming one case. No login for end users."""
from __future__ import annotations

from django.conf import settings
from django.core import signing

from liveness.cases.models import Case

SALT = "liveness.capture-link"


def capture_token_make(*, case: Case) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(case.public_id))


class CaptureLinkInvalid(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def capture_token_case(*, token: str) -> Case:
    try:
        public_id = signing.TimestampSigner(salt=SALT).unsign(token, max_age=settings.KYC_CAPTURE_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise CaptureLinkInvalid("expired") from None
    except signing.BadSignature:
        raise CaptureLinkInvalid("invalid") from None
    case = Case.objects.filter(public_id=public_id).first()
    if case is None:
        raise CaptureLinkInvalid("invalid")
    return case
