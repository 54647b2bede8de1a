"""What ``/api/schema/`` and ``/api/docs/`` publish beyond the endpoints: the introduction, and the
webhooks (OpenAPI 3.1 ``webhooks``) with their payload per event and their headers.

Everything here is written for partners, who have only this page: no repository paths. Docstrings
never reach the schema (``DISABLE_DOCSTRING_DESCRIPTIONS``); every operation states its own
``description`` in ``extend_schema``. Wired in ``kyc_portal/settings/partners.py``
(``WEBHOOKS``, ``POSTPROCESSING_HOOKS``).
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers as drf

from liveness.cases.models import CaseState
from liveness.partners.api.serializers import DecisionSerializer
from liveness.partners.models import WebhookEvent

INTRO = """\
Verify that a person is live and present, and (for digit-video cases) that they match their ID card.

**Flow.** Open a **case** for each person (`POST /api/v1/cases`), get the person through a selfie or
a digit-reading video — uploaded by you, or taken by the person in their browser on a signed capture
link (`POST /api/v1/cases/{id}/capture-link`) — then learn the result by **webhook** (see *Webhooks*
below) or by polling `GET /api/v1/cases/{id}`. Case states: `awaiting_submission` → `processing` →
`approved` | `manual_review` | `retake_requested` | `rejected`. In `approved`, `rejected` and
`retake_requested` the case's `decision` says what was decided, why, what the person was told, by
which role and when. A person who withdraws their consent (on the capture link, or you with
`DELETE /api/v1/cases/{id}/consent`) ends an open case in `withdrawn`, and its media is deleted.

**Authentication.** Send your API key on every request: `Authorization: Bearer kyc_live_...`.
`kyc_test_...` keys behave the same but never call a paid vendor. A missing, wrong or revoked key is
`401`; you only ever see your own cases, deliveries and endpoints (anything else is `404`).

**Idempotency.** Send `Idempotency-Key: <a fresh UUID>` on every `POST`. The same key with the same
request within 24 hours replays the first answer (`Idempotent-Replayed: true`) without acting twice;
with another request it is `422 idempotency_key_reused`. An empty or blank key is
`400 invalid_idempotency_key`. Generate keys with any UUID library, e.g.
`python3 -c 'import uuid; print(uuid.uuid4())'`.

**Errors** always look like `{"error": {"code": "too_large", "message": "..."}}`: branch on `code`,
show `message` to people. `429 rate_limited` carries `Retry-After` (seconds).

**Uploads** are `multipart/form-data` file parts or a JSON body of base64 strings (a
`data:image/jpeg;base64,` prefix is accepted); images up to 8 MiB, videos up to 20 MiB by default.

