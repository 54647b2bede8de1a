"""The structured reasons of a decision, per outcome: one table for the dashboard, the API and the person.

``code -> (label, message)``: the label is for reviewers and partners ("the reason in words"), the
message is the sentence the person gets when the reviewer writes none. Messages are marked with
``gettext_noop`` so ``makemessages`` collects them: they are stored in English and translated when
shown (:func:`liveness.cases.selectors.case_retake_message`), in the person's language.

It lives in ``cases`` (not ``review``) because the partner API, the webhooks and the capture pages
read decisions too, and they may not import the dashboard.
"""
from __future__ import annotations

from django.utils.translation import gettext_noop

from .models import DecisionOutcome

REASON_CODES: dict[str, dict[str, tuple[str, str]]] = {
    DecisionOutcome.APPROVE: {
        "verified": ("Checks passed and media reviewed", gettext_noop("Your identity has been verified.")),
        "manual_match": ("Reviewer confirmed the match despite a low score", gettext_noop("Your identity has been verified.")),
        "vendor_error_overridden": ("Vendor failure, media reviewed manually", gettext_noop("Your identity has been verified.")),
    },
    DecisionOutcome.REJECT: {
        "spoof_suspected": ("Presentation attack suspected (photo, screen, mask)",
                            gettext_noop("We could not verify your identity.")),
        "different_person": ("Selfie and ID card show different people", gettext_noop("We could not verify your identity.")),
        "document_invalid": ("ID card invalid, altered or unreadable",
                             gettext_noop("We could not verify your identity document.")),
        "duplicate_identity": ("Identity already used by another case", gettext_noop("We could not verify your identity.")),
        "other": ("Other (explain in the internal comment)", gettext_noop("We could not verify your identity.")),
    },
    DecisionOutcome.RETAKE: {
        "poor_lighting": ("Too dark, too bright or blurry", gettext_noop("Please try again in good, even light and hold still.")),
        "face_not_visible": ("Face hidden, cut off or too small",
                             gettext_noop("Please try again with your whole face visible in the frame.")),
        "digits_unclear": ("Digits not read clearly", gettext_noop("Please try again and read the digits slowly and clearly.")),
        "card_unreadable": ("ID-card photo unreadable", gettext_noop("Please take a new, sharp photo of your ID card.")),
        "other": ("Other (explain in the user message)", gettext_noop("Please try again.")),
    },
}

#: Reason codes of decisions the pipeline takes by itself (no reviewer): code -> label.
SYSTEM_REASONS: dict[str, str] = {
    "checks_passed": "All checks passed",
    "checks_failed_user_fixable": "A check failed for a reason the person can fix",
}


def reason_label(*, outcome: str, reason_code: str) -> str:
    """The reason in words (English, for reviewers and partners); the code itself if unknown."""
    label = REASON_CODES.get(outcome, {}).get(reason_code)
    if label is not None:
        return label[0]
    return SYSTEM_REASONS.get(reason_code, reason_code)


def reason_default_message(*, outcome: str, reason_code: str) -> str:
    """The untranslated default sentence for the person, or "" for an unknown reason."""
    entry = REASON_CODES.get(outcome, {}).get(reason_code)
    return entry[1] if entry else ""
