"""Issue 18 item 3: the partner learns the decision (outcome, reason code and words, the person's
message, who decided as a role, when) from the case detail and from the webhooks; before, both
carried only ``state``."""
from __future__ import annotations

import json

import pytest
import yaml

from liveness.cases.models import Case, CaseState
from liveness.cases.services import case_transition
from liveness.partners.models import WebhookDelivery
from liveness.partners.webhooks import endpoints as webhook_endpoints
from liveness.review.services import decision_make
from tests.partners.webhook_receiver import delivered_payload
from tests.review.conftest import make_review_case, role_user

pytestmark = pytest.mark.django_db

SPOOF = {"outcome": "reject", "reason_code": "spoof_suspected",
         "reason": "Presentation attack suspected (photo, screen, mask)",
         "user_message": "We could not verify your identity.", "decided_by": "reviewer"}


def _partner_case(partner) -> Case:
    case = make_review_case()
    Case.objects.filter(pk=case.pk).update(partner=partner)
    case.refresh_from_db()
    return case


def test_a_rejection_reason_reaches_the_case_detail(api, partner):
    case = _partner_case(partner)
    before = api.get(f"/api/v1/cases/{case.public_id}").json()
    assert before["state"] == "manual_review" and before["decision"] is None

    made = decision_make(case=case, outcome="reject", reason_code="spoof_suspected",
                         actor=role_user("rita", "reviewer"), internal_comment="screen glare, moire")
    body = api.get(f"/api/v1/cases/{case.public_id}").json()

    decision = body["decision"]
    assert body["state"] == "rejected"
    assert {k: decision[k] for k in SPOOF} == SPOOF
    assert decision["decided_at"] == made.created_at.isoformat().replace("+00:00", "Z")
    text = json.dumps(body)
    assert "rita" not in text and "moire" not in text, "no reviewer name, no internal comment"


def test_a_supervisors_decision_says_supervisor_and_an_automatic_one_system(api, partner):
    case = _partner_case(partner)
    decision_make(case=case, outcome="approve", reason_code="manual_match", actor=role_user("sam", "supervisor"),
                  internal_comment="same person, low light")
    assert api.get(f"/api/v1/cases/{case.public_id}").json()["decision"]["decided_by"] == "supervisor"

    auto = _partner_case(partner)
    Case.objects.filter(pk=auto.pk).update(state=CaseState.PROCESSING)
    auto.refresh_from_db()
    case_transition(case=auto, to=CaseState.APPROVED, reason="all checks passed", actor_label="system:pipeline")
    decision = api.get(f"/api/v1/cases/{auto.public_id}").json()["decision"]
    assert (decision["outcome"], decision["reason_code"], decision["decided_by"]) == (
        "approve", "checks_passed", "system")


def test_a_rejection_reason_reaches_a_webhook(partner, receiver, queued, django_capture_on_commit_callbacks):
    endpoint = webhook_endpoints.webhook_endpoint_create(partner=partner, url=receiver.url, events=["case.decided"])
    case = _partner_case(partner)

    with django_capture_on_commit_callbacks(execute=True):
        decision_make(case=case, outcome="reject", reason_code="spoof_suspected",
                      actor=role_user("rita", "reviewer"))
    payload = delivered_payload(receiver, endpoint.secret)

    assert payload["event"] == "case.decided" and payload["state"] == "rejected"
    assert {k: payload["decision"][k] for k in SPOOF} == SPOOF
    assert "rita" not in json.dumps(payload, ensure_ascii=False)


def test_a_retake_webhook_carries_the_reviewers_message(partner, receiver, queued,
                                                          django_capture_on_commit_callbacks):
    webhook_endpoints.webhook_endpoint_create(partner=partner, url=receiver.url, events=["case.retake_requested"])
    case = _partner_case(partner)

    with django_capture_on_commit_callbacks(execute=True):
        decision_make(case=case, outcome="retake", reason_code="poor_lighting", actor=role_user("rita", "reviewer"),
                      user_message="Hold the phone still.")

    decision = WebhookDelivery.objects.get().payload["decision"]
    assert (decision["outcome"], decision["reason_code"], decision["user_message"]) == (
        "retake", "poor_lighting", "Hold the phone still.")


def test_the_schema_describes_the_decision(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    detail = schema["components"]["schemas"]["CaseDetail"]["properties"]
    decision = schema["components"]["schemas"]["Decision"]
    assert "decision" in detail and set(decision["properties"]) == {
        "outcome", "reason_code", "reason", "user_message", "decided_by", "decided_at"}
    assert set(schema["components"]["schemas"]["DecidedByEnum"]["enum"]) == {"reviewer", "supervisor", "system"}
