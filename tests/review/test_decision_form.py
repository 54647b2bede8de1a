"""Issue 18 item 4: the decision form ties reasons to outcomes, starts on no reason, keeps what the
reviewer wrote when a save is refused, and every refused save is audited."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from liveness.cases.models import AuditEvent, CaseState, Decision
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db


def _decide(case) -> str:
    return reverse("dashboard:decide", kwargs={"public_id": case.public_id})


def test_the_reason_list_is_grouped_per_outcome_starts_on_no_reason_and_its_script_is_static(
        client, reviewer, review_case):
    staff_login(client, reviewer)
    page = client.get(reverse("dashboard:case", kwargs={"public_id": review_case.public_id})).content.decode()
    select = page[page.index('<select name="reason"'):page.index("</select>")]

    groups = re.findall(r'<optgroup label="[^"]+" data-outcome="(\w+)">(.*?)</optgroup>', select, flags=re.S)
    assert [g for g, _ in groups] == ["approve", "reject", "retake"]
    for outcome, options in groups:
        assert re.findall(r'value="(\w+):', options) and set(re.findall(r'value="(\w+):', options)) == {outcome}
    selected = re.findall(r'<option value="([^"]*)" selected>', select)
    assert selected == [""], "the first choice is no reason at all, never an Approve reason"
    assert "/static/dashboard/decision.js" in page
    assert "<script>" not in page and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "no inline script"


def test_a_refused_save_keeps_outcome_reason_message_and_comment_and_is_audited(client, reviewer, review_case):
    """Before: a redirect to an emptied form, and no audit event for this refusal."""
    staff_login(client, reviewer)
    response = client.post(_decide(review_case), {
        "outcome": "reject", "reason": "retake:poor_lighting", "user_message": "Sorry, we could not accept this.",
        "internal_comment": "moire pattern on the selfie"})

    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(r'<input type="radio" name="outcome" value="reject"[^>]*checked', page)
    assert "Sorry, we could not accept this.</textarea>" in page and "moire pattern on the selfie</textarea>" in page
    assert '<option value="retake:poor_lighting" selected>' in page
    assert "This reason belongs to another outcome." in page
    review_case.refresh_from_db()
    assert review_case.state == CaseState.MANUAL_REVIEW and not Decision.objects.exists()
    event = AuditEvent.objects.get(case=review_case, action="decision.refused")
    assert (event.details["code"], event.details["outcome"], event.details["reason_code"]) == (
        "bad_reason", "reject", "poor_lighting")


def test_a_save_the_service_refuses_keeps_the_form_too(client, supervisor, review_case):
    staff_login(client, supervisor)
    response = client.post(_decide(review_case), {
        "outcome": "approve", "reason": "approve:manual_match", "user_message": "Welcome aboard."})

    assert response.status_code == 409
    page = response.content.decode()
    assert "needs an internal comment" in page and "Welcome aboard.</textarea>" in page
    assert '<option value="approve:manual_match" selected>' in page
    assert AuditEvent.objects.get(case=review_case, action="decision.refused").details["code"] == "comment_required"
