"""The privacy notice a person accepts before any capture, built from the running configuration.

What is collected depends on the case kind; how long it is kept is read from
``settings.KYC_RETENTION_DAYS`` (through ``liveness.media.retention.retention_days``, the values the
purge applies); who receives it depends on the provider configured for the case's operation and on
whether a partner opened the case. The version names exactly the text shown:
``<NOTICE_REVISION>.<8 hex digits of the facts>``, so a change of wording (bump
:data:`NOTICE_REVISION`) or of a fact (a retention period, the vendor) gives a new version.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

from liveness.cases.models import Case, CaseKind
from liveness.cases.services import case_provider_pin
from liveness.media.retention import retention_days
from liveness.vendors import provider_name_for
from liveness.vendors.base import Operation
from liveness.vendors.registry import get_spec

#: Bump when the notice's wording changes (templates/capture/consent.html or the sentences below).
NOTICE_REVISION = "2"  # 2: the person can withdraw their consent on these pages

#: Vendor families by the name a person may know; "local" is the engine on the portal's own servers.
VENDOR_NAMES = {"youtu": "Tencent YouTu", "tencent_cloud": "Tencent Cloud", "senseid": "SenseTime SenseID"}

CUSTOM_PROVIDER = "custom"

#: The states whose media the retention purge deletes, in the order the notice lists them.
RETENTION_STATES = ("approved", "rejected", "retake_requested")


@dataclass(frozen=True)
class NoticeFacts:
    """What the notice states, before wording: the version is a digest of these."""

    kind: str
    retention: tuple[tuple[str, int | None], ...]  # (state, days or None = not deleted automatically)
    vendor: str | None  # None: the local engine, on our servers
    partner: str | None

    @property
    def version(self) -> str:
        digest = hashlib.sha256(json.dumps([self.kind, self.retention, self.vendor, self.partner]).encode())
        return f"{NOTICE_REVISION}.{digest.hexdigest()[:8]}"


def notice_facts(*, case: Case) -> NoticeFacts:
    operation = Operation.SELFIE_LIVENESS if case.kind == CaseKind.SELFIE else Operation.DIGIT_VIDEO
    provider = case_provider_pin(case=case, provider_name=None) or provider_name_for(operation)
    spec = get_spec(provider)
    if spec is None:
        vendor: str | None = CUSTOM_PROVIDER  # a dotted-path provider of the operator's own
    else:
        vendor = None if spec.family == "local" else VENDOR_NAMES.get(spec.family, spec.family)
    days = retention_days()
    return NoticeFacts(kind=case.kind, retention=tuple((state, days.get(state)) for state in RETENTION_STATES),
                       vendor=vendor, partner=case.partner.name if case.partner_id else None)


def notice_version(*, case: Case) -> str:
    return notice_facts(case=case).version


def notice_sections(*, case: Case) -> dict:
    """The notice's sentences in the current language, with its version."""
    facts = notice_facts(case=case)
    if facts.kind == CaseKind.SELFIE:
        collected = [_("One photo of your face (a selfie), taken with your camera or chosen from your device.")]
        purpose = _("To check that you are a real person, present in front of the camera.")
    else:
        collected = [
            _("A short video of your face while you read four digits aloud: your image and your voice."),
            _("A photo of your ID card, with the face and the details printed on it."),
        ]
        purpose = _("To check that you are a real person, present in front of the camera, and the same person "
                    "as on your ID card.")
    collected.append(_("The check's results (scores, and the face photos it picks from what you send), and the "
                       "time, language and network address of your consent."))
    when = {
        "approved": _("%(days)d days after the check is approved"),
        "rejected": _("%(days)d days after the check is rejected"),
        "retake_requested": _("%(days)d days after you are asked to try again, if you do not"),
    }
    kept = {
        "approved": _("after the check is approved: kept until the operator deletes them"),
        "rejected": _("after the check is rejected: kept until the operator deletes them"),
        "retake_requested": _("after you are asked to try again: kept until the operator deletes them"),
    }
    retention = [when[state] % {"days": days} if days else kept[state] for state, days in facts.retention]
    recipients = [_("The compliance reviewers of this service, who decide the check. Every time one of them "
                    "opens a photo or the video, it is recorded.")]
    if facts.vendor == CUSTOM_PROVIDER:
        recipients.append(_("An outside verification service, which runs the automatic check for us and receives "
                            "what you send for that purpose."))
    elif facts.vendor:
        recipients.append(_("%(vendor)s, which runs the automatic check for us and receives what you send for "
                            "that purpose.") % {"vendor": facts.vendor})
    else:
        recipients.append(_("The automatic check runs on our own servers: no other company receives your photo "
                            "or video."))
    if facts.partner:
        recipients.append(_("%(partner)s, who asked for this check: it receives the result and may receive the "
                            "face photos the check picked.") % {"partner": facts.partner})
    return {"version": facts.version, "collected": collected, "purpose": purpose, "retention": retention,
            "recipients": recipients}