**Webhooks.** Register an endpoint with `POST /api/v1/webhooks/endpoints`; its signing secret is in
that answer only. Each event is a `POST` of compact JSON, signed with
`X-KYC-Signature: v1=<hex HMAC-SHA256(secret, "{X-KYC-Timestamp}.{raw body}")>`. Verify against the
raw body and refuse timestamps more than 5 minutes away. Answer any `2xx` within 5 seconds; anything
else is retried after 10 s, 1 min, 5 min, 30 min, 2 h, 6 h and 12 h, then the delivery is `failed`
(see `GET /api/v1/webhooks/deliveries`). Deduplicate on the payload's `id`. The payload of each event
is under *Webhooks* on this page.
"""

#: Webhook request headers, as partners receive them.
WEBHOOK_HEADERS = [
    ("X-KYC-Signature", "v1=<hex HMAC-SHA256(endpoint secret, \"{X-KYC-Timestamp}.{raw body}\")>. Compute it "
                        "over the raw body bytes, before parsing the JSON, and compare in constant time. After a "
                        "secret rotation every attempt is signed with the new secret.",
     {"type": "string", "pattern": "^v1=[0-9a-f]{64}$"}),
    ("X-KYC-Timestamp", "Unix seconds when this attempt was signed; part of the signed text. Refuse values more "
                        "than 5 minutes from your clock (replays).", {"type": "string", "pattern": "^[0-9]+$"}),
    ("X-KYC-Event", "The event name, the same as the payload's event.",
     {"type": "string", "enum": list(WebhookEvent.values)}),
    ("X-KYC-Delivery", "This delivery's id (a redelivery has a new one; the payload's id stays the same).",
     {"type": "string", "format": "uuid"}),
]

#: Per event: when it is sent, the states it can carry, and whether ``decision`` can be null.
WEBHOOK_EVENTS = {
    WebhookEvent.CHECKS_COMPLETED.value: {
        "summary": "The checks finished",
        "description": "The case left processing, whatever came next: state is approved, rejected, retake_requested "
                       "or manual_review. decision is the automatic decision when there was one, else null "
                       "(manual_review: a reviewer will decide, and you will get case.decided or "
                       "case.retake_requested). A move from processing to approved sends this event, then "
                       "case.decided.",
        "states": [CaseState.APPROVED, CaseState.REJECTED, CaseState.RETAKE_REQUESTED, CaseState.MANUAL_REVIEW],
        "decision_nullable": True,
        "example_state": CaseState.MANUAL_REVIEW, "example_decision": None,
    },
    WebhookEvent.DECIDED.value: {
        "summary": "The case was approved or rejected",
        "description": "A final decision: state is approved or rejected, and decision says the outcome, the reason "
                       "(code and words), the message shown to the person, who decided (reviewer, supervisor or "
                       "system: a role, never a name) and when.",
        "states": [CaseState.APPROVED, CaseState.REJECTED],
        "decision_nullable": False,
        "example_state": CaseState.REJECTED,
        "example_decision": {"outcome": "reject", "reason_code": "spoof_suspected",
                             "reason": "Presentation attack suspected (photo, screen, mask)",
                             "user_message": "We could not verify your identity.", "decided_by": "reviewer",
                             "decided_at": "2026-11-22T04:16:00.120001Z"},
    },
    WebhookEvent.RETAKE_REQUESTED.value: {
        "summary": "The person must try again",
        "description": "state is retake_requested; decision.user_message is what the person was asked to do (a "
                       "reviewer's words, or the automatic checks' advice). Bring the person back to the capture "
                       "link or upload a new submission.",
        "states": [CaseState.RETAKE_REQUESTED],
        "decision_nullable": False,
        "example_state": CaseState.RETAKE_REQUESTED,
        "example_decision": {"outcome": "retake", "reason_code": "poor_lighting",
                             "reason": "Too dark, too bright or blurry",
                             "user_message": "Your photo was blurry. Hold the phone still, in good light.",
                             "decided_by": "reviewer", "decided_at": "2026-11-22T04:16:00.120001Z"},
    },
    WebhookEvent.CONSENT_WITHDRAWN.value: {
        "summary": "The person withdrew their consent",
        "description": "The person withdrew their consent (on the capture link, or you relayed it) and the case's "
                       "photos and video were deleted. A case still open ended: state is withdrawn and decision is "
                       "null; nothing more will happen to it (open a new case if the person wants to try again). "
                       "A case already decided keeps its state (approved or rejected) and its decision, which "
                       "this event repeats: delete your own copies of the person's media either way.",
        "states": [CaseState.WITHDRAWN, CaseState.APPROVED, CaseState.REJECTED],
        "decision_nullable": True,
        "example_state": CaseState.WITHDRAWN, "example_decision": None,
    },
}


class WebhookPayloadSerializer(drf.Serializer):
    """Schema only: the body of every webhook (``liveness.partners.webhooks.wire.payload_make``)."""

    id = drf.UUIDField(help_text="The event's id: the same on every retry and redelivery; deduplicate on it")
    event = drf.ChoiceField(choices=WebhookEvent.values, help_text="The event name")
    timestamp = drf.DateTimeField(help_text="When the case moved (UTC, ISO 8601)")
    case_id = drf.UUIDField(help_text="The case's id, as in GET /api/v1/cases/{id}")
    reference = drf.CharField(help_text="Your own reference, as given when the case was opened (may be empty)")
    state = drf.ChoiceField(choices=CaseState.values, help_text="The state the event is about")
    decision = DecisionSerializer(allow_null=True, help_text="The decision behind state, the same object as the "
                                                              "case's decision; null when nothing was decided")


def _webhook(name: str) -> OpenApiWebhook:
    spec = WEBHOOK_EVENTS[name]
    return OpenApiWebhook(name=name, decorator=extend_schema(
        summary=spec["summary"], description=spec["description"], request=WebhookPayloadSerializer,
        responses={200: OpenApiResponse(description="Any 2xx within 5 seconds: received. Anything else, or no "
                                                    "answer in time, is retried on the schedule above.")}))


#: The ``WEBHOOKS`` setting of drf-spectacular (an import string to this list).
WEBHOOKS = [_webhook(name) for name in WEBHOOK_EVENTS]


def postprocess(result: dict, generator, request, public) -> dict:
    """A drf-spectacular postprocessing hook: the self-contained introduction; each webhook's payload
    narrowed to its event (event, states, decision), and its signature headers."""
    result["info"]["description"] = INTRO
    payload_ref = {"$ref": "#/components/schemas/WebhookPayload"}
    for name, operations in result.get("webhooks", {}).items():
        spec = WEBHOOK_EVENTS[name]
        decision: dict[str, object] = {"$ref": "#/components/schemas/Decision"}
        if spec["decision_nullable"]:
            decision = {"oneOf": [decision, {"type": "null"}]}
        narrowed = {"allOf": [payload_ref, {
            "type": "object",
            "properties": {"event": {"const": name}, "state": {"enum": [str(s) for s in spec["states"]]},
                           "decision": decision},
        }]}
        operation = operations["post"]
        example = {"id": "5b1e0c43-2f7a-5d7e-9c1b-0a4f6d2e8b10", "event": name, "timestamp": "2026-11-22T04:16:00.123456Z",
                   "case_id": "8d0f6a2c-94b1-4c8e-a7d3-2e5f1b9c0d47", "reference": "customer-42",
                   "state": str(spec["example_state"]), "decision": spec["example_decision"]}
        operation["requestBody"]["content"] = {"application/json": {"schema": narrowed, "example": example}}
        operation["responses"] = {"2XX": operation["responses"].pop("200")}
        operation["parameters"] = [{"name": header, "in": "header", "required": True, "description": text,
                                    "schema": schema} for header, text, schema in WEBHOOK_HEADERS]
    return result
